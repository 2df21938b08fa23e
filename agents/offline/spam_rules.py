"""Rule-based spam scoring for the offline model.

Every rule that fires becomes a named signal with a weight; the verdict is spam when
the weights reach SPAM_THRESHOLD. Link and sender evidence comes from the agent's
tool results (`inspect_links`, `check_sender`), the wording rules are applied here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.models import SpamVerdict

SPAM_THRESHOLD = 3.0

PHRASE_RULES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    (
        "urgency or threat",
        1.5,
        (
            "urgent", "immediately", "act now", "within 24 hours", "within 48 hours", "account will be",
            "suspended", "locked", "final notice", "last chance", "expires today", "limited time",
        ),
    ),
    (
        "money, prize or payment bait",
        2.0,
        (
            "you have won", "you've won", "winner", "lottery", "prize", "claim your", "cash", "bitcoin", "crypto",
            "gift card", "wire transfer", "inheritance", "million dollars", "$$$", "free money", "investment opportunity",
            "guaranteed", "100% free", "risk-free", "double your",
        ),
    ),
    (
        "asks for credentials or personal data",
        2.5,
        (
            "verify your account", "confirm your password", "your password", "login details", "social security",
            "bank details", "credit card number", "update your payment", "confirm your identity", "pin code",
        ),
    ),
    ("pushy call to action", 1.0, ("click here", "click below", "open the attachment", "download now", "buy now")),
)


@dataclass(frozen=True)
class Signal:
    """One piece of evidence and how much it counts."""

    description: str
    weight: float


def wording_signals(text: str) -> list[Signal]:
    """Signals in the wording: phrase families, shouting in capitals, piles of exclamation marks."""
    lowered = text.lower()
    signals = []
    for name, weight, phrases in PHRASE_RULES:
        hits = [phrase for phrase in phrases if phrase in lowered]
        if hits:
            quoted = ", ".join(f"'{hit}'" for hit in hits[:3])
            signals.append(Signal(f"{name} ({quoted})", weight))
    words = re.findall(r"[A-Za-z]{3,}", text)
    shouted = [word for word in words if word.isupper()]
    if len(shouted) >= 3 and len(shouted) >= 0.2 * len(words):
        signals.append(Signal(f"shouting in capitals ({len(shouted)} of {len(words)} words)", 1.0))
    if text.count("!") >= 3:
        signals.append(Signal(f"{text.count('!')} exclamation marks", 0.5))
    return signals


def link_signals(link_report: dict[str, object]) -> list[Signal]:
    """Signals from the inspect_links tool result."""
    signals = []
    for link in link_report.get("links", []):  # type: ignore[union-attr]
        for flag in link.get("flags", []):
            if flag == "not encrypted (http)":
                continue
            signals.append(Signal(f"link {link['url']}: {flag}", 1.5))
    if int(link_report.get("link_count", 0)) > 5:  # type: ignore[arg-type]
        signals.append(Signal(f"{link_report['link_count']} links in one email", 1.0))
    return signals


def sender_signals(sender_report: dict[str, object]) -> list[Signal]:
    """Signals from the check_sender tool result; foreign link domains alone are common and weigh little."""
    signals = []
    for flag in sender_report.get("flags", []):  # type: ignore[union-attr]
        weight = 0.5 if flag.startswith(("links point to", "no sender address")) else 2.0
        signals.append(Signal(f"sender: {flag}", weight))
    return signals


def email_signals(link_report: dict[str, object], sender_report: dict[str, object], wording: str) -> list[Signal]:
    """Every rule that fires on an email: its links, its sender and its wording (subject and body)."""
    return [*link_signals(link_report), *sender_signals(sender_report), *wording_signals(wording)]


def score(signals: list[Signal]) -> float:
    return sum(s.weight for s in signals)


def verdict(signals: list[Signal], *, link_count: int, sender_domain: str) -> SpamVerdict:
    """Turn the collected signals into a verdict whose reason names them."""
    ranked = sorted(signals, key=lambda s: s.weight, reverse=True)
    total = score(ranked)
    is_spam = total >= SPAM_THRESHOLD
    names = [s.description for s in ranked]
    if is_spam:
        confidence = min(0.99, 0.6 + total / 25)
        reason = f"Spam (offline rule-based check, score {total:g} >= {SPAM_THRESHOLD:g}): " + "; ".join(names) + "."
    else:
        confidence = max(0.55, 0.95 - total / 10)
        checked = f"{link_count} link(s)" + (f" and sender domain {sender_domain}" if sender_domain else "")
        reason = (
            f"Legitimate (offline rule-based check, score {total:g} < {SPAM_THRESHOLD:g}): checked {checked}; "
            + ("weak signals only: " + "; ".join(names) if names else "no spam signals found")
            + "."
        )
    return SpamVerdict(is_spam=is_spam, confidence=round(confidence, 2), reason=reason, signals=names)
