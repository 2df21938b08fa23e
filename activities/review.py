"""The review mails of the content flow: a draft to decide on, an escalation, and how the review ended.

Plain text meant to be read, copied and clicked as it is: a link to a review page where there is
one (the local host's dashboard), the decision route with a ready curl command, the round, the
deadline and the draft. Each mail goes to one address, at most once per step (`steps._mail_once`).
"""

from __future__ import annotations

from typing import Any

from activities.steps import load_draft, mail_once, shorten
from activities.storage import open_store
from settings import load_mail_settings, load_storage_settings, public_api_root, review_page_url

RULE = "-" * 72
QUOTED = 300
"""Text from callers and models (topic, title, feedback) is quoted on one line, at most this long, above the
rule: line breaks in it must not pass for links or commands of the app's own."""


def quoted(text: str) -> str:
    return shorten(text, QUOTED)


def notify_reviewer(request: dict) -> dict:
    """Mail the reviewer this round's draft and how to approve or reject it before the deadline."""
    settings = load_mail_settings()
    draft = load_draft(open_store(load_storage_settings()), request["draft"])
    earlier = request.get("previous_feedback")
    lines = [
        f"Round {request['round']} of {request['max_rounds']}: the draft \"{quoted(draft['title'])}\" on "
        f"\"{quoted(request['topic'])}\" waits for your review until {request['deadline']}.",
        *([f"It was revised after the feedback on round {request['round'] - 1}: \"{quoted(earlier)}\"", ""] if earlier else [""]),
        *how_to_decide(request["instance_id"]),
        _what_a_rejection_does(request["round"], request["max_rounds"]),
        f"Without a decision by {request['deadline']} it goes to {settings.escalation}.",
        "",
        *_draft_section(request["draft"], draft),
    ]
    return mail_once(
        request, settings, "reviewer_notified", to=request.get("reviewer") or settings.reviewer,
        subject=f"Review requested (round {request['round']} of {request['max_rounds']}): {draft['title']}",
        body="\n".join(lines), decision_url=decision_url(request["instance_id"]),
    )


def escalate_for_review(request: dict) -> dict:
    """Tell the escalation contact that the reviewer let the deadline pass, and let them decide instead."""
    settings = load_mail_settings()
    draft = load_draft(open_store(load_storage_settings()), request["draft"])
    lines = [
        f"{quoted(request['reviewer'])} did not decide on round {request['round']} of {request['max_rounds']} of the "
        f"draft \"{quoted(draft['title'])}\" (topic: {quoted(request['topic'])}) by {request['missed_deadline']}.",
        f"Please decide instead, until {request['deadline']}; after that the review expires and nothing is published.",
        "",
        *how_to_decide(request["instance_id"]),
        *_draft_section(request["draft"], draft),
    ]
    return mail_once(
        request, settings, "escalated", to=settings.escalation,
        subject=f"Escalation: review overdue for {draft['title']}", body="\n".join(lines),
        decision_url=decision_url(request["instance_id"]),
    )


def notify_outcome(request: dict) -> dict:
    """Tell one of the people involved how the review ended: published, rejected or expired."""
    settings = load_mail_settings()
    to = request.get("to") or settings.reviewer
    title, rounds = request["draft"]["title"], request["rounds"]
    explanation = {
        "published": f"was approved and published: {request.get('location')}",
        "rejected": f"was rejected in round {rounds}, the last review round, and is not published",
        "expired": "expired: nobody decided before the escalation deadline, so nothing is published",
    }[request["outcome"]]
    body = "\n".join([
        f"The draft \"{quoted(title)}\" (topic: {quoted(request['topic'])}) {explanation}.",
        f"Review rounds: {rounds}. The whole record: {public_api_root()}/orchestrations/{request['instance_id']}",
    ])
    return mail_once(request, settings, "outcome_sent", to=to, subject=f"Review {request['outcome']}: {title}", body=body)


def _what_a_rejection_does(round_number: int, max_rounds: int) -> str:
    if round_number >= max_rounds:
        return "This is the last round: a rejection ends the review and nothing is published."
    return (
        'To reject, send "approved": false with your feedback: the author revises the draft and it comes back '
        f"for round {round_number + 1} of {max_rounds}."
    )


def decision_url(instance_id: str) -> str:
    return f"{public_api_root()}/content/{instance_id}/decision"


def how_to_decide(instance_id: str) -> list[str]:
    """Where and how to send the decision: the review page if there is one, and the command that always works."""
    page = review_page_url(instance_id)
    return [
        *([f"Read the draft and decide on this page: {page}", ""] if page else []),
        "Decide from a terminal (in Azure, add ?code=<function key> to the URL):",
        f"  curl -X POST '{decision_url(instance_id)}' \\",
        "    -H 'Content-Type: application/json' \\",
        "    -d '{\"approved\": true, \"feedback\": \"Looks good\"}'",
        "",
    ]


def _draft_section(reference: dict[str, Any], draft: dict[str, Any]) -> list[str]:
    return [
        f"{draft['word_count']} words, {draft['reading_time_minutes']} min read; also at {reference['url']}",
        RULE,
        draft["body"],
    ]
