"""A host that cannot start says why in one line and exits; it never runs beside another on one database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from devhost.process import REPO, DevHost, free_port
from tests.conftest import APPS
from tests.dashboard.conftest import OFFLINE


def failed_start(root: Path, app: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Start ``python -m devhost`` expecting it to refuse; the one line it printed about why."""
    proc = subprocess.run(
        [sys.executable, "-m", "devhost", "--app", app, "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "Traceback" not in output, output
    reasons = [line for line in output.splitlines() if line.startswith("devhost: cannot start: ")]
    assert len(reasons) == 1 and output.strip().endswith(reasons[0]), output
    return reasons[0].removeprefix("devhost: cannot start: ")


def test_a_second_host_on_the_same_database_exits_and_the_first_runs_on(
    devhost_factory: Callable[..., DevHost], tmp_path: Path
) -> None:
    first = devhost_factory("protocol_app")
    reason = failed_start(APPS, "protocol_app", "--db", str(first.database), "--port", str(free_port()))
    assert reason.startswith(f"another local host is already running on {first.database}")
    code, body = first.request("POST", "/api/start/sequence", 1)
    assert code == 202 and first.wait_for(body["id"])["output"] == 32


def test_a_busy_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        reason = failed_start(APPS, "protocol_app", "--db", str(tmp_path / "db"), "--port", str(port))
    assert reason.startswith(f"port {port} on 127.0.0.1 is already in use")


def test_half_configured_settings_of_the_app_are_one_line(tmp_path: Path) -> None:
    env = {**OFFLINE, "AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com", "LOCAL_DATA_DIR": str(tmp_path)}
    reason = failed_start(REPO, "function_app", "--db", str(tmp_path / "db"), "--port", str(free_port()), env=env)
    assert reason.startswith("cannot load the app 'function_app': SettingsError: ") and "AZURE_OPENAI_MODEL" in reason


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        ("two_apps", "More than one FunctionApp or other top level function app instances are defined in 'two_apps'."),
        (
            "broken_app",
            "cannot load the app 'broken_app': ValueError: invalid literal for int() with base 10: 'three' "
            "(broken_app.py:6)",
        ),
        (
            "no_such_module",
            "cannot load the app 'no_such_module': ModuleNotFoundError: No module named 'no_such_module'",
        ),
    ],
)
def test_an_app_that_cannot_load_is_one_line_naming_the_place(tmp_path: Path, app: str, expected: str) -> None:
    assert failed_start(APPS, app, "--db", str(tmp_path / "db"), "--port", str(free_port())) == expected


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        ("local.settings.json", "{not json", "local.settings.json is not valid JSON"),
        ("local.settings.json", '{"Values": []}', "local.settings.json: 'Values' must be an object"),
        (
            "host.json",
            '{"extensions": {"durableTask": {"defaultVersion": "1.0", "versionMatchStrategy": "Loose"}}}',
            "durableTask.versionMatchStrategy is 'Loose'; use one of None, Strict, CurrentOrOlder",
        ),
    ],
)
def test_unusable_configuration_files_are_one_line(tmp_path: Path, file: str, text: str, expected: str) -> None:
    (tmp_path / "named_app.py").write_text((APPS / "named_app.py").read_text())
    (tmp_path / file).write_text(text)
    reason = failed_start(tmp_path, "named_app", "--db", str(tmp_path / "db"), "--port", str(free_port()))
    assert expected in reason
