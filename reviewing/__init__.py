"""The review protocol of the content flow: its stages, status, events and the signed links reviewers use."""
