"""The review mails of the content flow (a draft to decide on, an escalation with the reviewer's notice of it, how
the review ended), and the check that a decision event was signed by the decision route or a review link.

Plain text meant to be read on a phone and clicked as it is: first the signed link to the app's review page,
which decides this round once, as the person it was mailed to, until the deadline; then the deadline in UTC
and how long is left, the feedback earlier rounds gave; the decision route's curl command comes last among the
instructions, as the alternative for automation (it takes the app's function key, which no mail carries);
the draft follows the rule. Each mail goes to one address, at most once per step (`side_effects.mail_once`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from activities.contracts import (
    EscalateForReview,
    MailSent,
    NotifyOutcome,
    NotifyReviewer,
    ReviewMail,
    StepCall,
    Verification,
    VerifyDecision,
)
from activities.failures import SideEffectError
from activities.ledger import follow_up
from activities.side_effects import load_draft, mail_once, shorten
from activities.storage import open_store
from reviewing.protocol import Role, Stage, utc
from reviewing.signing import ReviewLink, sign_link, verify_event
from settings import app_settings, single_mailbox

logger = logging.getLogger(__name__)

RULE = "-" * 72
QUOTED = 300
"""Text from callers and models (topic, title, feedback) is quoted on one line, at most this long, above the
rule: line breaks in it must not pass for links or commands of the app's own."""


def quoted(text: str) -> str:
    return shorten(text, QUOTED)


def _draft_named(title: str, topic: str) -> str:
    """The draft by its title, and its topic when the title does not already say it."""
    named = f'the draft "{quoted(title)}"'
    return named if title.strip().casefold() == topic.strip().casefold() else f'{named} on "{quoted(topic)}"'


def notify_reviewer(mail: NotifyReviewer, call: StepCall) -> MailSent:
    """Mail the reviewer this round's draft, with their link to decide on it before the deadline."""
    settings = app_settings().mail
    to = mail.to or settings.reviewer
    draft = load_draft(open_store(app_settings().storage), mail.draft)
    lines = [
        f"Round {mail.round} of {mail.max_rounds}: {_draft_named(draft['title'], mail.topic)} waits for your review.",
        "",
        *_link_section(mail, call, Role.REVIEWER, to),
        f"Without a decision by then it goes to {settings.escalation}.",
        *_feedback_section(mail.feedback),
        _what_a_rejection_does(mail.round, mail.max_rounds),
        "",
        *_automation_section(mail, call),
        *_draft_section(draft),
    ]
    return mail_once(
        call,
        settings,
        "reviewer_notified",
        notice=True,
        to=to,
        subject=f"Review requested (round {mail.round} of {mail.max_rounds}): {draft['title']}",
        body="\n".join(lines),
        review_url=review_url(mail, call, Role.REVIEWER, to),
        decision_url=decision_url(call.instance_id),
    )


def escalate_for_review(mail: EscalateForReview, call: StepCall) -> MailSent:
    """Hand the round to the escalation contact: mail them the draft with their link to decide instead, then tell the
    reviewer that their deadline passed and who decides now (`reviewer_notice` in the result).

    The reviewer's notice belongs to this step rather than a step of its own, so the flow's recorded actions stay
    what they were and flows already running replay unchanged. It has its own ledger record and Message-ID
    (`ledger.follow_up`): a repeat of the step sends neither mail twice. Only the contact's mail decides anything:
    a notice that cannot be delivered is reported, and never holds up or fails the escalation.
    """
    settings = app_settings().mail
    to = settings.escalation
    draft = load_draft(open_store(app_settings().storage), mail.draft)
    lines = [
        (
            f"{quoted(mail.reviewer or 'The reviewer')} did not decide on round {mail.round} of {mail.max_rounds} of "
            f'the draft "{quoted(draft["title"])}" (topic: {quoted(mail.topic)}) by {utc_text(mail.missed_deadline)}.'
        ),
        "Please decide instead; after your deadline the review expires and nothing is published.",
        "",
        *_link_section(mail, call, Role.ESCALATION_CONTACT, to),
        *_feedback_section(mail.feedback),
        *_automation_section(mail, call),
        *_draft_section(draft),
    ]
    escalated = mail_once(
        call,
        settings,
        "escalated",
        notice=True,
        to=to,
        subject=f"Escalation: review overdue for {draft['title']}",
        body="\n".join(lines),
        review_url=review_url(mail, call, Role.ESCALATION_CONTACT, to),
        decision_url=decision_url(call.instance_id),
    )
    if not mail.reviewer:
        return escalated
    try:
        told = _tell_reviewer(mail, follow_up(call, "reviewer"), mail.reviewer, draft["title"], escalated.to)
        notice: dict[str, Any] = {"sent": True, "to": told.to}
    except SideEffectError as failed:
        logger.warning("Escalated %s round %s; the reviewer's notice failed: %s", call.instance_id, mail.round, failed)
        notice = {"sent": False, "to": mail.reviewer, "error": str(failed)}
    return MailSent.model_validate({**escalated.model_dump(), "reviewer_notice": notice})


def _tell_reviewer(mail: EscalateForReview, call: StepCall, reviewer: str, title: str, contact: str) -> MailSent:
    """The reviewer's notice: their deadline passed, the escalation contact decides until theirs, their link (the same
    one as in the review mail) now only shows how the review stands, and mail follows when anything happens."""
    expired_link = review_url(mail.model_copy(update={"deadline": mail.missed_deadline}), call, Role.REVIEWER, reviewer)
    lines = [
        (
            f'Your deadline for round {mail.round} of {mail.max_rounds} of the draft "{quoted(title)}" '
            f"(topic: {quoted(mail.topic)}) passed at {utc_text(mail.missed_deadline)}."
        ),
        f"The review went to the escalation contact, {contact}, who can decide until {utc_text(mail.deadline)}.",
        "",
        "Your link no longer decides; it still shows how the review stands:",
        f"  {expired_link}",
        "",
        "You will get a mail with what follows: the next round's draft, or how the review ended.",
    ]
    return mail_once(
        call,
        app_settings().mail,
        "reviewer_told_of_escalation",
        notice=True,
        to=reviewer,
        subject=f"Review escalated: {title}",
        body="\n".join(lines),
    )


def notify_outcome(mail: NotifyOutcome, call: StepCall) -> MailSent:
    """Tell one of the people involved how the review ended: published, rejected or expired."""
    settings = app_settings().mail
    explanation = {
        Stage.PUBLISHED: f"was approved and published: {mail.location}",
        Stage.REJECTED: f"was rejected in round {mail.rounds}, the last review round, and is not published",
        Stage.EXPIRED: "expired: nobody decided before the escalation deadline, so nothing is published",
    }[mail.outcome]
    body = "\n".join(
        [
            f'The draft "{quoted(mail.draft.title)}" (topic: {quoted(mail.topic)}) {explanation}.',
            f"Review rounds: {mail.rounds}. Instance id, for the app's status route: {call.instance_id}",
        ]
    )
    return mail_once(
        call,
        settings,
        "outcome_sent",
        notice=True,
        to=mail.to or settings.reviewer,
        subject=f"Review {mail.outcome}: {mail.draft.title}",
        body=body,
    )


def verify_decision(check: VerifyDecision, call: StepCall) -> Verification:
    """Whether a decision event was signed by the decision route or a review link, for this instance."""
    return Verification(verified=verify_event(call.instance_id, check.event))


def review_url(mail: ReviewMail, call: StepCall, role: Role, to: str) -> str:
    """The review page, with the signed link that lets `to` decide this round as `role` until the deadline."""
    link = ReviewLink(
        instance_id=call.instance_id,
        round=mail.round,
        role=role,
        address=single_mailbox(to).addr_spec.lower(),
        deadline=utc(mail.deadline),
    )
    return f"{app_settings().api_root}/review/{quote(call.instance_id, safe='')}?t={sign_link(link)}"


def decision_url(instance_id: str) -> str:
    return f"{app_settings().api_root}/content/{quote(instance_id, safe='')}/decision"


def utc_text(moment: datetime) -> str:
    """A moment as the review's mails and page show it to a person: "2026-05-04 09:30 UTC"."""
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def time_left(deadline: datetime, now: datetime) -> str:
    """How long until `deadline`, as a person reads it: "in 24 hours", "in 40 minutes"."""
    minutes = max(0, round((utc(deadline) - utc(now)).total_seconds() / 60))
    if minutes < 90:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    return f"in {hours} hours"


def _link_section(mail: ReviewMail, call: StepCall, role: Role, to: str) -> list[str]:
    return [
        "Read the draft and approve or reject it on this page (the link is yours: it decides this round once):",
        f"  {review_url(mail, call, role, to)}",
        "",
        f"Deadline: {utc_text(mail.deadline)} ({time_left(mail.deadline, datetime.now(UTC))}).",
    ]


def _feedback_section(feedback: list[str]) -> list[str]:
    """Every earlier round's feedback, the one this draft answers last."""
    if not feedback:
        return [""]
    last = len(feedback)
    return [
        "",
        (
            f'This draft was revised after the feedback on round {last}: "{quoted(feedback[-1])}"'
            if feedback[-1].strip()
            else f"This draft was revised after round {last}, which was rejected without feedback."
        ),
        *[f'Feedback on round {number}: "{quoted(text)}"' for number, text in enumerate(feedback[:-1], start=1)],
        "",
    ]


def _what_a_rejection_does(round_number: int, max_rounds: int) -> str:
    if round_number >= max_rounds:
        return "This is the last round: a rejection ends the review and nothing is published."
    return f"A rejection with your feedback has the draft revised; it comes back for round {round_number + 1} of {max_rounds}."


def _automation_section(mail: ReviewMail, call: StepCall) -> list[str]:
    """The decision route, for programs holding the app's function key (never in mail): the header names it."""
    body = f'{{"approved": true, "feedback": "Looks good", "round": {mail.round}}}'
    return [
        "For automation, the decision route (it takes the app's function key, which this mail does not carry):",
        f"  curl -X POST '{decision_url(call.instance_id)}' \\",
        "    -H \"x-functions-key: $FUNCTION_KEY\" -H 'Content-Type: application/json' \\",
        f"    -d '{body}'",
        "",
    ]


def _draft_section(draft: dict[str, Any]) -> list[str]:
    return [
        f"{draft['word_count']} words, {draft['reading_time_minutes']} min read (the link above shows it too)",
        RULE,
        draft["body"],
    ]
