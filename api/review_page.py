"""The review page: a person opens the signed link from their review mail, reads the draft and decides.

Served by the app itself (an anonymous HTTP function: the signed link is the credential), so it works the
same on Azure Functions and on the local host. Plain HTML that needs no script: the topic, the round and how
many remain, the deadline, the feedback the draft answers, what changed since the previous round, the whole
draft and a form posting `decision=approve|reject` and `feedback`. The page shows a form only when a decision
sent now would count; after one it says what became of it, in the decision route's words, and what follows. A link
past its deadline decides nothing, but proves its holder was sent it: it answers 410 with how the review went on
(to the escalation contact, decided, ended), where any other link not valid gets the same 403. Every piece of
caller and model text is escaped; a strict Content-Security-Policy allows the page's own stylesheet and
nothing else: no script, no external asset, no frame, no form target but itself.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from html import escape
from typing import Any
from urllib.parse import parse_qs

import azure.durable_functions as df
import azure.functions as func
from markdown_it import MarkdownIt
from pydantic import ValidationError

from activities.failures import PermanentFailure, SideEffectError
from activities.review_steps import time_left, utc_text
from activities.side_effects import load_draft
from activities.storage import open_store
from api.decisions import RUNNING, Outcome, decide, refusal
from api.draft_diff import diff_html
from api.http import BadRequest, Refused, check_instance_id
from orchestrations.inputs import ApprovalDecision
from reviewing.protocol import (
    ENDED,
    MAX_FEEDBACK,
    MAX_FEEDBACK_BYTES,
    DecisionRecord,
    DraftReference,
    ReviewStatus,
    Role,
    Stage,
    utc,
)
from reviewing.signing import ExpiredLink, InvalidLink, ReviewLink, open_link
from settings import app_settings

logger = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024
SIGNED_IN_USER = "X-MS-CLIENT-PRINCIPAL-NAME"
"""The signed-in user's name, set by App Service Authentication (and stripped from what callers send)."""
STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
main{max-width:46rem;margin:0 auto;padding:1rem}
section{background:#fff;border:1px solid #dde1e7;border-radius:.5rem;padding:1rem;margin:0 0 1rem;overflow-wrap:anywhere}
h1{font-size:1.3rem;margin:.5rem 0}h2{font-size:1.1rem;margin:0 0 .5rem}h3{font-size:1.05rem}
.facts{margin:0;padding:0;list-style:none}.facts li{margin:.2rem 0}
blockquote{margin:.5rem 0;padding:.5rem .8rem;border-left:4px solid #8a94a6;background:#f0f2f5;white-space:pre-wrap}
del{background:#fde2e1;color:#7d1c17}ins{background:#dcf5e3;color:#14532d;text-decoration:none}
textarea{width:100%;box-sizing:border-box;min-height:7rem;font:inherit;padding:.5rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.5rem}
button{font:inherit;padding:.7rem 1.2rem;border-radius:.4rem;border:1px solid #5b6472;background:#fff;flex:1 1 12rem}
button.approve{background:#166534;border-color:#166534;color:#fff}
.outcome{border-width:2px}.outcome.applied{border-color:#166534}.outcome.refused{border-color:#b45309}
.muted,.same{color:#5b6472}
""".strip()
CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",  # the link's token never leaves in a Referer; with no-referrer, browsers
    # send the form's own POST as `Origin: null`, which hosts that check origins refuse
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
DECIDED_BY = {
    Role.REVIEWER: "the reviewer",
    Role.ESCALATION_CONTACT: "the escalation contact",
    Role.AUTOMATION: "a program, through the decision route",
}
ENDED_AS = {
    Stage.PUBLISHED: "ended: the article is published",
    Stage.REJECTED: "ended: the last round was rejected and nothing is published",
    Stage.EXPIRED: "expired: nobody decided before the escalation deadline, so nothing is published",
}
NOT_VALID = (
    "This review link is not valid",
    (
        "It may have expired, been copied incompletely, or be meant for another review. "
        "The latest review mail has a link that works until its deadline."
    ),
)


@dataclass(frozen=True)
class Said:
    """What the page says about a decision: sent now or before, or why none can be taken now (or with this link)."""

    title: str
    text: str
    applied: bool
    quote: str | None = None
    """The feedback of the decision the text tells of, when there is one to show."""


async def review_page(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """GET shows the review a signed link opens; POST decides it (once). 403 for a link the app did not issue for
    this review; 410 for one of its own whose deadline has passed, saying how the review stands."""
    found = _link(req)
    if found is None:
        return _page(*NOT_VALID, status_code=403)
    link, expired = found
    if _signed_in_user_differs(req, link):
        return _page(
            "Signed in as someone else",
            "This link was mailed to another person: sign in as them to use it.",
            status_code=403,
        )
    status = await client.get_status(link.instance_id)
    review = ReviewStatus.read(status.custom_status if status else None)
    if status and not _issued_in_this_run(review, link, expired):
        logger.warning("Refused a review link of %s round %s: issued in another run", link.instance_id, link.round)
        return _page(*NOT_VALID, status_code=403)
    said, status_code = None, 200
    if req.method == "POST" and not expired:
        try:
            decision = _form_decision(req, link)
        except BadRequest as error:
            return _page("The decision could not be read", f"{error}: {error.details[0]['message']}.", status_code=400)
        said, status_code = await _submit(client, link, review, decision)
        status = await client.get_status(link.instance_id)  # what the decision changed
        review = ReviewStatus.read(status.custom_status if status else None)
    if not status:
        return _page("This review no longer exists", "Its record has been deleted.", status_code=410)
    now = datetime.now(UTC)
    if expired:
        # Gone for good: the link decides nothing any more, whatever it is sent. Its holder was sent it, so the page
        # may say how the review stands (not to whom it went: a role, never another person's address).
        said = _after_deadline(status, review, link, now, posted=req.method == "POST")
        return _page(f"Review round {link.round}", _header(review, link, now, expired) + _outcome(said), 410, raw=True)
    said = said or _standing(status, review, link)
    draft_html = await _draft_sections(review, link) if review and review.round == link.round else ""
    last_round = review is not None and link.round >= review.max_rounds
    body = _header(review, link, now, expired) + _outcome(said) + draft_html + ("" if said else _form(link, last_round))
    return _page(f"Review round {link.round}", body, status_code=status_code, raw=True)


def _link(req: func.HttpRequest) -> tuple[ReviewLink, bool] | None:
    """The grant of the link presented and whether its deadline has passed; None for any link the app did not issue
    for this review (the reason goes to the log only)."""
    token = req.params.get("t", "")
    try:
        instance_id = check_instance_id(req.route_params.get("instance_id", ""))
        return open_link(token, instance_id, datetime.now(UTC)), False
    except ExpiredLink as expired:
        logger.info("A review link of %s round %s: %s", expired.link.instance_id, expired.link.round, expired)
        return expired.link, True
    except (InvalidLink, BadRequest) as refused:
        logger.warning("Refused a review link: %s", refused)
        return None


def _issued_in_this_run(review: ReviewStatus | None, link: ReviewLink, expired: bool) -> bool:
    """Whether the link belongs to the run the instance id names now: an id can be reused by a later run (a restart,
    or a start after the first run ended), and a link of the earlier run must not decide, or even show, the later.

    The run's status names the reviewer and the escalation contact once their mail is out, and from the moment it
    mails them the deadline of the round it waits on: a link must name the same person and, while it may still
    decide, the same deadline. A link past its deadline only shows its holder how the review stands.
    """
    if review is None:
        return True  # nothing mailed yet, so nothing to show or decide (see `api.decisions.refusal`)
    holder = review.reviewer if link.role == Role.REVIEWER else review.escalation_contact
    if holder is None and not (review.round == link.round and review.stage == MAILING[link.role]):
        return False  # this run has not mailed anyone in that role a link yet
    if holder is not None and parseaddr(holder)[1].lower() != link.address.lower():
        return False
    waited = _deadline_waited(review, link.role) if review.round == link.round and not expired else None
    return waited is None or abs((utc(waited) - utc(link.deadline)).total_seconds()) <= 1


MAILING = {Role.REVIEWER: Stage.NOTIFYING_REVIEWER, Role.ESCALATION_CONTACT: Stage.ESCALATING}
"""The stage in which the flow mails a role its link, before the status names the person."""


def _deadline_waited(review: ReviewStatus, role: Role) -> datetime | None:
    """The deadline the status shows for `role` in the round it waits on, if it shows one."""
    if role == Role.REVIEWER:
        if review.stage in (Stage.NOTIFYING_REVIEWER, Stage.AWAITING_APPROVAL):
            return review.deadline
        return review.missed_deadline if review.stage in (Stage.ESCALATING, Stage.ESCALATED) else None
    return review.deadline if review.stage in (Stage.ESCALATING, Stage.ESCALATED) else None


def _signed_in_user_differs(req: func.HttpRequest, link: ReviewLink) -> bool:
    """With App Service Authentication on, the signed-in user must be the person the link was mailed to."""
    if not app_settings().app_service_auth:
        return False
    headers: Mapping[str, str] = req.headers  # func.HttpRequest leaves its properties unannotated
    return headers.get(SIGNED_IN_USER, "").strip().lower() != link.address


def _form_decision(req: func.HttpRequest, link: ReviewLink) -> ApprovalDecision:
    body = req.get_body() or b""
    if len(body) > MAX_FORM_BYTES:
        raise BadRequest("Form too large", [{"field": "body", "message": f"must be at most {MAX_FORM_BYTES} bytes"}])
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Form not readable", [{"field": "body", "message": "must be a URL-encoded form"}]) from None
    choices = form.get("decision", [""])
    choice = choices[0] if len(choices) == 1 else ""  # a form that says both decides nothing
    if choice not in ("approve", "reject"):
        raise BadRequest("Invalid decision", [{"field": "decision", "message": "must be approve or reject"}])
    try:
        return ApprovalDecision(approved=choice == "approve", feedback=form.get("feedback", [""])[0], round=link.round)
    except ValidationError as error:
        raise BadRequest("Invalid feedback", [{"field": "feedback", "message": error.errors()[0]["msg"]}]) from None


async def _submit(
    client: df.DurableOrchestrationClient, link: ReviewLink, review: ReviewStatus | None, decision: ApprovalDecision
) -> tuple[Said | None, int]:
    """Decide the link's round as the link's person, once: the decision id is the link's, so two submissions that
    cross land once, and a link already used is refused. None once the decision is applied."""
    used = review and review.decision_of(link.round)
    if used and used.decision_id == link.decision_id:
        verdict = "approved" if used.approved else "rejected"
        return Said(
            "Already decided", f"You {verdict} round {link.round} with this link; a link decides once.", False
        ), 409
    try:
        answer = await decide(client, link.instance_id, decision, decided_by=link.decider, decision_id=link.decision_id)
    except Refused as refused:
        return _refused(refused.details.get("outcome"), str(refused).split(": ", 1)[-1]), refused.status_code
    if answer["outcome"] == Outcome.PENDING:
        verdict = "approved" if answer["approved"] else "rejected"
        return Said(
            "Decision sent",
            f"You {verdict} round {link.round}; the review has not confirmed it yet. "
            "Open this link again in a minute to see it applied.",
            True,
        ), 202
    return None, 200  # applied: the status read next lists it, and says what follows (`_standing`)


def _refused(outcome: Any, reason: str) -> Said:
    title = {
        Outcome.NOT_YET_OPEN: "Not open for a decision yet",
        Outcome.ALREADY_DECIDED: "Already decided",
        Outcome.TOO_LATE: "Too late",
        Outcome.SUSPENDED: "Paused",
    }.get(outcome, "No decision possible now")
    return Said(title, reason[:1].upper() + reason[1:] + ".", False)


def _standing(status: Any, review: ReviewStatus | None, link: ReviewLink) -> Said | None:
    """What the page says instead of a form, or None when a decision sent now would count."""
    decided = review.decision_of(link.round) if review else None
    if review and decided:
        mine = decided.decision_id == link.decision_id
        return Said("Decision applied" if mine else "Already decided", _decision_story(review, decided, link), mine)
    found = refusal(status, review, link.round, datetime.now(UTC))
    return _refused(*found) if found else None


def _after_deadline(status: Any, review: ReviewStatus | None, link: ReviewLink, now: datetime, posted: bool) -> Said:
    """How the review stands for the holder of a link whose deadline has passed: what became of its round."""
    title = "No decision taken: this link's deadline has passed" if posted else "This link's deadline has passed"
    decided = review.decision_of(link.round) if review else None
    if review and decided:
        story = _decision_story(review, decided, link)
    else:
        story = f"Your deadline passed on {utc_text(link.deadline)}. {_without_decision(status, review, link, now)}"
    quote = review.last_feedback if review and decided and review.decisions[-1] == decided else None
    return Said(title, f"{story} This link no longer decides anything.", False, quote)


def _decision_story(review: ReviewStatus, decided: DecisionRecord, link: ReviewLink) -> str:
    """Who decided the link's round (a role: the page names no one but the link's own person), and what followed."""
    verdict = "approved" if decided.approved else "rejected"
    if decided.decision_id == link.decision_id:
        said = f"You {verdict} round {link.round}."
    else:
        said = f"Round {link.round} was {verdict} by {DECIDED_BY[decided.decided_by.role]}."
    if decided.approved:
        return f"{said} {'The article is published.' if review.stage == Stage.PUBLISHED else 'It is being published.'}"
    if link.round >= review.max_rounds:
        return f"{said} That was the last round: the review has ended and nothing is published."
    if review.stage in ENDED:
        return f"{said} The revised draft went on to round {review.round}; the review {ENDED_AS[review.stage]}."
    if review.stage == Stage.REVISING or review.round == link.round:
        return f"{said} The draft is being revised; round {link.round + 1} goes to the reviewer with a new link."
    return f"{said} The revised draft is in round {review.round}; its review mail has a new link."


def _without_decision(status: Any, review: ReviewStatus | None, link: ReviewLink, now: datetime) -> str:
    """What became of a round nobody decided, for the holder of its expired link."""
    if review and review.stage in ENDED:
        return f"The review {ENDED_AS[review.stage]}."
    if status.runtime_status not in (*RUNNING, df.OrchestrationRuntimeStatus.Suspended):
        state = status.runtime_status.value if status.runtime_status else "unknown"
        return f"The review has ended ({state})."
    if link.role == Role.REVIEWER and review and review.round == link.round:
        if review.stage == Stage.ESCALATED and review.deadline:
            if utc(review.deadline) > now:
                return f"The review went to the escalation contact, who can decide until {utc_text(review.deadline)}."
            return "The review went to the escalation contact, whose deadline has passed too: it is ending unpublished."
        return "The review is going to the escalation contact."
    return "Nobody decided in time: the review is ending unpublished."


async def _draft_sections(review: ReviewStatus, link: ReviewLink) -> str:
    """The feedback this draft answers, what changed since the previous round, and the whole draft."""
    if review.draft is None:
        return ""
    try:
        body = await asyncio.to_thread(_draft_text, review.draft)
        before = await asyncio.to_thread(_draft_text, review.previous_draft) if review.previous_draft else None
    except (SideEffectError, PermanentFailure) as error:
        logger.warning("Review page of %s: draft unreadable: %s", link.instance_id, error)
        return '<section><p class="muted">The draft cannot be read right now; please try again shortly.</p></section>'
    parts: list[str] = []
    # The status keeps the newest decision's feedback: it is what this draft answers only while this round is open.
    answers_previous = bool(review.decisions) and review.decisions[-1].round == link.round - 1
    if review.last_feedback and answers_previous:
        parts.append(
            f"<section><h2>The feedback this draft answers (round {link.round - 1})</h2>"
            f"<blockquote>{escape(review.last_feedback)}</blockquote></section>"
        )
    if before is not None:
        parts.append(
            f'<section class="changes"><h2>What changed since round {link.round - 1}</h2>'
            f"{diff_html(before, body)}</section>"
        )
    parts.append(f'<section class="draft"><h2>The draft: {escape(review.draft.title)}</h2>{_render(body)}</section>')
    return "".join(parts)


def _draft_text(reference: DraftReference) -> str:
    return str(load_draft(open_store(app_settings().storage), reference)["body"])


def _render(text: str) -> str:
    """The draft's Markdown as HTML (CommonMark, by markdown-it-py): raw HTML in it is escaped, links and images
    stay text (a reviewer's page points nowhere the draft chose), headings sit below the page's own."""
    tokens = _MARKDOWN.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
    return str(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"])


def _header(review: ReviewStatus | None, link: ReviewLink, now: datetime, expired: bool) -> str:
    """The topic and the round; while the round is open also how many may follow, the deadline and the time left."""
    decided = review.decision_of(link.round) if review else None
    ended = review is not None and review.stage in ENDED
    deadline = f"Deadline: {utc_text(link.deadline)} ({'passed' if expired else time_left(link.deadline, now)})"
    if review is None:
        facts = [f"Round {link.round}", deadline]
    elif decided:
        facts = [f"Round {link.round} of {review.max_rounds}: {'approved' if decided.approved else 'rejected'}"]
    elif ended or expired:
        facts = [f"Round {link.round} of {review.max_rounds}", *([deadline] if expired else [])]
    else:
        left = (
            "the last round" if link.round >= review.max_rounds else f"{review.max_rounds - link.round} more may follow"
        )
        facts = [f"Round {link.round} of {review.max_rounds} ({left})", deadline]
    closed = expired or decided is not None or ended
    facts.append(f"{'This link was for the' if closed else 'You decide as'} {link.role}: {link.address}")
    topic = escape(review.topic) if review else "a draft"
    items = "".join(f"<li>{escape(fact)}</li>" for fact in facts)
    return f'<section><h1>Review: {topic}</h1><ul class="facts">{items}</ul></section>'


def _outcome(said: Said | None) -> str:
    if said is None:
        return ""
    kind = "applied" if said.applied else "refused"
    quote = f"<p>The feedback with it:</p><blockquote>{escape(said.quote)}</blockquote>" if said.quote else ""
    return (
        f'<section class="outcome {kind}" role="status"><h2>{escape(said.title)}</h2>'
        f"<p>{escape(said.text)}</p>{quote}</section>"
    )


def _form(link: ReviewLink, last_round: bool) -> str:
    """The decision form; it posts back to this very URL (no action attribute), so the link stays the credential."""
    rejection = "ends the review: this is the last round" if last_round else "sends the draft back to be revised"
    return (
        '<section><h2>Your decision</h2><form method="post">'
        '<label for="feedback">Feedback for the author</label>'
        f'<textarea id="feedback" name="feedback" maxlength="{MAX_FEEDBACK}" '
        'placeholder="What works, what to change…"></textarea>'
        '<div class="actions">'
        '<button class="approve" type="submit" name="decision" value="approve">Approve and publish</button>'
        f'<button type="submit" name="decision" value="reject">Reject round {link.round}</button>'
        f'</div><p class="muted">A rejection {rejection}, with your feedback: up to {MAX_FEEDBACK:,} characters, '
        f"about {MAX_FEEDBACK_BYTES // 6:,} in Chinese, Japanese or Korean.</p>"
        "</form></section>"
    )


def _page(title: str, body: str, status_code: int, raw: bool = False) -> func.HttpResponse:
    content = body if raw else f"<section><h1>{escape(title)}</h1><p>{escape(body)}</p></section>"
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><main>{content}</main></body></html>"
    )
    return func.HttpResponse(html, status_code=status_code, mimetype="text/html", charset="utf-8", headers=HEADERS)
