"""The local host behaves as the Azure Functions host, its Python worker and the Durable extension do,
for apps written the way the official samples write them: one small test app per point."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from devhost.process import DevHost
from tests.conftest import APPS, wait_until

API = "/runtime/webhooks/durabletask"
StartHost = Callable[..., DevHost]


def test_the_app_object_is_found_whatever_its_name(devhost_factory: StartHost) -> None:
    host = devhost_factory("named_app")
    code, body = host.request("POST", "/api/orchestrators/hello_orchestrator")
    assert code == 202, body
    assert host.wait_for(body["id"])["output"] == ["Hello Tokyo", "Hello Seattle", "Hello London"]


def test_each_function_with_an_unsupported_trigger_is_named_once_at_start(devhost_factory: StartHost) -> None:
    log = devhost_factory("named_app").log().splitlines()
    for name, trigger in (("nightly_cleanup", "timerTrigger"), ("work_queue", "queueTrigger")):
        lines = [line for line in log if f"'{name}'" in line]
        assert len(lines) == 1 and trigger in lines[0] and "does not run on the local host" in lines[0], lines
    # HTTP functions and MCP tools run here, so they are not named.
    assert not [line for line in log if "'hello'" in line or "'http_start'" in line or "'greet_tool'" in line]


def test_a_mimetype_with_parameters_is_answered_as_given(devhost_factory: StartHost) -> None:
    host = devhost_factory("http_app")
    code, headers, body = host.exchange("GET", "/api/mimetype-with-charset")
    assert code == 200 and body.decode() == "héllo"
    assert headers["Content-Type"].startswith("text/plain; charset=utf-8")


def test_a_content_type_set_through_headers_is_kept(devhost_factory: StartHost) -> None:
    host = devhost_factory("http_app")
    code, headers, body = host.exchange("GET", "/api/content-type-header")
    assert (code, headers["Content-Type"], body) == (404, "application/problem+json", b'{"title": "not found"}')


def test_charset_cookies_request_headers_and_strings_reach_the_client(devhost_factory: StartHost) -> None:
    host = devhost_factory("http_app")
    code, headers, body = host.exchange("GET", "/api/csv")
    assert (code, headers["Content-Type"], body) == (200, "text/csv; charset=latin-1", b"a,b\n1,2\n")
    assert headers.get_all("Set-Cookie") == ["session=abc; HttpOnly; Path=/"]
    assert host.exchange("GET", "/api/echo-headers", headers={"X-Tag": "t1"})[2] == b"t1"
    code, headers, body = host.exchange("GET", "/api/plain")
    assert (code, body) == (200, b"just a string") and headers["Content-Type"].startswith("text/plain")


# -- orchestration versioning (host.json defaultVersion, start_new / call_sub_orchestrator version=) ------------


def versioning_app(folder: Path, **durable: object) -> Path:
    """A copy of the versioning sample app whose host.json sets ``durableTask`` to ``durable``."""
    shutil.copytree(APPS / "versioning", folder, dirs_exist_ok=True)
    (folder / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"durableTask": durable}}))
    return folder


def start_versioned(host: DevHost, version: str | None = None) -> str:
    query = f"?version={version}" if version else ""
    code, body = host.request("POST", f"/api/orchestrators/versioned{query}")
    assert code == 202, body
    return body["id"]


def test_an_instance_keeps_its_version_across_a_deployment_and_children_get_the_new_default(
    tmp_path: Path, devhost_factory: StartHost
) -> None:
    root = versioning_app(tmp_path / "app", defaultVersion="1.0")
    host = devhost_factory("function_app", root)
    instance_id = start_versioned(host)
    host.wait_for(instance_id, ("Running",), predicate=lambda s: "TaskCompleted" in str(host.status(instance_id, True)))
    host.stop()
    versioning_app(root, defaultVersion="2.0")  # the next deployment
    upgraded = host.successor().start()
    try:
        assert upgraded.request("POST", f"{API}/instances/{instance_id}/raiseEvent/Continue", {})[0] == 202
        output = upgraded.wait_for(instance_id)["output"]
        assert output == {
            "version": "1.0",
            "greeting": "Hello from A",
            "children": [{"version": "0.9", "parent": instance_id}, {"version": "2.0", "parent": instance_id}],
        }
        newer = start_versioned(upgraded)
        upgraded.wait_for(newer, ("Running",), predicate=lambda s: "Hello from B" in str(upgraded.status(newer, True)))
    finally:
        upgraded.stop()


def test_a_newer_version_than_the_host_runs_waits_by_default_and_fails_when_configured(
    tmp_path: Path, devhost_factory: StartHost
) -> None:
    waiting = devhost_factory("function_app", versioning_app(tmp_path / "reject", defaultVersion="1.0"))
    instance_id = start_versioned(waiting, "1.10")  # 1.10 > 1.0 compared as versions, not as text
    refused = "is greater than the worker version '1.0'"
    wait_until(lambda: refused in waiting.log(), "the engine to look at it and refuse")
    assert waiting.status(instance_id)["runtimeStatus"] == "Pending"

    failing = devhost_factory(
        "function_app", versioning_app(tmp_path / "fail", defaultVersion="1.0", versionFailureStrategy="Fail")
    )
    status = failing.wait_for(start_versioned(failing, "2.0"))
    assert status["runtimeStatus"] == "Failed"
    assert status["output"] == "The orchestration version '2.0' is greater than the worker version '1.0'."
    older = start_versioned(failing, "0.5")
    failing.wait_for(older, ("Running",), predicate=lambda s: "Hello from B" in str(failing.status(older, True)))


# -- failures ------------------------------------------------------------------------------------------------


def test_a_failed_instance_keeps_its_custom_status(devhost_factory: StartHost) -> None:
    host = devhost_factory("failures_app")
    status = host.wait_for(host.request("POST", f"{API}/orchestrators/fails_midway")[1]["id"])
    assert status["runtimeStatus"] == "Failed" and status["customStatus"] == {"stage": "checking"}
    assert status["output"].startswith(
        "Orchestrator function 'fails_midway' failed: Activity function 'explode' failed: ValueError: first"
    )


def test_an_activity_failure_reaches_its_orchestrator_worded_as_in_azure_without_host_frames(
    devhost_factory: StartHost,
) -> None:
    host = devhost_factory("failures_app")
    output = host.wait_for(host.request("POST", f"{API}/orchestrators/catches_activity_error")[1]["id"])["output"]
    reason, _, details = output.partition(" \n ")
    assert reason == "Activity function 'explode' failed: ValueError: disk on fire"
    assert 'failures_app.py", line' in details and "raise ValueError(reason)" in details
    assert "devhost/runtime/engine.py" not in details and "durable_functions" not in details


def test_a_failed_sub_orchestration_fails_its_parent_task_with_the_childs_message(devhost_factory: StartHost) -> None:
    host = devhost_factory("failures_app")
    output = host.wait_for(host.request("POST", f"{API}/orchestrators/catches_child_error")[1]["id"])["output"]
    assert output.startswith("Orchestrator function 'fails_midway' failed: Activity function 'explode' failed")


# -- rewind ------------------------------------------------------------------------------------------------------


def runs(folder: Path, name: str) -> int:
    return len((folder / f"runs-{name}").read_text().splitlines())


@pytest.fixture
def rewinding(devhost_factory: StartHost, tmp_path: Path) -> DevHost:
    return devhost_factory("failures_app", env={"FAILURES_SCRATCH": str(tmp_path)})


def fail_then_rewind(host: DevHost, folder: Path, name: str) -> dict:
    code, started = host.request("POST", f"{API}/orchestrators/{name}")
    assert code == 202 and started["rewindPostUri"].endswith("/rewind?reason={text}&taskHub=default&connection=Storage")
    assert host.wait_for(started["id"])["runtimeStatus"] == "Failed"
    (folder / "fixed").touch()
    assert host.request("POST", f"{API}/instances/{started['id']}/rewind?reason=fixed")[0] == 202
    return host.wait_for(started["id"])


def test_rewind_runs_the_failed_activity_again_and_not_the_ones_that_succeeded(
    rewinding: DevHost, tmp_path: Path
) -> None:
    status = fail_then_rewind(rewinding, tmp_path, "step_then_broken")
    assert (status["runtimeStatus"], status["output"]) == ("Completed", ["first ok", "second ok"])
    assert (runs(tmp_path, "first"), runs(tmp_path, "second")) == (1, 2)
    history = [e["EventType"] for e in rewinding.status(status["instanceId"], history=True)["historyEvents"]]
    assert "GenericEvent" in history and history.count("TaskFailed") == 0
    code, detail = rewinding.request("GET", f"/dashboard/api/orchestrations/{status['instanceId']}")
    assert code == 200 and [s["status"] for s in detail["timeline"]] == ["completed", "completed"]


def test_rewind_queues_again_what_the_failure_abandoned(rewinding: DevHost, tmp_path: Path) -> None:
    status = fail_then_rewind(rewinding, tmp_path, "fan_out_with_a_broken_one")
    assert status["output"] == ["slow ok", "fanned ok"]


def test_rewind_gives_an_exhausted_retry_one_more_attempt(rewinding: DevHost, tmp_path: Path) -> None:
    assert fail_then_rewind(rewinding, tmp_path, "retries_then_gives_up")["output"] == "retried ok"
    assert runs(tmp_path, "retried") == 3


def test_rewind_rewinds_a_failed_sub_orchestration(rewinding: DevHost, tmp_path: Path) -> None:
    status = fail_then_rewind(rewinding, tmp_path, "parent_of_broken")
    assert status["output"] == {"child": ["first ok", "second ok"]}
    assert runs(tmp_path, "first") == 1


def test_rewind_is_for_failed_instances_only(rewinding: DevHost, tmp_path: Path) -> None:
    (tmp_path / "fixed").touch()
    done = rewinding.wait_for(rewinding.request("POST", f"{API}/orchestrators/step_then_broken")[1]["id"])
    code, body = rewinding.request("POST", f"{API}/instances/{done['instanceId']}/rewind?reason=again")
    assert (code, body) == (410, {"error": "The rewind operation is only supported on failed orchestration instances."})
