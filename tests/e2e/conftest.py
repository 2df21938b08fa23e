"""The real function_app.py on the local host, with a real SMTP server catching its mail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from devhost.process import REPO, DevHost
from tests.model_server import ScriptedModelServer
from tests.smtp import SmtpServer, running_smtp_server

API = "/runtime/webhooks/durabletask"


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def model() -> Iterator[ScriptedModelServer]:
    """The scripted OpenAI-compatible server, one per test module (tests script its faults)."""
    server = ScriptedModelServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("app-data")


def app_settings(data_dir: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        "LOCAL_DATA_DIR": str(data_dir),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "CONTENT_STORAGE_CONNECTION_STRING": "",
        "OFFLINE_MODEL_LATENCY_MS": "0",
        "ACTIVITY_FIRST_RETRY_SECONDS": "0.5",  # retries in test time; the backoff doubles it per attempt
        "SMTP_TIMEOUT_SECONDS": "2",
        "REVIEW_MIN_DEADLINE_SECONDS": "0.1",  # reviews of under a second (0.0002 hours) play out escalation and expiry
        **extra,
    }


def new_app_host(
    folder: Path,
    smtp_port: int,
    latency_ms: int = 0,
    data_dir: Path | None = None,
    app: str = "function_app",
    **settings: str,
) -> DevHost:
    """A host of its own (not yet started) for the real app (or a test variant of it, `app`): database and log
    under `folder`, data there too unless `data_dir` says otherwise; `settings` add app settings."""
    return DevHost(
        app,
        REPO,
        folder / "db.sqlite",
        folder / "host.log",
        app_settings(data_dir or folder / "data", smtp_port, OFFLINE_MODEL_LATENCY_MS=str(latency_ms), **settings),
    )


@pytest.fixture(scope="session")
def app_host(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer, data_dir: Path) -> Iterator[DevHost]:
    host = new_app_host(tmp_path_factory.mktemp("app-host"), smtp.port, data_dir=data_dir).start()
    yield host
    host.stop()


def start_flow(host: DevHost, route: str, body: object) -> str:
    code, reply = host.request("POST", f"/api/{route}/run", body)
    assert code == 202, reply
    assert reply["statusUrl"].endswith(f"/api/orchestrations/{reply['id']}")
    return reply["id"]


def agent_requests(host: DevHost, agent: str) -> list[str]:
    """Correlation ids of every request in every session of one agent, as its entities store them."""
    code, sessions = host.request("GET", f"{API}/entities/dafx-{agent.lower()}")
    assert code == 200
    return [
        entry["correlationId"]
        for session in sessions
        for entry in session["state"]["data"]["conversationHistory"]
        if entry["$type"] == "request"
    ]


def awaiting_review(status: dict[str, Any]) -> bool:
    return (status.get("customStatus") or {}).get("stage") == "awaiting_approval"


def history(host: DevHost, instance_id: str) -> list[dict[str, Any]]:
    return host.status(instance_id, history=True)["historyEvents"]


def stored_draft(host: DevHost, reference: dict[str, Any]) -> dict[str, Any]:
    """The whole draft behind a reference in a content workflow's custom status or output, read from its url."""
    assert reference["url"].startswith(f"{host.url}/api/content/"), reference["url"]  # the host's own address
    code, draft = host.request("GET", reference["url"][len(host.url) :])
    assert code == 200, draft
    return draft


LINK = re.compile(r"^  (http://\S+/api/review/[^\s]+?)\r?$", re.MULTILINE)


def review_link(host: DevHost, mail: Message) -> str:
    """The page link of a review mail, as a path on the host (the mail names the host's own address)."""
    [url] = LINK.findall(mail.get_content())
    assert url.startswith(host.url + "/api/review/"), url
    return url[len(host.url) :]


def awaiting(host: DevHost, instance_id: str, round_number: int) -> None:
    host.wait_for(
        instance_id,
        ("Running",),
        predicate=lambda s: (
            (s.get("customStatus") or {}).get("stage") == "awaiting_approval"
            and s["customStatus"]["round"] == round_number
        ),
    )


def page(host: DevHost, path: str, decision: str | None = None, feedback: str = "") -> tuple[int, Message, str]:
    form = None if decision is None else urlencode({"decision": decision, "feedback": feedback}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
    code, response_headers, body = host.exchange("POST" if form else "GET", path, form, headers)
    return code, response_headers, body.decode()
