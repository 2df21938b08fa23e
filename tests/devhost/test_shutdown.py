"""SIGTERM or Ctrl-C stops the host whatever hangs; the work is redone on the next start."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.process import REPO, DevHost
from tests.conftest import APPS, wait_until
from tests.dashboard.conftest import OFFLINE

GIVE_UP_SECONDS = 60.0  # how long a test waits for the host to exit; what it has in flight hangs for longer


def stop(host: DevHost, signum: signal.Signals) -> None:
    """Send ``signum`` and wait for the host to exit: its work in flight never ends, so it exits only if it stops
    without waiting for that work."""
    assert host.process is not None
    host.process.send_signal(signum)
    try:
        host.process.wait(timeout=GIVE_UP_SECONDS)
    except subprocess.TimeoutExpired:
        host.kill()
        pytest.fail(f"the host still ran {GIVE_UP_SECONDS:g} s after {signum.name}:\n{host.log()[-2000:]}")


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
    wait_until(lambda: all((tmp_path / m).exists() for m in ("activity-a", "entity-k", "http")), "the hangs")

    stop(host, signum)
    assert host.process is not None and host.process.returncode == 0 and "stopped" in host.log()

    for marker in ("activity-a", "entity-k"):
        (tmp_path / marker).unlink()
    restarted = host.successor().start()
    try:  # nothing of the abandoned work was committed: both run again
        wait_until(lambda: (tmp_path / "activity-a").exists() and (tmp_path / "entity-k").exists(), "the work again")
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
        "MODEL_TIMEOUT_SECONDS": "600",  # the calls hang for longer than the test waits for the host to exit
        "LOCAL_DATA_DIR": str(tmp_path / "data"),
    }
    host = DevHost("function_app", REPO, tmp_path / "db.sqlite", tmp_path / "host.log", env).start()
    code, body = host.request("POST", "/api/research/run", {"topic": "hanging models"})
    assert code == 202, body
    wait_until(lambda: len(accepted) >= 3, "the three research agents' calls to the model")
    stop(host, signal.SIGTERM)
    assert "stopped" in host.log()


def _ignore_errors(action) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(Exception):
        action()
