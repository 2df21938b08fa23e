"""SIGTERM or Ctrl-C stops the host within seconds whatever hangs; the work is redone on the next start."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.process import REPO, DevHost
from tests.conftest import APPS
from tests.dashboard.conftest import OFFLINE

STOP_WITHIN = 8.0  # seconds; the host allows itself 2 for requests in flight and 2 for its loops


def wait_for(condition, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def stop_timed(host: DevHost, signum: signal.Signals) -> float:
    assert host.process is not None
    started = time.perf_counter()
    host.process.send_signal(signum)
    host.process.wait(timeout=30)
    return time.perf_counter() - started


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_host_while_an_activity_an_entity_and_a_request_hang(
    tmp_path: Path, signum: signal.Signals
) -> None:
    host = DevHost(
        "hanging_app", APPS, tmp_path / "db.sqlite", tmp_path / "host.log", {"HANG_SCRATCH": str(tmp_path)}
    ).start()
    code, body = host.request("POST", "/runtime/webhooks/durabletask/orchestrators/stuck")
    assert code == 202
    threading.Thread(
        target=lambda: _ignore_errors(lambda: urllib.request.urlopen(f"{host.url}/api/hang", timeout=60)), daemon=True
    ).start()
    wait_for(lambda: all((tmp_path / m).exists() for m in ("activity-a", "entity-k", "http")))

    assert stop_timed(host, signum) < STOP_WITHIN
    assert host.process is not None and host.process.returncode == 0 and "stopped" in host.log()

    for marker in ("activity-a", "entity-k"):
        (tmp_path / marker).unlink()
    restarted = host.successor().start()
    try:  # nothing of the abandoned work was committed: both run again
        wait_for(lambda: (tmp_path / "activity-a").exists() and (tmp_path / "entity-k").exists())
        assert restarted.status(body["id"])["runtimeStatus"] == "Running"
    finally:
        restarted.kill()


@pytest.fixture
def silent_model() -> Iterator[tuple[str, list[socket.socket]]]:
    """A model endpoint that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(
        target=lambda: _ignore_errors(lambda: [accepted.append(server.accept()[0]) for _ in iter(int, 1)]), daemon=True
    ).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/v1", accepted
    server.close()
    for connection in accepted:
        connection.close()


def test_the_real_app_stops_on_sigterm_while_its_agents_wait_for_a_hanging_model(
    tmp_path: Path, silent_model: tuple[str, list[socket.socket]]
) -> None:
    url, accepted = silent_model
    env = {
        **OFFLINE,
        "OPENAI_API_KEY": "test",
        "OPENAI_BASE_URL": url,
        "OPENAI_CHAT_COMPLETION_MODEL": "gpt-test",
        "LOCAL_DATA_DIR": str(tmp_path / "data"),
    }
    host = DevHost("function_app", REPO, tmp_path / "db.sqlite", tmp_path / "host.log", env).start()
    code, body = host.request("POST", "/api/research/run", {"topic": "hanging models"})
    assert code == 202, body
    wait_for(lambda: len(accepted) >= 3)  # the three research agents are waiting for the model
    assert stop_timed(host, signal.SIGTERM) < STOP_WITHIN
    assert "stopped" in host.log()


def _ignore_errors(action) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(Exception):
        action()
