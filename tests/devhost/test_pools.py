"""Activities and agent calls (entities) run in pools of their own, sized by host.json as in the Durable
extension: slow activities filling every activity slot never hold up an agent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from devhost.process import DevHost
from tests.conftest import APPS, wait_until

API = "/runtime/webhooks/durabletask"


def test_an_agent_answers_while_slow_activities_fill_every_activity_slot(
    devhost_factory: Callable[..., DevHost], tmp_path: Path
) -> None:
    host = devhost_factory("function_app", APPS / "pools", {"POOLS_SCRATCH": str(tmp_path)})
    mails = [host.request("POST", f"{API}/orchestrators/mail", f"r{n}@example.com")[1]["id"] for n in range(4)]
    wait_until(lambda: len(list(tmp_path.glob("sending-*"))) >= 2, "two mails to be sending")

    question = host.request("POST", f"{API}/orchestrators/ask", "the weather")[1]["id"]
    assert host.wait_for(question, timeout=10)["output"] == "answer to the weather"
    assert all(host.status(m)["runtimeStatus"] == "Running" for m in mails)
    # The engine dispatched work for a whole orchestration meanwhile, yet no third activity started:
    assert len(list(tmp_path.glob("sending-*"))) == 2  # maxConcurrentActivityFunctions

    (tmp_path / "smtp-answers").touch()
    assert [host.wait_for(m)["output"] for m in mails] == [f"sent to r{n}@example.com" for n in range(4)]
