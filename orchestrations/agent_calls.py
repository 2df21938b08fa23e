"""Calling agents from a flow: read the answer, retry what is transient, repair what is invalid.

An agent call comes back as the entity's `AgentResponse`, failed or not: the flow reads it
itself instead of letting the framework parse it, because a failed model request would then
surface as "could not be parsed" and lose its cause. Then, per call:
- a valid answer is kept (as plain JSON, which orchestration outputs must be);
- a transient failure (429, 5xx, time-out, connection) is tried again after a durable timer,
  up to the retry policy's attempts, the wait tripling each time and never shorter than the
  server's Retry-After; the custom status says which agent waits, why and until when;
- an answer that does not validate against the agent's response model gets one repair turn
  in the same session, the model being told what was wrong;
- repair turns and retries show in the custom status (`repairing`, `retrying`) and the log as they happen;
- anything else ends the call with an `AgentCallFailed` that names agent and cause.
Several calls run at once (`task_all`) and retry together, one timer per round.
All of this is deterministic: it depends only on the answers recorded in the history.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import azure.durable_functions as df
from agent_framework import AgentResponse, AgentSession
from pydantic import BaseModel, ValidationError

from agents.catalog import ANSWERS
from agents.model_errors import TRANSIENT_ERRORS, retry_after
from agents.repair import repair_prompt
from orchestrations.inputs import problems
from reviewing.protocol import utc_iso
from settings import ModelRetryPolicy

logger = logging.getLogger(__name__)

FENCE = re.compile(r"^```(?:json)?\s*\n?(.*?)\n?```$", re.DOTALL)


class AgentCallFailed(Exception):
    """An agent call that cannot succeed: permanent failure, retries used up, or still invalid after repair."""


class AgentProxy(Protocol):
    """What a flow needs of the agent `app.get_agent(context, name)` gave it."""

    @property
    def name(self) -> str | None: ...

    def create_session(self) -> AgentSession: ...

    def run(self, messages: str, *, session: AgentSession, options: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class AgentCall:
    """One request to one agent; `session` continues a conversation, None starts a new one."""

    agent: AgentProxy
    prompt: str
    session: AgentSession | None = None

    @property
    def agent_name(self) -> str:
        return str(self.agent.name)


@dataclass
class Outcome:
    """How one call ended: its answer, or why there is none."""

    agent: str
    answer: dict[str, Any] | None = None
    failure: str | None = None


@dataclass
class _Attempt:
    call: AgentCall
    session: AgentSession
    prompt: str
    attempt: int = 1
    repaired: bool = False
    outcome: Outcome | None = None


class _Problem(Exception):
    def __init__(self, reason: str, *, transient: bool = False, invalid: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.transient, self.invalid = reason, transient, invalid


class AgentCalls:
    """Agent calls of one running flow, on the agents it got from `app.get_agent`: one or several at once, each
    answer validated against the agent's response model, with retries and a repair turn."""

    def __init__(self, context: df.DurableOrchestrationContext, policy: ModelRetryPolicy) -> None:
        self.context, self.policy = context, policy

    def ask(
        self, agent: AgentProxy, prompt: str, session: AgentSession | None = None
    ) -> Generator[Any, Any, dict[str, Any]]:
        """One call: its answer as plain JSON, or AgentCallFailed naming agent and cause."""
        [outcome] = yield from self.ask_all([AgentCall(agent, prompt, session)])
        if outcome.answer is None:
            raise self.failed(str(outcome.failure))
        return outcome.answer

    def failed(self, reason: str) -> AgentCallFailed:
        """The error that ends the flow; the custom status keeps the stage it failed in, and why."""
        self.context.set_custom_status({**_as_dict(self.context.custom_status), "failed": reason})
        return AgentCallFailed(reason)

    def ask_all(self, calls: list[AgentCall]) -> Generator[Any, Any, list[Outcome]]:
        """Several calls at once, each retried and repaired on its own; an Outcome per call, in order."""
        context = self.context
        attempts = [
            _Attempt(c, c.session if c.session is not None else c.agent.create_session(), c.prompt) for c in calls
        ]
        status = context.custom_status
        pending = attempts
        reported = False
        while pending:
            tasks = [a.call.agent.run(messages=a.prompt, session=a.session, options={}) for a in pending]
            responses = (yield context.task_all(tasks)) if len(tasks) > 1 else [(yield tasks[0])]
            if reported:  # the repair turn or retry it announced has happened
                context.set_custom_status(status)
            waits: list[tuple[_Attempt, str, float]] = []
            repairs: list[tuple[_Attempt, str]] = []
            for attempt, response in zip(pending, responses, strict=True):
                try:
                    answer = read_answer(response, ANSWERS[attempt.call.agent_name])
                except _Problem as problem:
                    _next_step(attempt, problem, self.policy, waits, repairs)
                else:
                    attempt.outcome = Outcome(attempt.call.agent_name, answer=answer)
            pending = [a for a in attempts if a.outcome is None]
            resume_at = context.current_utc_datetime + timedelta(seconds=max((s for *_, s in waits), default=0))
            reported = self._report(status, repairs, waits, resume_at)
            if waits:
                yield context.create_timer(resume_at)
        return [a.outcome for a in attempts if a.outcome is not None]

    def _report(
        self,
        status: Any,
        repairs: list[tuple[_Attempt, str]],
        waits: list[tuple[_Attempt, str, float]],
        resume_at: datetime,
    ) -> bool:
        """Say in the custom status and the log, as it happens, which agents get a repair turn or wait for a retry;
        whether there was anything to say."""
        notes: dict[str, Any] = {}
        if repairs:
            notes["repairing"] = [{"agent": attempt.call.agent_name, "reason": reason} for attempt, reason in repairs]
        if waits:
            notes["retrying"] = _waits(waits, resume_at, self.policy)
        if not notes:
            return False
        self.context.set_custom_status({**_as_dict(status), **notes})
        if self.context.is_replaying:
            return True
        instance = self.context.instance_id
        for attempt, reason in repairs:
            logger.warning(
                "%s: %s's answer could not be used (%s); asking again with a repair turn",
                instance,
                attempt.call.agent_name,
                reason,
            )
        for attempt, reason, _ in waits:
            logger.warning(
                "%s: %s failed (%s); attempt %d of %d at %s",
                instance,
                attempt.call.agent_name,
                reason,
                attempt.attempt,
                self.policy.max_attempts,
                utc_iso(resume_at),
            )
        return True


def read_answer(response: AgentResponse[Any], model: type[BaseModel]) -> dict[str, Any]:
    """The answer as plain JSON, or a _Problem saying why there is none."""
    for message in response.messages:
        for content in message.contents:
            if content.type == "error":
                raise _Problem(str(content.message), transient=content.error_code in TRANSIENT_ERRORS)
    text = _answer_text(response)
    if not text:
        raise _Problem(f"the answer was empty instead of a {model.__name__} JSON object", invalid=True)
    try:
        data = json.loads(text, strict=False)  # strict=False: a raw line break inside a string is harmless
    except json.JSONDecodeError as error:
        raise _Problem(f"the answer was not valid JSON ({error})", invalid=True) from None
    try:
        return model.model_validate(data).model_dump(mode="json")
    except ValidationError as error:
        first = problems(error, whole="the object")[0]
        raise _Problem(
            f"the answer did not match {model.__name__}: {first['field']}: {first['message']}", invalid=True
        ) from None


def _answer_text(response: AgentResponse[Any]) -> str:
    """The last assistant text, without a Markdown code fence some models put around JSON."""
    texts = [m.text for m in response.messages if m.role == "assistant" and m.text and m.text.strip()]
    if not texts:
        return ""
    text = texts[-1].strip()
    fenced = FENCE.match(text)
    return fenced.group(1).strip() if fenced else text


def _next_step(
    attempt: _Attempt,
    problem: _Problem,
    policy: ModelRetryPolicy,
    waits: list[tuple[_Attempt, str, float]],
    repairs: list[tuple[_Attempt, str]],
) -> None:
    """Decide what follows a failed attempt: a repair turn, a retry after a wait, or the end of the call."""
    agent, model = attempt.call.agent_name, ANSWERS[attempt.call.agent_name]
    if problem.invalid and not attempt.repaired:
        attempt.repaired, attempt.prompt = True, repair_prompt(model.__name__, problem.reason)
        repairs.append((attempt, problem.reason))
    elif problem.transient and attempt.attempt < policy.max_attempts:
        attempt.attempt += 1
        waits.append((attempt, problem.reason, policy.delay_before(attempt.attempt, retry_after(problem.reason))))
    elif problem.invalid:
        attempt.outcome = Outcome(agent, failure=f"{agent}: {problem.reason} (still invalid after a repair turn)")
    elif problem.transient:
        attempt.outcome = Outcome(agent, failure=f"{agent} failed after {attempt.attempt} attempts: {problem.reason}")
    else:
        attempt.outcome = Outcome(agent, failure=f"{agent} failed: {problem.reason} (not retried: it cannot succeed)")


def _waits(
    waits: list[tuple[_Attempt, str, float]], resume_at: datetime, policy: ModelRetryPolicy
) -> list[dict[str, Any]]:
    """Which agents wait for another attempt, why, and when it comes: for the custom status."""
    return [
        {
            "agent": attempt.call.agent_name,
            "reason": reason,
            "next_attempt": attempt.attempt,
            "max_attempts": policy.max_attempts,
            "next_attempt_at": utc_iso(resume_at),
        }
        for attempt, reason, _ in waits
    ]


def _as_dict(status: Any) -> dict[str, Any]:
    return status if isinstance(status, dict) else {}
