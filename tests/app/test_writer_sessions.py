"""The content flow's writer conversation stays within what one agent session may hold, its revisions still
answering the feedback: stepped in-process with the real offline writer."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

from activities.side_effects import load_draft
from activities.storage import LocalFolderStore
from orchestrations import writer_sessions
from orchestrations.content_approval import content_approval_workflow
from orchestrations.writer_sessions import clip_feedback
from reviewing.protocol import MAX_FEEDBACK_BYTES, DraftReference
from tests.app.fakes import InProcessAgents, flow_context, run_flow, signed


def stored(text: str) -> int:
    return len(json.dumps(text).encode())


def test_feedback_within_its_bytes_is_passed_whole_and_longer_feedback_is_clipped_to_them() -> None:
    assert clip_feedback("Add a diagram") == "Add a diagram"
    assert clip_feedback("a" * 9_998) == "a" * 9_998  # 10,000 bytes with its quotes

    clipped = clip_feedback("改" * 5_000)  # as a decision recorded before the byte bound may carry it

    assert clipped.endswith(" [...]") and clipped.startswith("改" * 1_000)
    assert MAX_FEEDBACK_BYTES - 6 < stored(clipped) <= MAX_FEEDBACK_BYTES


def test_revisions_past_the_budget_go_to_fresh_sessions_given_the_draft_and_still_answer_the_feedback(
    app_env: Path, agents: InProcessAgents
) -> None:
    decisions = [signed({"approved": False, "feedback": f"Point {n}"}, n) for n in (1, 2, 3)]
    ctx = flow_context({"topic": "event sourcing", "max_review_rounds": 3}, decisions=decisions)
    sessions: list[object] = []
    writer_runs = agents("ContentGenerationAgent").agent.run

    async def record_session(*args: object, session: object, **kwargs: object) -> object:
        sessions.append(session)
        return await writer_runs(*args, session=session, **kwargs)

    with (
        mock.patch.object(writer_sessions, "WRITER_SESSION_BUDGET", 1),  # no revision fits in the draft's session
        mock.patch.object(agents.agents["ContentGenerationAgent"], "run", record_session),
    ):
        result = run_flow(content_approval_workflow, ctx, agents)

    assert result["status"] == "rejected" and len(result["rounds"]) == 3
    draft, *revisions = (prompt for _, prompt in agents.prompts)
    assert draft == "Topic: event sourcing\n\nWrite the article."
    for number, revision in enumerate(revisions, 1):
        assert revision.startswith("Topic: event sourcing\n\nYour current draft:\n\n```json\n{")
        assert f"Reviewer feedback: Point {number}\n" in revision
    assert len(sessions) == len({id(s) for s in sessions}) == 3
    store = LocalFolderStore(str(app_env))
    second, third = (load_draft(store, DraftReference.model_validate(r["draft"]))["body"] for r in result["rounds"][1:])
    assert "Point 2" in third and "Point 1" not in third  # the revision answers this round's feedback, on the draft
    assert third.split("## Revision notes")[0] == second.split("## Revision notes")[0]
