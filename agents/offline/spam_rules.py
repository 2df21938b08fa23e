"""How the offline model decides on spam: the trained classifier first, the rules when it is unsure.

The classifier (`score_spam` tool result) decides on its own threshold: it was measured
on real mail (docs/spam-classifier.md). The rules below add what a 2002 corpus cannot
teach: links to bare IPs and look-alike domains, brand impersonation, credential requests.
They decide only where the classifier is unsure (score from UNSURE_FROM up to its
threshold, which includes mail whose words it has never seen), at RULES_THRESHOLD.
Measured on the training corpus, letting rules decide more often only adds flagged ham.
Every rule that fires becomes a named signal with a weight; link and sender evidence
comes from the agent's tool results (`inspect_links`, `check_sender`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents import analysis
from agents.mail_parsing import ParsedMail
from agents.models import SpamVerdict
from agents.spam_classifier import SpamScore
from agents.spam_classifier.model import Evidence

OFFLINE = "offline model: trained classifier plus rules, no LLM"
LIST_HOST = re.compile(r"<([^<>\s]{1,255})>")
"""The list's own host name in a List-Id ("Developers <dev.lists.example.org>")."""
AUTH_RESULT = re.compile(r"\b(dmarc|dkim|spf)[ \t]*=[ \t]*([a-z]{1,12})", re.IGNORECASE)
AUTH_FAILURE_WEIGHTS = {"dmarc": 3.0, "dkim": 1.0, "spf": 1.0}
RULES_THRESHOLD = 3.0
UNSURE_FROM = 0.5

PHRASE_RULES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    (
        "urgency or threat",
        1.5,
        (
            "urgent",
            "immediately",
            "act now",
            "within 24 hours",
            "within 48 hours",
            "account will be",
            "suspended",
            "locked",
            "final notice",
            "last chance",
            "expires today",
            "limited time",
        ),
    ),
    (
        "money, prize or payment bait",
        2.0,
        (
            "you have won",
            "you've won",
            "winner",
            "lottery",
            "prize",
            "claim your",
            "cash",
            "bitcoin",
            "crypto",
            "gift card",
            "wire transfer",
            "inheritance",
            "million dollars",
            "$$$",
            "free money",
            "investment opportunity",
            "guaranteed",
            "100% free",
            "risk-free",
            "double your",
        ),
    ),
    (
        "asks for credentials or personal data",
        2.5,
        (
            "verify your account",
            "confirm your password",
            "your password",
            "login details",
            "social security",
            "bank details",
            "credit card number",
            "update your payment",
            "confirm your identity",
            "pin code",
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


def link_signals(link_report: analysis.LinkReport) -> list[Signal]:
    """Signals from the inspect_links tool result. Link text showing another site than the link weighs no more than
    the other flags: newsletters send every link through a click-tracking site, so alone it is not phishing."""
    signals = []
    for link in link_report.get("links", []):
        for flag in link.get("flags", []):
            if flag == "not encrypted (http)":
                continue
            signals.append(Signal(f"link {link['url']}: {flag}", 1.5))
    if link_report.get("link_count", 0) > 5:
        signals.append(Signal(f"{link_report['link_count']} links in one email", 1.0))
    return signals


def sender_signals(sender_report: analysis.SenderReport) -> list[Signal]:
    """Signals from the check_sender tool result; foreign link domains alone are common and weigh little."""
    signals = []
    for flag in sender_report.get("flags", []):
        weight = 0.5 if flag.startswith(("links point to", "no sender address")) else 2.0
        signals.append(Signal(f"sender: {flag}", weight))
    return signals


def message_signals(mail: ParsedMail) -> list[Signal]:
    """Signals a mail administrator reads off the message itself: programs among the attachments (disguised ones
    weigh most), replies diverted to another domain than the sender's (a list's own Reply-To excepted) and failed
    sender authentication."""
    signals = authentication_signals(mail)
    for name in mail.attachments:
        if risk := analysis.attachment_risk(name):
            signals.append(Signal(risk, 4.0 if "disguised" in risk else 3.0))
    sender, reply_to = analysis.address_domain(mail.sender), analysis.address_domain(mail.reply_to)
    list_host = LIST_HOST.search(mail.list_id)
    list_domains = {
        analysis.address_domain(mail.list_post),
        analysis.registered_domain(list_host[1]) if list_host else "",
    }
    if sender and reply_to and reply_to != sender and reply_to not in list_domains:
        signals.append(Signal(f"Reply-To sends answers to {reply_to}, another domain than the sender's {sender}", 1.5))
    return signals


def authentication_signals(mail: ParsedMail) -> list[Signal]:
    """Failures in the topmost Authentication-Results (RFC 8601), the one the receiving server added.

    Only failures count: anyone can write "dmarc=pass" into a message they send, nobody writes a failure against
    themselves. A DMARC failure means the From domain is forged; SPF and DKIM failures alone also happen to
    forwarded and list mail, so they weigh less.
    """
    if not mail.authentication_results:
        return []
    failed = {
        method.lower()
        for method, result in AUTH_RESULT.findall(mail.authentication_results[0])
        if result.lower() == "fail"
    }
    return [
        Signal(f"sender authentication: {method}=fail", AUTH_FAILURE_WEIGHTS[method])
        for method in ("dmarc", "dkim", "spf")
        if method in failed
    ]


def email_signals(
    link_report: analysis.LinkReport, sender_report: analysis.SenderReport, mail: ParsedMail
) -> list[Signal]:
    """Every rule that fires on an email: its links, its sender, the message's build and its wording (subject and
    every readable part of the body)."""
    wording = "\n".join((mail.subject, *mail.views))
    return [
        *link_signals(link_report),
        *sender_signals(sender_report),
        *message_signals(mail),
        *wording_signals(wording),
    ]


def verdict(
    signals: list[Signal], classifier: SpamScore, *, link_count: int, sender_domain: str, source: str = OFFLINE
) -> SpamVerdict:
    """Decide from the classifier's result and the rule signals; the reason names `source` and the strongest evidence."""
    score, threshold = float(classifier["spam_score"]), float(classifier["threshold"])
    rules = sum(s.weight for s in signals)
    rule_names = [s.description for s in sorted(signals, key=lambda s: s.weight, reverse=True)]
    assessment = f"the trained classifier scores it {score:.2f} (spam from {threshold:.2f}), rule score {rules:g}"
    classifier_says_spam = classifier.get("verdict") == "spam"
    if classifier_says_spam or (score >= UNSURE_FROM and rules >= RULES_THRESHOLD):
        found = [_evidence(item) for item in classifier.get("spam_evidence", [])] + rule_names
        decided_by = (
            "classifier" if classifier_says_spam else f"rules ({rules:g} >= {RULES_THRESHOLD:g}, classifier unsure)"
        )
        reason = f"Spam ({source}, decided by the {decided_by}): {assessment}. Evidence: " + "; ".join(found) + "."
        confidence = max(score, min(0.95, 0.6 + rules / 25))
        return SpamVerdict(is_spam=True, confidence=round(min(confidence, 0.99), 2), reason=reason, signals=found)
    for_ham = [_evidence(item) for item in classifier.get("ham_evidence", [])[:3]]
    checked = f"{link_count} link(s)" + (f" and sender domain {sender_domain}" if sender_domain else "")
    reason = (
        f"Legitimate ({source}): {assessment}; checked {checked}. "
        + (f"Evidence for legitimate mail: {'; '.join(for_ham)}. " if for_ham else "")
        + (f"Weak signals only: {'; '.join(rule_names)}." if rule_names else "No rule signals found.")
    )
    return SpamVerdict(
        is_spam=False, confidence=round(min(0.99, max(0.5, 1 - score)), 2), reason=reason, signals=rule_names
    )


def _evidence(item: Evidence) -> str:
    return f"{item['evidence']} (in {item['seen_in']})"
