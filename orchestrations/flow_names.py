"""The flows' durable names, for the routes and tools that start them; each orchestrator function bears its own."""

SPAM_FLOW = "spam_detection_orchestration"
RESEARCH_FLOW = "research_orchestration"
CONTENT_FLOW = "content_approval_workflow"
