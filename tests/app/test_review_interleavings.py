"""A review's wait replayed by the real Durable Functions SDK over histories written by hand.

The interleavings that matter happen when two things land in the same episode (a decision and the deadline's timer,
say); a running host produces them only by chance. Here each is one history, replayed the way the Functions host
replays it, so the test drives the interleaving on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import pytest

from orchestrations.inputs import ContentInput
from orchestrations.review_rounds import Review
from reviewing.protocol import APPROVAL_EVENT, Role, Stage

START = datetime(2026, 1, 1, 12, 0, 0)
DEADLINE = START + timedelta(hours=1)
REVIEWER = {"role": "reviewer", "address": "rita@example.com"}


def one_round(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """The wait of round 1 as the content flow runs it: listen from the start, then wait for a decision or the deadline."""
    review = Review(context, ContentInput(topic="interleavings", timeout_hours=1))
    yield from review.listen()
    decision = yield from review._wait(1, Stage.AWAITING_APPROVAL, DEADLINE.replace(tzinfo=UTC))
    return None if decision is None else decision.output()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds") + "Z"


class History:
    """Builds a history episode by episode, as the host records it."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: int, at: datetime, event_id: int = -1, **fields: Any) -> History:
        self.events.append({"EventType": kind, "EventId": event_id, "IsPlayed": False, "Timestamp": iso(at), **fields})
        return self

    def episode(
        self,
        at: datetime,
        *events: tuple[int, dict[str, Any]],
        timers: tuple[tuple[int, datetime], ...] = (),
        activities: tuple[tuple[int, str], ...] = (),
    ) -> History:
        """One episode at `at`: the new events, then the timers and activities the orchestrator scheduled in it."""
        self.add(12, at)  # OrchestratorStarted
        for kind, fields in events:
            self.add(kind, at, **fields)
        for timer_id, fire_at in timers:
            self.add(10, at, event_id=timer_id, FireAt=iso(fire_at))  # TimerCreated
        for task_id, name in activities:
            self.add(4, at, event_id=task_id, Name=name)  # TaskScheduled
        return self.add(13, at)  # OrchestratorCompleted

    def replay(
        self, at: datetime, *events: tuple[int, dict[str, Any]], orchestrator: Any = one_round
    ) -> dict[str, Any]:
        """Run the episode at `at` with `events` new, through the SDK's orchestrator handler."""
        history = [{**event, "IsPlayed": True} for event in self.events]
        history.append({"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": iso(at)})
        history += [
            {"EventType": kind, "EventId": -1, "IsPlayed": False, "Timestamp": iso(at), **f} for kind, f in events
        ]
        body = {
            "history": history,
            "input": None,
            "instanceId": "review-1",
            "isReplaying": False,
            "parentInstanceId": None,
            "upperSchemaVersion": 2,
        }
        try:
            return json.loads(df.Orchestrator.create(orchestrator)(json.dumps(body)))
        except Exception as failure:  # the SDK reports a failed orchestrator by raising with its state attached
            state = str(failure).split("$OutOfProcData$:", 1)[-1]
            return {"isDone": False, "failed": str(failure), **json.loads(state)}


def fired(timer_id: int, fire_at: datetime) -> tuple[int, dict[str, Any]]:
    return 11, {"TimerId": timer_id, "FireAt": iso(fire_at)}


def decision(approved: bool, **fields: Any) -> tuple[int, dict[str, Any]]:
    """An ApprovalDecision for round 1 as the decision route raises it (its signature is checked by an activity)."""
    event = {"approved": approved, "feedback": "", "round": 1, "decided_by": REVIEWER, "signature": "c2ln", **fields}
    return 15, {"Name": APPROVAL_EVENT, "Input": json.dumps(event)}


def verified(task_id: int, answer: bool = True) -> tuple[int, dict[str, Any]]:
    """verify_decision's answer, as the history records it."""
    return 5, {"TaskScheduledId": task_id, "Result": json.dumps({"verified": answer})}


def waiting_for_a_decision() -> History:
    """Started, the listening wait opened (timer 0, due at once), round 1 waiting with its deadline (timer 1)."""
    history = History().episode(START, (0, {"Name": "one_round", "Input": None, "Version": ""}), timers=((0, START),))
    return history.episode(START, fired(0, START), timers=((1, DEADLINE),))


def test_a_decision_taken_just_before_the_deadline_fires_is_applied_not_a_failed_flow() -> None:
    """The decision arrives first; reopening the wait and verifying it take more episodes, in which the deadline
    also fires."""
    just_before = DEADLINE - timedelta(seconds=1)
    history = waiting_for_a_decision().episode(
        just_before, decision(True, decision_id="d-1"), timers=((2, just_before),)
    )
    history.episode(DEADLINE, fired(1, DEADLINE), fired(2, just_before), activities=((3, "verify_decision"),))
    state = history.replay(DEADLINE, verified(3))
    assert "failed" not in state, state["failed"]
    assert state["isDone"] is True
    assert state["output"] == {
        "round": 1,
        "approved": True,
        "decided_by": REVIEWER,
        "decision_id": "d-1",
        "feedback": "",
    }


@pytest.mark.parametrize("order", ["deadline first", "decision first"])
def test_a_decision_and_the_deadline_in_one_episode_resolve_by_their_order_in_the_history(order: str) -> None:
    events = [fired(1, DEADLINE), decision(False, decision_id="d-2")]
    if order == "decision first":
        events.reverse()
    state = waiting_for_a_decision().replay(DEADLINE, *events)
    assert "failed" not in state, state["failed"]
    if order == "deadline first":  # the deadline won: the round escalates, the decision waits in the open wait
        assert state["isDone"] is True and state.get("output") is None
    else:  # the decision won; the wait reopens before the flow goes on
        assert state["isDone"] is False
        assert state["customStatus"]["stage"] == Stage.AWAITING_APPROVAL


def test_a_decision_whose_signature_does_not_verify_is_ignored_and_the_round_still_waits() -> None:
    history = waiting_for_a_decision().episode(START, decision(True, decision_id="forged"), timers=((2, START),))
    history.episode(START, fired(2, START), activities=((3, "verify_decision"),))
    state = history.replay(START, verified(3, answer=False))
    assert "failed" not in state, state["failed"]
    assert state["isDone"] is False and state["customStatus"]["decisions"] == []
    assert "did not sign" in state["customStatus"]["message"]


def test_an_unsigned_event_is_ignored_without_asking_who_sent_it() -> None:
    """Identity fields in a raw event (raised through the Durable API) are never believed, nor even checked."""
    forged = decision(
        True, decision_id="raw", signature=None, decided_by={"role": Role.ESCALATION_CONTACT, "address": "ceo@x.io"}
    )
    history = waiting_for_a_decision().episode(START, forged, timers=((2, START),))
    state = history.replay(START, fired(2, START))
    assert "failed" not in state, state["failed"]
    assert state["isDone"] is False and state["customStatus"]["decisions"] == []
    assert not [a for a in state["actions"] for action in a if action.get("functionName") == "verify_decision"]


@pytest.mark.parametrize("payload", [None, [], "approve", 1], ids=["null", "list", "string", "number"])
def test_an_event_with_a_null_or_junk_payload_is_ignored_and_never_taken_for_the_deadline(payload: Any) -> None:
    """Anyone with the Durable API (or the dashboard's "Raise event" with an empty payload) can raise `null`."""
    junk = (15, {"Name": APPROVAL_EVENT, "Input": json.dumps(payload)})
    history = waiting_for_a_decision().episode(START, junk, timers=((2, START),))
    state = history.replay(START, fired(2, START))
    assert "failed" not in state, state["failed"]
    assert state["isDone"] is False and state["customStatus"]["stage"] == Stage.AWAITING_APPROVAL
    assert state["customStatus"]["message"].startswith(f"Ignored a malformed {APPROVAL_EVENT}")


SECOND_DEADLINE = DEADLINE + timedelta(hours=1)


def two_rounds(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Rounds 1 and 2 as the content flow waits for them, listening from the start."""
    review = Review(context, ContentInput(topic="interleavings", timeout_hours=1))
    yield from review.listen()
    first = yield from review._wait(1, Stage.AWAITING_APPROVAL, DEADLINE.replace(tzinfo=UTC))
    second = yield from review._wait(2, Stage.AWAITING_APPROVAL, SECOND_DEADLINE.replace(tzinfo=UTC))
    return [None if d is None else d.output() for d in (first, second)]


def test_a_decision_raised_before_the_round_waits_decides_that_round_once_and_never_the_next() -> None:
    """The SDK hands an event raised while no wait for it is open to every later wait
    (Azure/azure-functions-durable-python#507): the always-open wait takes it once, so round 2 waits for its own."""
    history = History().episode(START, (0, {"Name": "two_rounds", "Input": None, "Version": ""}), timers=((0, START),))
    early = decision(True, decision_id="d-early")  # raised while the draft was being written
    history.episode(START, early, timers=((1, DEADLINE), (2, START)))
    history.episode(START, fired(0, START), fired(2, START), activities=((3, "verify_decision"),))
    history.episode(START, verified(3), timers=((4, SECOND_DEADLINE),))
    state = history.replay(SECOND_DEADLINE, fired(4, SECOND_DEADLINE), orchestrator=two_rounds)
    assert "failed" not in state, state["failed"]
    assert state["isDone"] is True
    first, second = state["output"]
    assert first["decision_id"] == "d-early" and second is None  # round 2 ran to its deadline, nothing replayed
    assert "Ignored" not in (state["customStatus"].get("message") or "")
