"""The app's own checks on an email, made before and independently of any model.

They run as an activity at the start of the spam flow: their result is recorded in the history,
handed to SpamDetectionAgent with the email (so a model that skips its tools still sees the
evidence), and checked against its verdict (so no model can get an obvious phishing mail an
automatic reply).
"""

from __future__ import annotations

from typing import Any

from agents import analysis
from agents.offline import spam_rules

MAX_LINKS_SHOWN = 20


def screen(sender: str, subject: str, content: str) -> dict[str, Any]:
    """Link, sender and wording rules on one email: whether they call it spam, their score and why."""
    text = "\n".join(filter(None, [f"From: {sender}" if sender else "", f"Subject: {subject}" if subject else "", "", content]))
    links = analysis.inspect_links(text)
    sender_report = analysis.check_sender(sender, text)
    signals = sorted(spam_rules.email_signals(links, sender_report, f"{subject}\n{content}"), key=lambda s: -s.weight)
    score = spam_rules.score(signals)
    return {
        "flags_spam": score >= spam_rules.SPAM_THRESHOLD,
        "score": score,
        "threshold": spam_rules.SPAM_THRESHOLD,
        "signals": [signal.description for signal in signals],
        "links": [{"url": link["url"], "flags": link["flags"]} for link in links["links"][:MAX_LINKS_SHOWN]],  # type: ignore[index]
        "sender": {key: sender_report[key] for key in ("sender", "domain", "free_mail", "flags")},
    }
