"""Run the local host as a child process: free port, its own database, SIGKILL on demand (tests, benchmarks)."""

from __future__ import annotations

import functools
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DevHost:
    """One ``python -m devhost`` process; restartable on the same database to test crash recovery."""

    def __init__(
        self,
        app: str,
        root: Path,
        database: Path,
        log_path: Path,
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
        open_files: tuple[int, int] | None = None,
    ):
        self.app, self.root, self.database, self.log_path = app, root, database, log_path
        self.env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        self.args = args or []  # more command-line options
        self.open_files = open_files  # the soft and hard limit on open files the process starts with
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> DevHost:
        log = self.log_path.open("ab")
        limit = (
            None
            if self.open_files is None
            else functools.partial(resource.setrlimit, resource.RLIMIT_NOFILE, self.open_files)
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devhost",
                "--app",
                self.app,
                "--root",
                str(self.root),
                "--port",
                str(self.port),
                "--db",
                str(self.database),
                *self.args,
            ],
            cwd=self.root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=limit,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"devhost exited with {self.process.returncode}:\n{self.log()}")
            try:  # the port is bound before the app loads: ready once the durable API answers
                urllib.request.urlopen(f"{self.url}/runtime/webhooks/durabletask/instances?top=1", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"devhost did not answer on {self.port}:\n{self.log()}")

    def successor(self, env: dict[str, str] | None = None) -> DevHost:
        """A new host (not yet started) on the same database and log, as after a restart; ``env`` adds settings."""
        return DevHost(
            self.app, self.root, self.database, self.log_path, {**self.env, **(env or {})}, self.args, self.open_files
        )

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush; what was not committed is lost."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- HTTP helpers -----------------------------------------------------------------

    def request(
        self, method: str, path: str, body: Any = None, raw: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """A JSON request (``raw`` sends bytes as they are); the status and the decoded body."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        code, _, content = self.exchange(method, path, data, {"Content-Type": "application/json", **(headers or {})})
        return code, _decode(content)

    def exchange(
        self, method: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Message, bytes]:
        """One HTTP request as it is sent; the status, the response headers and the raw body."""
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def status(self, instance_id: str, history: bool = False) -> dict[str, Any]:
        query = "?showHistory=true" if history else ""
        code, body = self.request("GET", f"/runtime/webhooks/durabletask/instances/{instance_id}{query}")
        assert code in (200, 202), (code, body)
        return body

    def wait_for(
        self,
        instance_id: str,
        statuses: tuple[str, ...] = ("Completed", "Failed", "Terminated"),
        timeout: float = 30,
        predicate: Any = None,
        poll: float = 0.05,
    ) -> dict[str, Any]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.status(instance_id)
            if status["runtimeStatus"] in statuses and (predicate is None or predicate(status)):
                return status
            time.sleep(poll)
        raise TimeoutError(f"{instance_id} still {status['runtimeStatus']} after {timeout}s:\n{self.log()[-3000:]}")


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return raw.decode(errors="replace")
