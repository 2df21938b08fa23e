"""The spam flow's first step: the app's own checks on the email (no side effect; recorded in the history)."""

from agents.screening import screen


def screen_email(request: dict) -> dict:
    """Input: {"email": the email as the agents are shown it}. Output: see `agents.screening.screen`."""
    return screen(request["email"])
