"""The app's own checks on an email, made before and independently of any model.

They run as an activity at the start of the spam flow: their result is recorded in the history,
handed to SpamDetectionAgent with the email (so a model that skips its tools still sees the
evidence), and checked against its verdict (so no model can get mail they flag an automatic
reply). The decision is the offline model's: the trained classifier, with the link, sender and
wording rules deciding only where the classifier is unsure.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from agents import analysis
from agents.mail_parsing import read_text
from agents.offline import spam_rules
from agents.spam_classifier import score_spam

MAX_LINKS_SHOWN = 20
SOURCE = "the app's checks: trained classifier plus rules"


class Screening(BaseModel):
    """The checks' verdict on one email and their evidence, shown to SpamDetectionAgent as JSON, as written here."""

    flags_spam: bool
    reason: str
    unreadable: str | None = None
    """Why the message was not read as mail; only a message beyond the limits of real mail has this field."""
    classifier: dict[str, Any] | None
    rule_signals: list[str]
    """The rules' findings, strongest first."""
    links: list[dict[str, Any]]
    sender: dict[str, Any] | None

    @model_serializer(mode="wrap")
    def _unreadable_only_when_it_is(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)  # pydantic types the handler's result Any; a model dumps to a dict
        if self.unreadable is None:
            data.pop("unreadable", None)
        return data


def unreadable(problem: str) -> Screening:
    """The checks' answer on a message beyond the limits of real mail (see `mail_parsing.structure_problem`):
    flagged without reading further, since no mail program shows such a message as its sender meant it."""
    reason = f"Spam ({SOURCE}): not read as mail, {problem}; real mail never is."
    return Screening(
        flags_spam=True,
        reason=reason,
        unreadable=problem,
        classifier=None,
        rule_signals=[problem],
        links=[],
        sender=None,
    )


def screen(email_text: str) -> Screening:
    """The checks on one email, as the agents are shown it: whether they flag it, why, and their evidence."""
    mail = read_text(email_text)
    links = analysis.inspect_links(email_text)
    sender = analysis.check_sender(mail.sender, email_text)
    classifier = score_spam(email_text)
    signals = spam_rules.email_signals(links, sender, mail)
    decision = spam_rules.verdict(
        signals,
        classifier,
        link_count=links["link_count"],
        sender_domain=sender["domain"],
        source=SOURCE,
    )
    return Screening(
        flags_spam=decision.is_spam,
        reason=decision.reason,
        classifier={key: classifier[key] for key in ("verdict", "spam_score", "threshold", "summary")},
        rule_signals=[signal.description for signal in sorted(signals, key=lambda s: -s.weight)],
        links=[{"url": link["url"], "flags": link["flags"]} for link in links["links"][:MAX_LINKS_SHOWN]],
        sender={
            **{key: sender[key] for key in ("sender", "domain", "free_mail", "flags")},
            "authentication_results": list(mail.authentication_results[:1]),  # the receiving server's, if any
        },
    )
