"""The decision route: accept a decision only when it will count, for the round it names, once; say whether it did.

A decision is refused (409, saying why and with an `outcome`) unless the content flow is in a review round
that waits for one: not while the draft is written, the reviewer is being mailed or a revision is on its way
("not_yet_open"), not for a round already decided ("already_decided") and not once the review has ended or the
round's last deadline has passed ("too_late"). An accepted decision is raised as ApprovalDecision, signed, with
the round it decides, who decided and an id of its own; the route then watches the custom status until the
flow lists that id among its decisions (202, "applied"), decides the round with another decision (409, already
decided) or ends without it (409, too late). A flow slower than the confirmation window gets 202 with
"applied": false, never a promise the flow did not keep.

The same id makes a decision land once: a request retried with the same `Idempotency-Key`, or a review link
submitted twice, carries the id of the first and is answered as the first was.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from api.http import BadRequest, Refused, error_response, instance_id_param, json_response, parse_body
from orchestrations.flow_names import CONTENT_FLOW
from orchestrations.inputs import ApprovalDecision
from reviewing.protocol import (
    APPROVAL_EVENT,
    AUTOMATION,
    DECIDING,
    Decider,
    DecisionEvent,
    DecisionRecord,
    ReviewStatus,
    Stage,
)
from reviewing.signing import sign_event

logger = logging.getLogger(__name__)

RUNNING = (df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending)
CONFIRMATION_SECONDS = 10.0
POLL_SECONDS = 0.1
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 200
KEY_ID_PREFIX = "key2-"
KEY_ID_CHARS = len(KEY_ID_PREFIX) + 24
"""How much of a decision id names its Idempotency-Key (`idempotent_decision_id`)."""
LEGACY_KEY_ID_PREFIX = "key-"
"""Ids of decisions taken before the request joined the id: `key-` and 32 characters naming the key alone."""
NOT_YET = {
    None: "still drafting",
    Stage.DRAFTING: "still drafting",
    Stage.NOTIFYING_REVIEWER: "the reviewer is being notified of the draft",
    Stage.REVISING: "the draft is being revised after the last decision",
}


class Outcome(StrEnum):
    """What became of a decision, in the words the route, the MCP tool and the review page all answer with."""

    APPLIED = "applied"
    PENDING = "pending"
    NOT_YET_OPEN = "not_yet_open"
    ALREADY_DECIDED = "already_decided"
    TOO_LATE = "too_late"
    SUSPENDED = "suspended"
    """An administrator suspended the flow: a decision counts again once it is resumed."""


async def deliver_decision(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """POST /api/content/{id}/decision: 202 applied (or not yet), 400 bad body, id or key, 404 unknown, 409 won't count."""
    try:
        instance_id = instance_id_param(req)
        decision = parse_body(req, ApprovalDecision)
        headers: Mapping[str, str] = req.headers  # func.HttpRequest leaves its properties unannotated
        decision_id = idempotent_decision_id(instance_id, headers.get(IDEMPOTENCY_HEADER), decision)
        return json_response(await decide(client, instance_id, decision, decision_id=decision_id), 202)
    except BadRequest as error:
        return error_response(str(error), 400, error.details)
    except Refused as refused:
        return refused.response()


def idempotent_decision_id(instance_id: str, key: str | None, decision: ApprovalDecision) -> str | None:
    """The decision id an Idempotency-Key and a request stand for on this instance (None without a key).

    The id names the key (its first KEY_ID_CHARS characters) and the request (the rest): a retry of the same
    request carries the id of the first, and the same key sent with another decision or other feedback is told
    apart from it (`_other_use_of_key`), without the custom status keeping any feedback.
    """
    if key is None:
        return None
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        message = f"must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters"
        raise BadRequest(f"Invalid {IDEMPOTENCY_HEADER} header", [{"field": IDEMPOTENCY_HEADER, "message": message}])
    named_key = hashlib.sha256(f"{instance_id}\n{key}".encode()).hexdigest()[:24]
    request = hashlib.sha256(f"{decision.approved}\n{decision.feedback}".encode()).hexdigest()[:8]
    return f"{KEY_ID_PREFIX}{named_key}{request}"


async def decide(
    client: df.DurableOrchestrationClient,
    instance_id: str,
    decision: ApprovalDecision,
    decided_by: Decider = AUTOMATION,
    decision_id: str | None = None,
) -> dict[str, Any]:
    """Raise ApprovalDecision, signed, on a content workflow that waits for one, and say whether it was applied.

    `decision.round` (when given) is the only round it may decide; `decision_id` (when given) makes it land once.
    Refused: 404 for an unknown instance, 409 when the decision would not count or was overtaken.
    """
    status = await client.get_status(instance_id)
    if not status:
        raise Refused(f"No orchestration instance {instance_id!r}", 404)
    if status.name != CONTENT_FLOW:
        raise Refused(f"Instance {instance_id!r} is a {status.name}, not a {CONTENT_FLOW}", 409)
    review = ReviewStatus.read(status.custom_status)
    if decision_id and review and (other := _other_use_of_key(review, decision_id)):
        raise _reused_key(instance_id, other)
    if decision_id and review and (earlier := _applied(review, decision_id) or _legacy_use_of_key(review, decision_id)):
        if decision.round not in (None, earlier.round) or earlier.approved != decision.approved:
            raise _reused_key(instance_id, earlier)
        return _answer(instance_id, decision, earlier, Outcome.APPLIED)  # a retry answers as the first did
    where = {"round": review.round} if review else {}
    if found := refusal(status, review, decision.round, datetime.now(UTC)):
        outcome, reason = found
        raise Refused(f"Instance {instance_id!r} takes no decision now: {reason}", 409, outcome=outcome, **where)
    assert review is not None  # refusal() refuses a flow without a review status
    event = DecisionEvent(
        approved=decision.approved,
        feedback=decision.feedback,
        round=review.round,
        decision_id=decision_id or uuid.uuid4().hex,
        decided_by=decided_by,
    )
    event = sign_event(instance_id, event)
    assert event.decision_id is not None
    try:
        await client.raise_event(instance_id, APPROVAL_EVENT, event.model_dump(mode="json"))
    except Exception as error:  # the SDK reports the extension's 404/410 as a bare Exception
        if "is gone" in str(error):
            raise Refused(
                f"Instance {instance_id!r} ended before the decision arrived: too late",
                409,
                outcome=Outcome.TOO_LATE,
                **where,
            ) from None
        raise
    logger.info(
        "Raised %s %s on %s round %s by %s: approved=%s",
        APPROVAL_EVENT,
        event.decision_id,
        instance_id,
        review.round,
        decided_by,
        decision.approved,
    )
    outcome, applied, ended = await _confirmation(client, instance_id, event.decision_id, review.round)
    if outcome == Outcome.ALREADY_DECIDED and decision_id and applied and _same_key(applied.decision_id, decision_id):
        raise _reused_key(instance_id, applied)  # requests with one key and different bodies crossed: another won
    if outcome == Outcome.ALREADY_DECIDED:
        raise Refused(
            f"Instance {instance_id!r}: round {review.round} was already decided by another decision",
            409,
            outcome=outcome,
            **where,
        )
    if outcome == Outcome.TOO_LATE:
        raise Refused(
            f"Instance {instance_id!r} ended ({ended}) before the decision arrived: too late",
            409,
            outcome=outcome,
            **where,
        )
    record = applied or DecisionRecord(
        round=review.round, approved=decision.approved, decided_by=decided_by, decision_id=event.decision_id
    )
    return _answer(instance_id, decision, record, outcome)


def refusal(status: Any, review: ReviewStatus | None, wanted: int | None, now: datetime) -> tuple[Outcome, str] | None:
    """Why a decision for round `wanted` (None: the current one) sent now would not count, or None when it will be
    applied to the current round."""
    if wanted is not None and review is not None and (wanted < review.round or review.decision_of(wanted)):
        return Outcome.ALREADY_DECIDED, f"round {wanted} was already decided"  # whether the review has ended or not
    if status.runtime_status == df.OrchestrationRuntimeStatus.Suspended:
        return Outcome.SUSPENDED, "the flow is suspended; decide once it is resumed"
    if status.runtime_status not in RUNNING:
        state = status.runtime_status.value if status.runtime_status else "unknown"
        return Outcome.TOO_LATE, f"it is {state}: the review has ended ({review.stage if review else 'no stage'})"
    if review is None:
        return Outcome.NOT_YET_OPEN, NOT_YET[None]
    if review.decision_of(review.round):
        return Outcome.ALREADY_DECIDED, f"round {review.round} was already decided"
    if wanted is not None and wanted > review.round:
        return Outcome.NOT_YET_OPEN, f"round {wanted} is not open yet: the review is in round {review.round}"
    if review.stage not in DECIDING:
        if review.stage in NOT_YET:
            return Outcome.NOT_YET_OPEN, NOT_YET[review.stage]
        return Outcome.ALREADY_DECIDED, f"already decided ({review.stage})"
    if review.stage == Stage.ESCALATED and review.deadline and review.deadline <= now:
        return Outcome.TOO_LATE, f"too late: the escalation deadline {review.deadline:%Y-%m-%d %H:%M:%S}Z has passed"
    return None


def _other_use_of_key(review: ReviewStatus, decision_id: str) -> DecisionRecord | None:
    """A decision taken with the same Idempotency-Key as `decision_id` but another request, if there is one."""
    return next((d for d in review.decisions if _same_key(d.decision_id, decision_id)), None)


def _same_key(recorded: str | None, decision_id: str) -> bool:
    """Whether a recorded decision id names the same Idempotency-Key as `decision_id`, for another request."""
    return recorded is not None and recorded != decision_id and recorded[:KEY_ID_CHARS] == decision_id[:KEY_ID_CHARS]


def _legacy_use_of_key(review: ReviewStatus, decision_id: str) -> DecisionRecord | None:
    """A decision taken with the same Idempotency-Key before its id named the request: its request is unknown, so a
    retry is answered as the first was (as it was then)."""
    legacy = LEGACY_KEY_ID_PREFIX + decision_id[len(KEY_ID_PREFIX) : KEY_ID_CHARS]
    return next((d for d in review.decisions if d.decision_id and d.decision_id.startswith(legacy)), None)


def _reused_key(instance_id: str, applied: DecisionRecord) -> Refused:
    """As the IETF Idempotency-Key draft says, a key reused with a different request is refused, not answered."""
    return Refused(
        f"Instance {instance_id!r}: this Idempotency-Key was used for another decision "
        f"(approved={str(applied.approved).lower()}, round {applied.round}, possibly with other feedback)",
        422,
        outcome=Outcome.ALREADY_DECIDED,
        round=applied.round,
    )


def _applied(review: ReviewStatus, decision_id: str) -> DecisionRecord | None:
    return next((d for d in review.decisions if d.decision_id == decision_id), None)


def _answer(instance_id: str, decision: ApprovalDecision, record: DecisionRecord, outcome: Outcome) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": instance_id,
        "event": APPROVAL_EVENT,
        "decision_id": record.decision_id,
        "round": record.round,
        "approved": record.approved,
        "feedback": decision.feedback,
        "applied": outcome == Outcome.APPLIED,
        "outcome": outcome,
        "decided_by": record.decided_by.model_dump(mode="json"),
    }
    if outcome == Outcome.PENDING:
        answer["message"] = (
            f"Delivered; the workflow has not applied it within {CONFIRMATION_SECONDS:g} s. Follow its status."
        )
    return answer


async def _confirmation(
    client: df.DurableOrchestrationClient, instance_id: str, decision_id: str, round_number: int
) -> tuple[Outcome, DecisionRecord | None, str | None]:
    """Watch the flow until it applies the decision, decides the round with another one or ends without it; PENDING
    when the confirmation window closes first. With the record applied, or the stage the flow ended in."""
    give_up = time.monotonic() + CONFIRMATION_SECONDS
    while True:
        status = await client.get_status(instance_id)
        review = ReviewStatus.read(status.custom_status if status else None)
        if review:
            if applied := _applied(review, decision_id):
                return Outcome.APPLIED, applied, None
            if decided := review.decision_of(round_number):
                return Outcome.ALREADY_DECIDED, decided, None
        if status and status.runtime_status == df.OrchestrationRuntimeStatus.Suspended:
            return Outcome.PENDING, None, None  # the event waits in the flow's queue until it is resumed
        if status and status.runtime_status not in RUNNING:
            return Outcome.TOO_LATE, None, str(review.stage) if review else "ended"
        if time.monotonic() >= give_up:
            return Outcome.PENDING, None, None
        await asyncio.sleep(POLL_SECONDS)
