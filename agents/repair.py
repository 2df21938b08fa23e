"""The repair turn: what a flow says to an agent whose answer it could not use.

Shared by the flows, which send it, and the offline model, which recognises it and answers the
request before it again, as a language model would.
"""

from __future__ import annotations

REPAIR_OPENING = "Your previous answer could not be used:"


def repair_prompt(model_name: str, problem: str) -> str:
    """Tell the model what was wrong and ask for the corrected JSON only."""
    return (
        f"{REPAIR_OPENING} {problem}.\n\n"
        f"Answer my previous request again, as one {model_name} JSON object that fixes this. Reply with the JSON only."
    )


def is_repair_request(text: str) -> bool:
    return text.startswith(REPAIR_OPENING)
