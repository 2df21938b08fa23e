"""The decision route: accept a reviewer's decision only when it will count, and say whether it did.

A decision is refused (409, saying why) unless the content flow is in a review round that
waits for one: not while the draft is written, the reviewer is being mailed or a revision is
on its way, and not once the round's last deadline has passed. An accepted decision is
raised as ApprovalDecision with the round it decides and an id of its own; the route then
watches the custom status until the flow lists that id among its decisions (202, "applied"),
decides the round with another decision (409, already decided) or ends without it (409, too
late). A flow slower than the confirmation window gets 202 with "applied": false, never a
promise the flow did not keep.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from api.http import BadRequest, Refused, error_response, instance_id_param, json_response, parse_body
from orchestrations.content_approval import content_approval_workflow
from orchestrations.inputs import APPROVAL_EVENT, ApprovalDecision
from orchestrations.review import DECIDING, ESCALATED, ESCALATION_CONTACT, REVIEWER

logger = logging.getLogger(__name__)

CONTENT_FLOW = content_approval_workflow.__name__
RUNNING = (df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending)
CONFIRMATION_SECONDS = 10.0
POLL_SECONDS = 0.1
NOT_YET = {
    None: "still drafting",
    "drafting": "still drafting",
    "notifying_reviewer": "the reviewer is being notified of the draft",
    "revising": "the draft is being revised after the last decision",
}


async def deliver_decision(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """POST /api/content/{id}/decision: 202 applied (or not yet), 400 bad body or id, 404 unknown, 409 won't count."""
    try:
        return json_response(await decide(client, instance_id_param(req), parse_body(req, ApprovalDecision)), 202)
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    except Refused as refused:
        return refused.response()


async def decide(client: df.DurableOrchestrationClient, instance_id: str, decision: ApprovalDecision) -> dict[str, Any]:
    """Raise ApprovalDecision on a content workflow that waits for one, and say whether it was applied.

    Refused: 404 for an unknown instance, 409 when the decision would not count or was overtaken.
    """
    status = await client.get_status(instance_id)
    if not status:
        raise Refused(f"No orchestration instance {instance_id!r}", 404)
    if status.name != CONTENT_FLOW:
        raise Refused(f"Instance {instance_id!r} is a {status.name}, not a {CONTENT_FLOW}", 409)
    review = _review(status)
    where = {"round": review["round"]} if "round" in review else {}
    if reason := refusal(status, review, datetime.now(timezone.utc)):
        raise Refused(f"Instance {instance_id!r} takes no decision now: {reason}", 409, **where)

    decision_id, round_number = uuid.uuid4().hex, review.get("round")
    # Who decides follows from when: the escalation contact once the review is escalated, else the reviewer.
    decided_by = ESCALATION_CONTACT if review.get("stage") == ESCALATED else REVIEWER
    event = {**decision.model_dump(), "round": round_number, "decision_id": decision_id, "decided_by": decided_by}
    try:
        await client.raise_event(instance_id, APPROVAL_EVENT, event)
    except Exception as error:  # the SDK reports the extension's 404/410 as a bare Exception
        if "is gone" in str(error):
            raise Refused(f"Instance {instance_id!r} ended before the decision arrived: too late", 409, **where) from None
        raise
    logger.info("Raised %s %s on %s round %s: approved=%s", APPROVAL_EVENT, decision_id, instance_id, round_number,
                decision.approved)  # fmt: skip
    outcome, detail = await _confirmation(client, instance_id, decision_id, round_number)
    if outcome == "superseded":
        raise Refused(f"Instance {instance_id!r}: round {round_number} was already decided by another decision", 409, **where)
    if outcome == "ended":
        ended = detail.get("stage", "ended")
        raise Refused(f"Instance {instance_id!r} ended ({ended}) before the decision arrived: too late", 409, **where)
    answer = {"id": instance_id, "event": APPROVAL_EVENT, "decision_id": decision_id, "round": round_number,
              **decision.model_dump(), "applied": outcome == "applied"}  # fmt: skip
    if outcome == "applied":
        return {**answer, "decided_by": detail["decided_by"]}
    return {**answer, "message": f"Delivered; the workflow has not applied it within {CONFIRMATION_SECONDS:g} s. "
                                 "Follow its status."}  # fmt: skip


def refusal(status: Any, review: dict[str, Any], now: datetime) -> str | None:
    """Why a decision sent now would not count, or None when it will be applied to the current round."""
    if status.runtime_status not in RUNNING:
        state = status.runtime_status.value if status.runtime_status else "unknown"
        return f"it is {state}: the review has ended ({review.get('stage', 'no stage')})"
    stage = review.get("stage")
    if stage not in DECIDING:
        return NOT_YET.get(stage, f"already decided ({stage})")
    if stage == ESCALATED and _passed(review.get("deadline"), now):
        return f"too late: the escalation deadline {review['deadline']} has passed"
    return None


async def _confirmation(
    client: df.DurableOrchestrationClient, instance_id: str, decision_id: str, round_number: Any
) -> tuple[str, dict[str, Any]]:
    """Watch the flow until it applies the decision ("applied"), decides the round with another one
    ("superseded") or ends without it ("ended"); "pending" when the confirmation window closes first."""
    give_up = time.monotonic() + CONFIRMATION_SECONDS
    while True:
        status = await client.get_status(instance_id)
        review = _review(status)
        for decided in review.get("decisions", []):
            if decided.get("decision_id") == decision_id:
                return "applied", decided
            if decided.get("round") == round_number:
                return "superseded", decided
        if status and status.runtime_status not in RUNNING:
            return "ended", review
        if time.monotonic() >= give_up:
            return "pending", review
        await asyncio.sleep(POLL_SECONDS)


def _review(status: Any) -> dict[str, Any]:
    """The content flow's custom status (stage, round, deadline, decisions), or nothing yet."""
    return status.custom_status if status and isinstance(status.custom_status, dict) else {}


def _passed(deadline: Any, now: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(deadline).replace("Z", "+00:00")) <= now
    except ValueError:
        return False
