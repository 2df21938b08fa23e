"""An agent session holds at most 1 MiB as stored (the scheduler's limit, which the local host enforces as Azure does),
and JSON escaping makes a character cost up to 6 bytes: on the real app over HTTP, text that cannot fit is refused
at once naming the limit in bytes, a session that is full says so on every later call, and a content review whose
reviewer rejects every round with long non-ASCII feedback still ends, each revision answering its feedback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from devhost.process import DevHost
from tests.e2e.conftest import API, awaiting, new_app_host, page, review_link, start_flow, stored_draft
from tests.long_article_drafts import LAST_LINE
from tests.mcp_client import call, text
from tests.smtp import SmtpServer

SPAM_AGENT, RESEARCHER, SUMMARIZER = "SpamDetectionAgent", "TechnicalResearchAgent", "SummaryAgent"
LIMIT = 1024 * 1024


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[DevHost]:
    """The real app with the offline model writing first drafts of 30,000 characters (tests.e2e.apps.long_drafts);
    a 1 s model time-out keeps a route's wait for an answer short, so a route that cannot tell a failed turn from a
    slow one shows it as a 504 in seconds instead of minutes."""
    folder = tmp_path_factory.mktemp("state-limits")
    server = new_app_host(folder, smtp.port, app="tests.e2e.apps.long_drafts", MODEL_TIMEOUT_SECONDS="1").start()
    yield server
    server.stop()


def ask(host: DevHost, agent: str, message: str, session_id: str) -> tuple[int, dict[str, Any]]:
    code, reply = host.request("POST", f"/api/agents/{agent}/run", {"message": message, "session_id": session_id})
    assert isinstance(reply, dict), reply
    return code, reply


def session_state(host: DevHost, agent: str, session_id: str) -> dict[str, Any] | None:
    """The stored state of a caller's session, or None when its entity does not exist."""
    code, sessions = host.request("GET", f"{API}/entities/dafx-{agent.lower()}")
    assert code == 200
    found = [s["state"] for s in sessions if s["entityId"]["key"] == f"caller-{session_id}"]
    return found[0] if found else None


def stored_size(state: dict[str, Any] | None) -> int:
    return len(json.dumps(state).encode())


def test_a_message_too_large_as_stored_is_a_400_naming_its_bytes_and_never_reaches_the_agent(host: DevHost) -> None:
    cjk = "漢" * 99_998  # within 100,000 characters, but 599,990 bytes as stored

    code, reply = ask(host, SUMMARIZER, cjk, "cjk1")

    assert code == 400, reply
    [detail] = reply["details"]
    assert detail["field"] == "message"
    assert "599,990 bytes as stored" in detail["message"] and "at most 200,000" in detail["message"]
    assert session_state(host, SUMMARIZER, "cjk1") is None
    tool = call(host, SPAM_AGENT, {"query": cjk, "sessionId": "cjk1"})
    assert tool.is_error and "599,990 bytes as stored" in text(tool)


def test_a_turn_whose_answer_cannot_be_kept_is_a_413_at_once_and_the_session_still_answers(host: DevHost) -> None:
    lines = "a\n" * 49_999  # 100 KB, 150 KB as stored; the offline researcher's answer quotes it many times over

    code, reply = ask(host, RESEARCHER, lines, "lines1")

    assert code == 413, reply
    assert reply["session_id"] == "lines1" and reply["agent"] == RESEARCHER
    assert "Session 'lines1'" in reply["error"] and f"the {LIMIT:,} bytes an agent session may hold" in reply["error"]
    assert "do not fit in one session" in reply["error"]
    state = session_state(host, RESEARCHER, "lines1")
    assert state is not None and stored_size(state) < 4096  # the turn was not kept, only why it failed
    assert ask(host, RESEARCHER, lines, "lines1")[0] == 413  # still too large, not a full session
    code, reply = ask(host, RESEARCHER, "Durable entities", "lines1")
    assert code == 200, reply
    assert json.loads(reply["response"])["key_points"]


def test_a_full_session_says_so_on_every_later_call_and_a_new_session_answers(host: DevHost) -> None:
    email = "From: a@example.com\nSubject: long\n\n" + "x" * 99_900

    assert [ask(host, SPAM_AGENT, email, "big1")[0] for _ in range(2)] == [200, 200]
    code, third = ask(host, SPAM_AGENT, email, "big1")
    fourth = ask(host, SPAM_AGENT, "From: a@example.com\nSubject: short\n\nHello", "big1")

    assert code == 409, third
    assert "Session 'big1'" in third["error"] and "new session" in third["error"], third
    assert fourth[0] == 409 and "Session 'big1' of SpamDetectionAgent is full" in fourth[1]["error"], fourth
    assert stored_size(session_state(host, SPAM_AGENT, "big1")) <= LIMIT
    tool = call(host, SPAM_AGENT, {"query": email, "sessionId": "big1"})
    assert tool.is_error and "Session 'big1' of SpamDetectionAgent is full" in text(tool)
    assert ask(host, SPAM_AGENT, email, "big2")[0] == 200


# -- the content flow's writer ---------------------------------------------------------------------------------------


def feedback(round_number: int) -> str:
    """As much non-ASCII feedback as a decision may carry: 9,998 bytes as stored (1,666 characters)."""
    head = f"第{round_number}轮"
    return head + "改" * (1_666 - len(head))


def test_feedback_over_its_stored_bytes_is_a_400_by_route_and_page_and_the_review_goes_on(
    host: DevHost, smtp: SmtpServer
) -> None:
    instance_id = start_flow(host, "content", {"topic": "bounded feedback", "reviewer": "bytes@example.com"})
    awaiting(host, instance_id, 1)

    [mail] = [m for m in smtp.messages if m["To"] == "bytes@example.com"]
    page_code, _, page_body = page(host, review_link(host, mail), "reject", "改" * 5_000)
    code, reply = host.request(
        "POST", f"/api/content/{instance_id}/decision", {"approved": False, "feedback": "改" * 5_000}
    )

    assert code == 400, reply
    assert "30,002 bytes as stored" in reply["details"][0]["message"] and "at most 10,000" in json.dumps(reply)
    assert page_code == 400 and "30,002 bytes as stored" in page_body
    awaiting(host, instance_id, 1)


def test_ten_rejections_of_long_drafts_with_long_non_ascii_feedback_end_rejected_each_revision_answering_it(
    host: DevHost,
) -> None:
    """Ten drafts of 30,000 characters and their feedback do not fit in one session: the writer continues in a fresh
    one, given the draft, and its revisions still answer the feedback and keep the whole draft."""
    instance_id = start_flow(host, "content", {"topic": "long feedback", "max_review_rounds": 10})
    for number in range(1, 11):
        awaiting(host, instance_id, number)
        code, reply = host.request(
            "POST",
            f"/api/content/{instance_id}/decision",
            {"approved": False, "feedback": feedback(number), "round": number},
        )
        assert code == 202, reply

    status = host.wait_for(instance_id)
    assert status["runtimeStatus"] == "Completed", status.get("output") or status.get("customStatus")
    result = status["output"]
    assert result["status"] == "rejected" and len(result["rounds"]) == 10
    for earlier, later in zip(result["rounds"], result["rounds"][1:], strict=False):
        assert earlier["decision"]["feedback"] == feedback(earlier["round"])
        revision = stored_draft(host, later["draft"])["body"]
        assert feedback(earlier["round"]) in revision and LAST_LINE in revision
    code, sessions = host.request("GET", f"{API}/entities/dafx-contentgenerationagent")
    assert code == 200
    writers = [s for s in sessions if instance_id in json.dumps(s["state"]["data"]["conversationHistory"][0])]
    assert len(writers) > 1 and all(stored_size(s["state"]) <= LIMIT for s in writers)
