"""Azure's limits on durable state hold on the local host too, with the errors Azure gives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devhost.process import DevHost
from devhost.runtime.limits import MAX_MESSAGE_BYTES
from tests.conftest import module_host

API = "/runtime/webhooks/durabletask"
RPC = "/durabletask"
TOO_BIG = "The UTF-16 size of the JSON-serialized payload must not exceed 16 KB. The current payload size is 17 KB."


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    yield from module_host(tmp_path_factory, "limits_app")


def run(host: DevHost, name: str, payload: object) -> dict:
    code, body = host.request("POST", f"{API}/orchestrators/{name}", payload)
    assert code == 202, body
    return host.wait_for(body["id"])


# 16 KB of UTF-16, measured on compact JSON as the extension does: a JSON string of n characters of the
# basic plane weighs 2 * (n + 2) bytes, whole KB rounded down, so 8,701 fit and 8,702 do not. An emoji is
# two UTF-16 units. Counting escaped ASCII JSON (Python's default) would refuse the accented ones.
@pytest.mark.parametrize(("char", "fits", "too_many"), [("x", 8701, 8702), ("é", 8701, 8702), ("😀", 4350, 4351)])
def test_custom_status_is_held_to_16_kb_of_utf16(host: DevHost, char: str, fits: int, too_many: int) -> None:
    status = run(host, "status_of_size", {"char": char, "count": fits})
    assert status["runtimeStatus"] == "Completed" and status["customStatus"] == char * fits
    status = run(host, "status_of_size", {"char": char, "count": too_many})
    assert status["runtimeStatus"] == "Failed" and status["customStatus"] == "before"
    assert status["output"] == f"Orchestrator function 'status_of_size' failed: {TOO_BIG}"


def test_an_orchestration_output_over_one_mib_fails_the_instance(host: DevHost) -> None:
    assert run(host, "output_of_size", MAX_MESSAGE_BYTES - 2)["runtimeStatus"] == "Completed"
    status = run(host, "output_of_size", MAX_MESSAGE_BYTES)
    assert status["runtimeStatus"] == "Failed"
    assert (
        "The orchestration output is 1,048,578 bytes; Durable Task Scheduler messages are limited to 1 MiB"
        in (status["output"])
    )


def test_an_activity_result_over_one_mib_fails_the_task(host: DevHost) -> None:
    assert run(host, "activity_result_of_size", 1000)["output"] == 1000
    assert run(host, "activity_result_of_size", MAX_MESSAGE_BYTES)["output"] == (
        "Activity function 'text_of' failed: LimitExceeded: The result of activity 'text_of' is 1,048,578 bytes; "
        "Durable Task Scheduler messages are limited to 1 MiB (1,048,576 bytes). Keep large data in storage and "
        "pass a reference."
    )


def test_an_event_or_input_over_one_mib_is_refused(host: DevHost) -> None:
    code, body = host.request("POST", f"{API}/orchestrators/output_of_size", "x" * MAX_MESSAGE_BYTES)
    assert code == 400 and body["error"].startswith("The orchestration input is 1,048,578 bytes")
    code, body = host.request("POST", f"{API}/orchestrators/waits")
    code, refused = host.request("POST", f"{API}/instances/{body['id']}/raiseEvent/Go", "x" * MAX_MESSAGE_BYTES)
    assert code == 400 and refused["error"].startswith("The data of event 'Go' is 1,048,578 bytes")
    assert host.request("POST", f"{API}/instances/{body['id']}/raiseEvent/Go", "fits")[0] == 202
    assert host.wait_for(body["id"])["output"] == "fits"


@pytest.mark.parametrize(
    ("instance_id", "message"),
    [
        ("a" * 257, "Instance ID lengths must not exceed 256 characters."),
        ("@entity", "Orchestration instance ids must not start with @."),
        ("tab%09in-id", "Orchestration instance ids must not contain /, \\, #, ?, or control characters."),
        ("hash%23in-id", "Orchestration instance ids must not contain /, \\, #, ?, or control characters."),
    ],
)
def test_an_instance_id_azure_refuses_is_refused(host: DevHost, instance_id: str, message: str) -> None:
    assert host.request("POST", f"{API}/orchestrators/output_of_size/{instance_id}", 1) == (400, {"error": message})
    code, body = host.request("POST", f"{RPC}/orchestrators/output_of_size/{instance_id}", "1")
    assert code == 400 and body["ExceptionMessage"] == message  # what the SDK's start_new raises
    assert run(host, "output_of_size", 1)["runtimeStatus"] == "Completed"
    ok = "a" * 256
    assert host.request("POST", f"{API}/orchestrators/output_of_size/{ok}", 1)[0] == 202
    assert host.wait_for(ok)["runtimeStatus"] == "Completed"
