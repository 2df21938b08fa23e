"""The real app on the local host against a scripted OpenAI-compatible endpoint that fails on purpose.

Each test scripts one fault for one agent and checks what a user sees: the final status, the
failure message (agent and cause), how many requests reached the model, and that no mail or
publication went out twice. Requests time out after 2 s here and retries wait 0.5 s, then 1.5 s.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest

from agents.analysis import text_statistics
from devhost.process import DevHost, free_port
from tests.e2e.conftest import API, awaiting_review, history, new_app_host, start_flow, stored_draft
from tests.model_server import LLAMA_CPP_PYTHON, ScriptedModelServer
from tests.smtp import SmtpServer

SPAM_AGENT, REPLY_AGENT = "SpamDetectionAgent", "EmailAssistantAgent"
MARKET, SUMMARY, WRITER = "MarketResearchAgent", "SummaryAgent", "ContentGenerationAgent"
PHISHING = {
    "content": "Your account will be suspended. Verify your account at http://paypa1-secure.xyz/login "
    "and confirm your password within 24 hours.",
    "sender": "PayPal Security <security@paypa1.com>",
    "subject": "Account suspended",
}


def ham(name: str) -> dict[str, str]:
    """A legitimate email from a sender of its own, so each test counts only its own replies."""
    return {
        "content": "Hi, could we move the review to 3pm on Thursday? Thanks, Alex",
        "sender": f"Alex <{name}@contoso.com>",
        "subject": "Review time",
    }


def mails_to(smtp: SmtpServer, address: str) -> int:
    return sum(1 for m in smtp.messages if address in [a for _, a in getaddresses([m["To"] or ""])])


def replies_to(smtp: SmtpServer, name: str) -> int:
    return mails_to(smtp, f"{name}@contoso.com")


def scripted_settings(base_url: str, **extra: str) -> dict[str, str]:
    return {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": base_url,
        "OPENAI_CHAT_COMPLETION_MODEL": "scripted",
        "MODEL_TIMEOUT_SECONDS": "2",
        "MODEL_RETRY_DELAY_SECONDS": "0.5",
        "MODEL_MAX_ATTEMPTS": "3",
        **extra,
    }


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer, model: ScriptedModelServer) -> Iterator[DevHost]:
    server = new_app_host(tmp_path_factory.mktemp("faults"), smtp.port, **scripted_settings(model.base_url)).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean_script(model: ScriptedModelServer) -> None:
    model.reset()


def finish(host: DevHost, instance_id: str) -> dict[str, Any]:
    return host.wait_for(instance_id, timeout=60)


def failure(status: dict[str, Any]) -> str:
    assert status["runtimeStatus"] == "Failed", status
    return str(status["output"])


# -- transient faults: one is absorbed, a persistent one fails in seconds with the cause ----------------------


def test_a_429_with_retry_after_waits_on_a_durable_timer_then_succeeds(
    host: DevHost, model: ScriptedModelServer, smtp: SmtpServer
) -> None:
    model.fail("status", agent=SPAM_AGENT, status=429, retry_after=1, message="Rate limit reached for requests")
    instance_id = start_flow(host, "spam-detection", ham("rate-limited"))

    waiting = host.wait_for(instance_id, ("Running",), predicate=lambda s: "retrying" in (s["customStatus"] or {}))
    [retry] = waiting["customStatus"]["retrying"]
    assert retry["agent"] == SPAM_AGENT and retry["next_attempt"] == 2 and retry["max_attempts"] == 3
    assert "HTTP 429" in retry["reason"] and "Rate limit reached" in retry["reason"] and retry["next_attempt_at"]
    assert waiting["customStatus"]["stage"] == "checking_for_spam"

    status = finish(host, instance_id)
    assert status["runtimeStatus"] == "Completed" and status["output"]["branch"] == "legitimate"
    assert "retrying" not in status["customStatus"]
    assert [r.fault for r in model.requests_for(SPAM_AGENT)] == ["status", None, None]  # failed, then tools + answer
    assert replies_to(smtp, "rate-limited") == 1


@pytest.mark.parametrize(
    ("kind", "params", "cause"),
    [
        ("status", {"status": 429, "message": "Rate limit reached"}, "HTTP 429 from http://127.0.0.1"),
        ("status", {"status": 500, "message": "The server had an error"}, "HTTP 500 from http://127.0.0.1"),
        ("hang", {"seconds": 10}, "timed out after 2 s waiting for http://127.0.0.1"),
        ("trickle", {}, "timed out after 2 s waiting for http://127.0.0.1"),
        ("cut", {}, "peer closed connection without sending complete message body"),
    ],
    ids=["429", "500", "hang", "trickle", "cut-body"],
)
def test_a_transient_fault_once_is_absorbed_and_always_fails_the_flow_naming_agent_and_cause(
    host: DevHost,
    model: ScriptedModelServer,
    smtp: SmtpServer,
    kind: str,
    params: dict[str, Any],
    cause: str,
    request: pytest.FixtureRequest,
) -> None:
    name = request.node.callspec.id
    model.fail(kind, agent=SPAM_AGENT, **params)
    once = start_flow(host, "spam-detection", ham(f"once-{name}"))
    assert finish(host, once)["runtimeStatus"] == "Completed"
    assert len(model.requests_for(SPAM_AGENT)) == 3
    assert replies_to(smtp, f"once-{name}") == 1

    model.reset()
    model.fail(kind, agent=SPAM_AGENT, times=None, **params)
    always = start_flow(host, "spam-detection", ham(f"always-{name}"))
    status = finish(host, always)
    message = failure(status)
    assert f"{SPAM_AGENT} failed after 3 attempts: " in message and cause in message
    assert "could not be parsed" not in message
    assert len(model.requests_for(SPAM_AGENT)) == 3
    assert status["customStatus"]["stage"] == "checking_for_spam" and cause in status["customStatus"]["failed"]
    assert replies_to(smtp, f"always-{name}") == 0


# -- permanent faults: not retried ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "cause"),
    [
        ({"status": 401, "message": "Incorrect API key provided"}, "HTTP 401 from http://127.0.0.1"),
        ({"status": 404, "message": "The model `scripted` does not exist", "code": "model_not_found"}, "HTTP 404"),
        (
            {
                "status": 400,
                "code": "content_filter",
                "message": "The response was filtered due to the prompt triggering "
                "Azure OpenAI's content management policy.",
            },
            "content filter of http://127.0.0.1",
        ),
    ],
    ids=["401", "404-model", "content-filter"],
)
def test_a_permanent_fault_fails_at_once_without_retrying(
    host: DevHost, model: ScriptedModelServer, params: dict[str, Any], cause: str
) -> None:
    model.fail("status", agent=SPAM_AGENT, times=None, **params)
    message = failure(finish(host, start_flow(host, "spam-detection", ham("permanent"))))
    assert f"{SPAM_AGENT} failed: " in message and cause in message and params["message"][:30] in message
    assert "not retried" in message
    assert len(model.requests_for(SPAM_AGENT)) == 1


# -- answers that do not validate: repaired once in the same session -------------------------------------------


@pytest.mark.parametrize(
    ("agent", "kind", "params"),
    [
        (SPAM_AGENT, "truncated", {}),
        (SPAM_AGENT, "wrong_schema", {}),
        (SPAM_AGENT, "prose", {}),
        (SPAM_AGENT, "override", {"values": {"confidence": 2.79e9}}),
        (REPLY_AGENT, "empty_choices", {}),
    ],
    ids=["cut-at-token-limit", "wrong-schema", "prose", "confidence-2.79e9", "empty-choices"],
)
def test_an_invalid_answer_gets_one_repair_turn_that_is_told_what_was_wrong(
    host: DevHost, model: ScriptedModelServer, smtp: SmtpServer, agent: str, kind: str, params: dict[str, Any]
) -> None:
    model.fail(kind, agent=agent, **params)
    status = finish(host, start_flow(host, "spam-detection", ham(f"repair-{kind}")))
    assert status["runtimeStatus"] == "Completed", status
    assert 0.0 <= status["output"]["verdict"]["confidence"] <= 1.0
    requests = model.requests_for(agent)
    repair = requests[-1].body["messages"][-1]["content"]
    assert repair.startswith("Your previous answer could not be used:")
    assert len([r for r in requests if r.fault]) == 1
    assert replies_to(smtp, f"repair-{kind}") == 1


def test_an_answer_still_invalid_after_the_repair_turn_fails_the_flow_saying_what_was_wrong(
    host: DevHost, model: ScriptedModelServer
) -> None:
    model.fail("override", agent=SPAM_AGENT, times=None, values={"confidence": 2.79e9})
    message = failure(finish(host, start_flow(host, "spam-detection", ham("hopeless"))))
    assert f"{SPAM_AGENT}: the answer did not match SpamVerdict: confidence: " in message
    assert "must be between 0 and 1, got 2.79e+09" in message and "still invalid after a repair turn" in message
    assert len(model.requests_for(SPAM_AGENT)) == 3  # tool round, answer, repair


def test_a_raw_line_break_or_a_code_fence_around_the_json_needs_no_repair(
    host: DevHost, model: ScriptedModelServer
) -> None:
    model.fail("raw_newline", agent=SPAM_AGENT)
    model.fail("fenced", agent=REPLY_AGENT)
    assert finish(host, start_flow(host, "spam-detection", ham("lenient")))["runtimeStatus"] == "Completed"
    assert len(model.requests_for(SPAM_AGENT)) == 2 and len(model.requests_for(REPLY_AGENT)) == 1


# -- tool evidence: the verdict rests on it whatever the model does ---------------------------------------------


def test_a_model_that_skips_its_tools_still_sees_the_evidence_and_cannot_get_a_phisher_a_reply(
    host: DevHost, model: ScriptedModelServer, smtp: SmtpServer
) -> None:
    model.fail("ignore_tools", agent=SPAM_AGENT)
    model.fail("override", agent=SPAM_AGENT, values={"is_spam": False, "confidence": 0.9})
    sent_before = len(smtp.to("security@paypa1.com"))  # where a reply would go
    status = finish(host, start_flow(host, "spam-detection", PHISHING))
    output = status["output"]
    assert output["branch"] == "spam" and output["verdict"]["is_spam"] is False
    assert output["overruled"].startswith("SpamDetectionAgent judged it legitimate, but the app's checks flag it")
    assert "paypa1.com imitates PayPal" in output["overruled"] and "trained classifier" in output["overruled"]
    assert "Verify your account" in Path(output["quarantine"]["location"]).read_text()
    [first, *_] = model.requests_for(SPAM_AGENT)
    assert "The app's own checks already ran on it" in first.body["messages"][-1]["content"]
    assert all("tool_calls" not in ((m.get("role") == "assistant" and m) or {}) for m in first.body["messages"])
    assert len(smtp.to("security@paypa1.com")) == sent_before


# -- the research fan-out degrades to the angles that succeeded --------------------------------------------------


def test_research_with_one_angle_down_is_summarized_from_the_other_two(
    host: DevHost, model: ScriptedModelServer
) -> None:
    model.fail("status", agent=MARKET, times=None, status=503, message="Service unavailable")
    status = finish(host, start_flow(host, "research", {"topic": "edge inference"}))
    assert status["runtimeStatus"] == "Completed", status
    output = status["output"]
    assert set(output["sections"]) == {"technical", "competitor"}
    assert output["missing"]["market"].startswith(f"{MARKET} failed after 3 attempts: HTTP 503")
    assert "No market research notes" in model.requests_for(SUMMARY)[0].body["messages"][-1]["content"]
    assert len(model.requests_for(MARKET)) == 3


def test_research_with_every_angle_down_fails_clearly(host: DevHost, model: ScriptedModelServer) -> None:
    model.fail("status", times=None, status=500, message="The server had an error")
    message = failure(finish(host, start_flow(host, "research", {"topic": "outages"})))
    assert "every research angle failed" in message
    assert all(
        f"{name} failed after 3 attempts: HTTP 500" in message
        for name in ("TechnicalResearchAgent", MARKET, "CompetitorResearchAgent")
    )
    assert not model.requests_for(SUMMARY)


# -- the content flow: a draft that makes no sense is repaired before any reviewer sees it ----------------------


def test_an_empty_draft_is_repaired_before_the_reviewer_is_mailed(
    host: DevHost, model: ScriptedModelServer, smtp: SmtpServer
) -> None:
    reviewer = "empty-body@contoso.com"
    model.fail("override", agent=WRITER, values={"body": ""})
    instance_id = start_flow(host, "content", {"topic": "honest drafts", "reviewer": reviewer, "timeout_hours": 1})
    draft = host.wait_for(instance_id, ("Running",), predicate=awaiting_review, timeout=60)["customStatus"]["draft"]
    assert draft["excerpt"].strip() and draft["characters"] > 0
    assert [r.fault for r in model.requests_for(WRITER)] == [None, "override", None]  # tool round, bad answer, repair
    assert mails_to(smtp, reviewer) == 1
    host.request("POST", f"{API}/instances/{instance_id}/terminate?reason=done")


def test_the_articles_word_count_and_reading_time_are_measured_by_the_app_whatever_the_model_says(
    host: DevHost, model: ScriptedModelServer
) -> None:
    model.fail("override", agent=WRITER, times=None, values={"word_count": 5000, "reading_time_minutes": 99})
    instance_id = start_flow(host, "content", {"topic": "honest figures", "timeout_hours": 1})
    draft = host.wait_for(instance_id, ("Running",), predicate=awaiting_review, timeout=60)["customStatus"]["draft"]
    measured = text_statistics(stored_draft(host, draft)["body"])
    assert (draft["word_count"], draft["reading_time_minutes"]) == (
        measured["word_count"],
        measured["reading_time_minutes"],
    )
    assert 100 < draft["word_count"] < 5000
    assert [r.fault for r in model.requests_for(WRITER)] == [None, "override"]  # tool round, then taken as it is
    host.request("POST", f"{API}/instances/{instance_id}/terminate?reason=done")


# -- retries send what the first attempt sent ---------------------------------------------------------------------


def test_each_retry_sends_the_conversation_the_first_attempt_sent(host: DevHost, model: ScriptedModelServer) -> None:
    model.fail("status", agent=SUMMARY, times=2, status=503, message="Service unavailable")
    assert finish(host, start_flow(host, "research", {"topic": "steady prompts"}))["runtimeStatus"] == "Completed"
    attempts = [r.body["messages"] for r in model.requests_for(SUMMARY)]
    assert len(attempts) == 3 and attempts[0] == attempts[1] == attempts[2]
    assert [m["role"] for m in attempts[0]] == ["system", "user"]


def test_a_failed_repair_turn_is_retried_without_the_failed_attempts(host: DevHost, model: ScriptedModelServer) -> None:
    model.fail("override", agent=REPLY_AGENT, values={"body": " "})
    model.fail("status", agent=REPLY_AGENT, skip=1, status=500, message="The server had an error")
    assert finish(host, start_flow(host, "spam-detection", ham("repair-retry")))["runtimeStatus"] == "Completed"
    first, failed, retried = (r.body["messages"] for r in model.requests_for(REPLY_AGENT))
    assert failed == retried and [m["role"] for m in retried] == ["system", "user", "assistant", "user"]
    assert retried[:2] == first and retried[-1]["content"].startswith("Your previous answer could not be used:")


# -- after an outage: a restart runs the flow again; a rewind replays the recorded failure --------------------


def test_a_flow_failed_by_a_model_outage_completes_when_restarted_while_a_rewind_only_replays_the_failure(
    host: DevHost, model: ScriptedModelServer, smtp: SmtpServer
) -> None:
    model.fail("status", agent=REPLY_AGENT, times=None, status=503, message="Service unavailable")
    instance_id = start_flow(host, "spam-detection", ham("outage"))
    assert f"{REPLY_AGENT} failed after 3 attempts: HTTP 503" in failure(finish(host, instance_id))
    model.reset()  # the outage is over

    # The failed agent call is an entity answer in the history, not a failed activity: a rewind replays it.
    assert host.request("POST", f"{API}/instances/{instance_id}/rewind?reason=outage+over")[0] == 202
    assert f"{REPLY_AGENT} failed after 3 attempts: HTTP 503" in failure(finish(host, instance_id))
    assert not model.requests

    code, _ = host.request("POST", f"{API}/instances/{instance_id}/restart?restartWithNewInstanceId=false")
    assert code == 202
    status = finish(host, instance_id)
    assert status["runtimeStatus"] == "Completed" and status["output"]["branch"] == "legitimate", status
    assert [r.agent for r in model.requests].count(REPLY_AGENT) == 1
    assert replies_to(smtp, "outage") == 1


# -- endpoints of other shapes -----------------------------------------------------------------------------------


def test_a_server_without_json_schema_support_gets_json_object_with_the_schema_in_the_instructions(
    tmp_path: Path, smtp: SmtpServer, model: ScriptedModelServer
) -> None:
    model.fail("no_json_schema", times=None)
    server = new_app_host(tmp_path, smtp.port, **scripted_settings(model.base_url)).start()
    try:
        assert finish(server, start_flow(server, "spam-detection", ham("no-schema")))["runtimeStatus"] == "Completed"
    finally:
        server.stop()
    formats = [(r.body.get("response_format") or {}).get("type") for r in model.requests]
    assert formats[0] == "json_schema" and set(formats[1:]) == {"json_object"}
    assert model.requests[-1].body["response_format"]["schema"]["title"] in ("SpamVerdict", "EmailReply")
    assert '"is_spam"' in model.requests_for(SPAM_AGENT)[-1].body["messages"][0]["content"]
    assert "rejected the json_schema response format" in server.log()


def test_azure_openai_deployment_paths(tmp_path: Path, smtp: SmtpServer, model: ScriptedModelServer) -> None:
    settings = {
        "AZURE_OPENAI_ENDPOINT": model.azure_endpoint,
        "AZURE_OPENAI_API_KEY": "test-key",
        "AZURE_OPENAI_MODEL": "gpt-test",
        "MODEL_TIMEOUT_SECONDS": "5",
    }
    server = new_app_host(tmp_path, smtp.port, **settings).start()
    try:
        assert finish(server, start_flow(server, "research", {"topic": "azure paths"}))["runtimeStatus"] == "Completed"
    finally:
        server.stop()
    assert {r.path for r in model.requests} == {"/openai/deployments/gpt-test/chat/completions"}


def test_an_unreachable_endpoint_fails_after_the_retries_saying_connection_refused(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    closed = free_port()
    server = new_app_host(tmp_path, smtp.port, **scripted_settings(f"http://127.0.0.1:{closed}/v1")).start()
    try:
        message = failure(finish(server, start_flow(server, "spam-detection", ham("unreachable"))))
    finally:
        server.stop()
    assert f"{SPAM_AGENT} failed after 3 attempts: connection refused to 127.0.0.1:{closed}" in message
    assert f"Could not list the models at http://127.0.0.1:{closed}/v1/models" in server.log()  # the start went on


def test_response_times_are_measured_by_the_hosts_clock_not_the_servers_second(
    host: DevHost, model: ScriptedModelServer
) -> None:
    instance_id = start_flow(host, "research", {"topic": "clock skew"})
    assert finish(host, instance_id)["runtimeStatus"] == "Completed"
    code, sessions = host.request("GET", f"{API}/entities/dafx-summaryagent")
    assert code == 200
    [entries] = [
        s["state"]["data"]["conversationHistory"]
        for s in sessions
        if any(e.get("orchestrationId") == instance_id for e in s["state"]["data"]["conversationHistory"])
    ]
    request, response = entries
    asked, answered = (datetime.fromisoformat(e["createdAt"].replace("Z", "+00:00")) for e in (request, response))
    [completed] = [e["Timestamp"] for e in history(host, instance_id) if e["EventType"] == "ExecutionCompleted"]
    assert answered.microsecond != 0  # the server's `created` is a whole second
    assert asked <= answered <= datetime.fromisoformat(completed.replace("Z", "+00:00"))  # the flow ended after it


def test_the_dashboard_counts_failed_calls_under_the_agents_name_and_missing_usage_as_unknown(
    host: DevHost, model: ScriptedModelServer
) -> None:
    model.fail("status", agent=SPAM_AGENT, times=None, status=401, message="Incorrect API key provided")
    failure(finish(host, start_flow(host, "spam-detection", ham("dashboard-401"))))
    code, metrics = host.request("GET", "/dashboard/api/metrics")
    assert code == 200
    agents = {row["agent"]: row for row in metrics["agents"]}
    assert "spamdetectionagent" not in agents and agents[SPAM_AGENT]["errors"] >= 1

    model.reset()
    model.fail("no_usage", agent=SUMMARY, times=None)
    instance_id = start_flow(host, "research", {"topic": "uncounted tokens"})
    assert finish(host, instance_id)["runtimeStatus"] == "Completed"
    code, listing = host.request("GET", f"/dashboard/api/agents?agent={SUMMARY}")
    [session] = [s for s in listing["sessions"] if instance_id in s["orchestrationIds"]]
    assert session["tokens"] is None  # unknown, not "0 tokens"


# -- a server like llama-cpp-python's with a small model: every flow completes with the default settings ---------


@pytest.fixture(scope="module")
def llama() -> Iterator[ScriptedModelServer]:
    server = ScriptedModelServer(LLAMA_CPP_PYTHON).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def llama_host(
    tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer, llama: ScriptedModelServer
) -> Iterator[DevHost]:
    settings = scripted_settings(llama.base_url, MODEL_TIMEOUT_SECONDS="8", MODEL_MAX_OUTPUT_TOKENS="256")
    server = new_app_host(tmp_path_factory.mktemp("llama"), smtp.port, **settings).start()
    yield server
    server.stop()


def test_every_flow_completes_on_a_llama_cpp_python_like_server(
    llama_host: DevHost, llama: ScriptedModelServer, smtp: SmtpServer
) -> None:
    spam = finish(llama_host, start_flow(llama_host, "spam-detection", PHISHING))
    assert spam["runtimeStatus"] == "Completed" and spam["output"]["branch"] == "spam", spam
    assert "Verify your account" in Path(spam["output"]["quarantine"]["location"]).read_text()
    personal = finish(llama_host, start_flow(llama_host, "spam-detection", ham("llama")))
    assert personal["runtimeStatus"] == "Completed" and personal["output"]["branch"] == "legitimate", personal
    assert replies_to(smtp, "llama") == 1
    research = finish(llama_host, start_flow(llama_host, "research", {"topic": "small models"}))
    assert research["runtimeStatus"] == "Completed" and set(research["output"]["sections"]) == {
        "technical",
        "market",
        "competitor",
    }

    reviewer = "llama-reviewer@contoso.com"
    instance_id = start_flow(
        llama_host, "content", {"topic": "local inference", "reviewer": reviewer, "timeout_hours": 1}
    )
    llama_host.wait_for(instance_id, ("Running",), predicate=awaiting_review, timeout=60)
    assert mails_to(smtp, reviewer) == 1
    code, decided = llama_host.request(
        "POST", f"/api/content/{instance_id}/decision", {"approved": True, "feedback": "Ship it"}
    )
    assert code == 202 and decided["applied"] is True, decided
    content = finish(llama_host, instance_id)
    assert content["runtimeStatus"] == "Completed" and content["output"]["status"] == "published", content

    # json_schema was refused once (HTTP 500), then every request carried the schema in a json_object format
    [refused, *accepted] = llama.requests
    assert refused.fault == "no_json_schema" and refused.body["response_format"]["type"] == "json_schema"
    assert all(
        r.body["response_format"]["type"] == "json_object" and r.body["response_format"]["schema"] for r in accepted
    )
    assert all(r.body.get("max_tokens") == 256 and "max_completion_tokens" not in r.body for r in llama.requests)
    log = llama_host.log()
    assert "rejected the json_schema response format" in log and "Input should be 'text' or 'json_object'" in log
    assert "Model 'scripted' is not among the models" in log and "SmolLM2-135M-Instruct" in log


def test_a_runaway_answer_stops_at_the_cap_so_the_single_slot_serves_the_retry(
    llama_host: DevHost, llama: ScriptedModelServer
) -> None:
    llama.reset()
    # 256 tokens at 0.04 s each: the server generates for 10 s after the client gave up at 8 s; uncapped, for ever.
    llama.fail("runaway", agent=SUMMARY, seconds_per_token=0.04)
    status = finish(llama_host, start_flow(llama_host, "research", {"topic": "runaway generation"}))
    assert status["runtimeStatus"] == "Completed", status
    [runaway, retry] = llama.requests_for(SUMMARY)
    assert runaway.fault == "runaway" and runaway.body["max_tokens"] == 256 and retry.fault is None
    assert retry.body["messages"] == runaway.body["messages"]


def test_a_repair_turn_shows_in_the_custom_status_and_the_log_while_it_runs(
    llama_host: DevHost, llama: ScriptedModelServer
) -> None:
    llama.reset()
    release = threading.Event()
    llama.fail("override", agent=REPLY_AGENT, values={"body": " "})
    llama.fail("hang", agent=REPLY_AGENT, skip=1, seconds=7, until=release)  # the repair turn waits for the test
    instance_id = start_flow(llama_host, "spam-detection", ham("visible-repair"))
    try:
        running = llama_host.wait_for(
            instance_id, ("Running",), predicate=lambda s: "repairing" in (s["customStatus"] or {})
        )
    finally:
        release.set()
    [repair] = running["customStatus"]["repairing"]
    assert repair["agent"] == REPLY_AGENT and repair["reason"].startswith("the answer did not match EmailReply: body")
    assert running["customStatus"]["stage"] == "drafting_reply"
    assert f"{instance_id}: {REPLY_AGENT}'s answer could not be used" in llama_host.log()
    status = finish(llama_host, instance_id)
    assert status["runtimeStatus"] == "Completed" and "repairing" not in status["customStatus"]


def test_a_refused_response_format_with_no_other_to_try_fails_at_once_without_the_servers_internals(
    tmp_path: Path, smtp: SmtpServer, llama: ScriptedModelServer
) -> None:
    llama.reset()
    settings = scripted_settings(llama.base_url, MODEL_RESPONSE_FORMAT="json_schema")
    server = new_app_host(tmp_path, smtp.port, **settings).start()
    try:
        status = finish(server, start_flow(server, "spam-detection", ham("strict-format")))
    finally:
        server.stop()
    message = failure(status)
    assert f"{SPAM_AGENT} failed: HTTP 500 from http://127.0.0.1" in message and "not retried" in message
    assert "Input should be 'text' or 'json_object'" in message and "MODEL_RESPONSE_FORMAT=auto" in message
    assert "Traceback" not in message and "/opt/llama-venv" not in message and "line 376" not in message
    assert len(llama.requests) == 1
