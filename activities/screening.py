"""The spam flow's first step: the app's own checks on the email (no side effect; recorded in the history)."""

from agents.screening import screen


def screen_email(request: dict) -> dict:
    """Input: {"sender", "subject", "content"} (missing parts empty). Output: see `agents.screening.screen`."""
    return screen(request.get("sender") or "", request.get("subject") or "", request["content"])
