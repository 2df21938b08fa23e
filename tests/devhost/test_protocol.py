"""Each durable feature, driven over real HTTP against the local host running a small test app."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.process import DevHost
from devhost.runtime.invoke import LOGGED_REASON, failure_line
from devhost.store import events as ev
from tests.conftest import APPS, wait_until

API = "/runtime/webhooks/durabletask"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    folder = tmp_path_factory.mktemp("protocol")
    server = DevHost(
        "protocol_app", APPS, folder / "db.sqlite", folder / "host.log", {"PROTOCOL_SCRATCH": str(folder)}
    ).start()
    yield server
    server.stop()


def start(host: DevHost, name: str, payload: object = None, instance_id: str | None = None) -> str:
    query = f"?id={instance_id}" if instance_id else ""
    code, body = host.request("POST", f"/api/start/{name}{query}", payload)
    assert code == 202, body
    return body["id"]


def activity_done(host: DevHost, instance_id: str) -> bool:
    return "TaskCompleted" in [e["EventType"] for e in host.status(instance_id, history=True)["historyEvents"]]


def run(host: DevHost, name: str, payload: object = None) -> dict:
    return host.wait_for(start(host, name, payload))


# -- HTTP functions -----------------------------------------------------------------------------


def test_route_templates_typed_optional_and_catch_all(host: DevHost) -> None:
    assert host.request("GET", "/api/items/42?q=x") == (200, {"id": 42, "q": "x"})
    assert host.request("GET", "/api/items/abc")[0] == 404  # {id:int} does not match letters
    assert host.request("GET", "/api/files/a/b/c.txt") == (200, "a/b/c.txt")
    assert host.request("GET", "/api/greet/ann") == (200, "hello ann via GET (-)")
    assert host.request("POST", "/api/greet", raw=b"bob") == (200, "hello bob via POST (-)")


def test_wrong_method_and_unknown_route_are_json_errors(host: DevHost) -> None:
    code, body = host.request("DELETE", "/api/items/1")
    assert code == 405 and "not allowed" in body["error"]
    code, body = host.request("GET", "/api/nothing/here")
    assert code == 404 and "no function" in body["error"]


def test_durable_client_binding_reads_status_through_rpc(host: DevHost) -> None:
    instance_id = run(host, "sequence", 1)["instanceId"]
    assert host.request("GET", f"/api/status/{instance_id}") == (200, {"runtimeStatus": "Completed"})


# -- orchestrations -----------------------------------------------------------------------------


def test_sequence_of_activities_replays_to_the_right_result(host: DevHost) -> None:
    status = run(host, "sequence", 3)
    assert status["runtimeStatus"] == "Completed" and status["output"] == 96


def test_fan_out_runs_every_activity(host: DevHost) -> None:
    assert run(host, "fan_out", 20)["output"] == sum(i * 2 for i in range(20))


def test_external_event_beats_timer_and_cancels_it(host: DevHost) -> None:
    instance_id = start(host, "race", 60)
    host.wait_for(instance_id, ("Running",), predicate=lambda s: s["customStatus"] == {"waiting_for": "Go"})
    assert host.request("POST", f"{API}/instances/{instance_id}/raiseEvent/Go", {"ok": 1})[0] == 202
    status = host.wait_for(instance_id)
    assert status["output"] == {"winner": "event", "value": {"ok": 1}}
    pending = host.request("GET", f"{API}/instances/{instance_id}?showHistory=true")[1]["historyEvents"]
    assert [e["EventType"] for e in pending].count("TimerCreated") == 1
    assert "TimerFired" not in [e["EventType"] for e in pending]


def test_timer_wins_when_no_event_comes(host: DevHost) -> None:
    assert run(host, "race", 0.5)["output"] == {"winner": "timer"}


def test_event_raised_before_the_orchestrator_waits_is_kept(host: DevHost) -> None:
    instance_id = start(host, "early_event")
    assert host.request("POST", f"{API}/instances/{instance_id}/raiseEvent/Early", "first")[0] == 202
    assert host.wait_for(instance_id)["output"] == "first"


def test_retry_reschedules_a_failing_activity(host: DevHost) -> None:
    status = run(host, "with_retry", "r1")
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] == ["r1 ok after 3", 42]


def test_retries_used_up_fail_the_task_right_after_the_last_attempt_each_logged_with_its_cause(host: DevHost) -> None:
    status = run(host, "too_few_retries", "r2")
    assert status["runtimeStatus"] == "Failed" and "attempt 2 failed" in status["output"]

    events = host.status(status["instanceId"], history=True)["historyEvents"]
    assert [e["EventType"] for e in events].count("TaskScheduled") == 2
    assert [e["EventType"] for e in events].count("TaskFailed") == 2
    # As the Durable Task Framework does: the retry's backoff timer, then after the last attempt a timer that
    # fires at once (not one more interval), whose firing fails the task.
    waits = [
        ev.parse_timestamp(e["FireAt"]) - ev.parse_timestamp(e["Timestamp"])
        for e in events
        if e["EventType"] == "TimerCreated"
    ]
    assert waits == pytest.approx([0.1, 0.0], abs=1e-5)
    instance_id = status["instanceId"]
    assert re.search(
        rf"activity flaky for {instance_id} failed \([\d.]+ ms\): RuntimeError: attempt 2 failed$", host.log(), re.M
    )


def test_a_failed_activity_is_logged_on_one_short_line() -> None:
    reason = "Activity function 'send' failed: TransientFailure: line one\n  line two " + "x" * 500
    line = failure_line("send", {"Reason": reason})
    assert line.startswith("TransientFailure: line one line two xxx") and line.endswith("…")
    assert len(line) == LOGGED_REASON and "\n" not in line


def test_sub_orchestration_result_reaches_parent(host: DevHost) -> None:
    assert run(host, "parent")["output"] == {"child": 96}


def test_continue_as_new_restarts_with_new_input(host: DevHost) -> None:
    status = run(host, "countdown", 5)
    assert status["output"] == "liftoff" and status["input"] == 0


def test_orchestrator_exception_fails_with_message_and_stack(host: DevHost) -> None:
    status = run(host, "boom")
    assert status["runtimeStatus"] == "Failed"
    assert status["output"] == "Orchestrator function 'boom' failed: the orchestrator gave up on purpose"
    completed = host.status(status["instanceId"], history=True)["historyEvents"][-2]
    assert completed["EventType"] == "ExecutionCompleted" and completed["Result"] == status["output"]
    assert completed["Details"].startswith("Traceback") and "protocol_app.py" in completed["Details"]
    assert (
        "devhost/runtime/episode.py" not in completed["Details"]
        and "TaskOrchestrationExecutor" not in completed["Details"]
    )


def test_entities_signal_call_and_persist_state(host: DevHost) -> None:
    assert run(host, "entity_user", "k1")["output"] == 15
    assert host.request("GET", f"{API}/entities/counter/k1") == (200, 15)
    assert host.request("POST", f"{API}/entities/counter/k1", 5)[0] == 400  # no operation named
    assert host.request("POST", f"{API}/entities/nobody/k1?op=add", 5)[0] == 404
    assert host.request("POST", f"{API}/entities/counter/k1?op=add", 5)[0] == 202
    wait_until(lambda: host.request("GET", f"{API}/entities/counter/k1") == (200, 20), "the signal to add 5")


def test_custom_status_terminate_suspend_resume(host: DevHost) -> None:
    instance_id = start(host, "race", 600)
    host.wait_for(instance_id, ("Running",), predicate=lambda s: s["customStatus"] is not None)
    assert host.request("POST", f"{API}/instances/{instance_id}/suspend?reason=pause")[0] == 202
    assert host.status(instance_id)["runtimeStatus"] == "Suspended"
    assert host.request("POST", f"{API}/instances/{instance_id}/resume?reason=go")[0] == 202
    assert host.request("POST", f"{API}/instances/{instance_id}/terminate?reason=enough")[0] == 202
    status = host.wait_for(instance_id)
    assert status["runtimeStatus"] == "Terminated" and status["output"] == "enough"
    assert host.request("POST", f"{API}/instances/{instance_id}/raiseEvent/Go", 1)[0] == 410


def test_calling_an_unknown_entity_fails_with_a_clear_message(host: DevHost) -> None:
    status = run(host, "ghost_caller")
    assert status["runtimeStatus"] == "Failed" and "no entity function named 'ghost'" in status["output"]


def test_events_wait_while_suspended_and_apply_on_resume(host: DevHost) -> None:
    held, twin = start(host, "race", 600), start(host, "race", 600)
    for instance_id in (held, twin):
        host.wait_for(instance_id, ("Running",), predicate=lambda s: s["customStatus"] == {"waiting_for": "Go"})
    assert host.request("POST", f"{API}/instances/{held}/suspend?reason=hold")[0] == 202
    suspended = host.status(held, history=True)
    assert suspended["runtimeStatus"] == "Suspended"
    assert host.request("POST", f"{API}/instances/{held}/raiseEvent/Go", "late")[0] == 202
    # The same event, raised after it to a twin that is not suspended: once the twin has run with its event, the
    # dispatcher has been through its queue after the held event was stored (each pass takes every ready instance).
    assert host.request("POST", f"{API}/instances/{twin}/raiseEvent/Go", "on time")[0] == 202
    assert host.wait_for(twin)["output"] == {"winner": "event", "value": "on time"}
    assert host.status(held, history=True) == suspended  # still Suspended, and its orchestrator did not run
    assert host.request("POST", f"{API}/instances/{held}/resume?reason=go")[0] == 202
    assert host.wait_for(held)["output"] == {"winner": "event", "value": "late"}


def test_restart_runs_the_orchestrator_again_with_its_input(host: DevHost) -> None:
    first = run(host, "sequence", 2)
    code, restarted = host.request("POST", f"{API}/instances/{first['instanceId']}/restart")
    assert code == 202 and restarted["id"] != first["instanceId"]
    assert host.wait_for(restarted["id"])["output"] == first["output"] == 64
    code, body = host.request("POST", f"/api/restart/{first['instanceId']}?new_id=false")  # through the SDK
    assert (code, body) == (200, {"id": first["instanceId"]})
    assert host.wait_for(first["instanceId"])["output"] == 64


def test_start_and_wait_answers_with_the_output(host: DevHost) -> None:
    code, output = host.request("POST", f"{API}/orchestrators/sequence?timeout=20&pollingInterval=0.1", 1)
    assert (code, output) == (200, 32)
    code, body = host.request("POST", f"{API}/orchestrators/race?timeout=0.3&pollingInterval=0.1", 600)
    assert code == 202 and body["statusQueryGetUri"]
    host.request("POST", f"{API}/instances/{body['id']}/terminate?reason=cleanup")
    before = len(host.request("GET", f"{API}/instances")[1])
    code, body = host.request("POST", f"{API}/orchestrators/sequence?timeout=forever&pollingInterval=1", 1)
    assert code == 400 and body["error"].startswith("timeout must be a number of seconds")
    assert len(host.request("GET", f"{API}/instances")[1]) == before  # nothing was started


def test_purge_by_creation_time_and_status_removes_only_ended_instances_that_match(host: DevHost) -> None:
    since = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # after every earlier test's instances
    failed = [run(host, "boom")["instanceId"] for _ in range(3)]
    done = run(host, "sequence", 1)["instanceId"]
    waiting = start(host, "race", 600)
    code, body = host.request("POST", "/api/purge-failed-since", raw=since.replace("Z", "+00:00").encode())
    assert (code, body) == (200, {"deleted": 3})
    assert all(host.request("GET", f"{API}/instances/{i}")[0] == 404 for i in failed)
    assert host.status(done)["runtimeStatus"] == "Completed"
    assert host.request("DELETE", f"{API}/instances?createdTimeFrom={since}&runtimeStatus=Failed")[0] == 404
    assert host.request("DELETE", f"{API}/instances?runtimeStatus=Failed")[0] == 400  # createdTimeFrom is required
    assert host.request("DELETE", f"{API}/instances?createdTimeFrom={since}&runtimeStatus=Running")[0] == 400
    assert host.request("DELETE", f"{API}/instances?createdTimeFrom={since}") == (200, {"instancesDeleted": 1})
    assert host.status(waiting)["runtimeStatus"] == "Running"
    host.request("POST", f"{API}/instances/{waiting}/terminate?reason=cleanup")


def test_status_list_filters_and_purge(host: DevHost) -> None:
    instance_id = run(host, "sequence", 2)["instanceId"]
    code, listed = host.request("GET", f"{API}/instances?runtimeStatus=Completed&instanceIdPrefix={instance_id}")
    assert code == 200 and [s["instanceId"] for s in listed] == [instance_id]
    assert host.request("DELETE", f"{API}/instances/{instance_id}") == (200, {"instancesDeleted": 1})
    assert host.request("GET", f"{API}/instances/{instance_id}")[0] == 404


def test_unknown_orchestrator_and_instance_are_404(host: DevHost) -> None:
    code, body = host.request("POST", f"{API}/orchestrators/no_such_flow", {})
    assert code == 404 and "no_such_flow" in body["error"]
    assert host.request("GET", f"{API}/instances/missing")[0] == 404
    assert host.request("POST", f"{API}/instances/missing/raiseEvent/Go", 1)[0] == 404


@pytest.mark.parametrize("query", ["top=many", "createdTimeFrom=yesterday", "runtimeStatus=Sleeping"])
def test_bad_list_filters_are_400(host: DevHost, query: str) -> None:
    code, body = host.request("GET", f"{API}/instances?{query}")
    assert code == 400 and body["error"]


def test_malformed_body_is_400(host: DevHost) -> None:
    code, body = host.request("POST", f"{API}/orchestrators/sequence", raw=b"{not json")
    assert code == 400 and "not valid JSON" in body["error"]


def test_running_instance_id_cannot_be_reused(host: DevHost) -> None:
    start(host, "race", 600, instance_id="fixed-id")
    code, body = host.request("POST", f"{API}/orchestrators/race/fixed-id", 1)
    assert code == 409 and "already exists" in body["error"]
    host.request("POST", f"{API}/instances/fixed-id/terminate?reason=cleanup")


def test_history_is_in_durable_order(host: DevHost) -> None:
    instance_id = run(host, "sequence", 1)["instanceId"]
    kinds = [e["EventType"] for e in host.status(instance_id, history=True)["historyEvents"]]
    assert kinds[:4] == ["OrchestratorStarted", "ExecutionStarted", "TaskScheduled", "OrchestratorCompleted"]
    assert kinds.count("TaskCompleted") == 5 and kinds[-2] == "ExecutionCompleted"


def test_nondeterministic_replay_fails_naming_the_mismatch(devhost_factory, tmp_path: Path) -> None:
    host = devhost_factory("protocol_app")
    instance_id = start(host, "drifting")
    host.wait_for(instance_id, ("Running",), predicate=lambda s: activity_done(host, s["instanceId"]))
    host.stop()
    drifted = host.successor({"DRIFT": "1"}).start()
    try:
        drifted.request("POST", f"{API}/instances/{instance_id}/raiseEvent/Continue", 1)
        status = drifted.wait_for(instance_id)
        assert status["runtimeStatus"] == "Failed"
        assert "Non-deterministic" in status["output"] and "'double'" in status["output"]
        assert "'flaky'" in status["output"]
    finally:
        drifted.stop()
