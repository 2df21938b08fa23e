"""Local host for Azure Functions Python apps with Durable Functions: the Functions host and its
Durable extension, played over SQLite, for machines without Core Tools, Docker or Azure."""
