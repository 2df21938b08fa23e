"""The dashboard in headless Chromium, against the local host running the app.

It drives the real function_app.py when the repository has one (the test app otherwise): the list shows
a finished research run, its timeline shows the three research agents overlapping, a conversation
shows a tool call, and the admin actions (terminate, suspend, resume, restart, rewind, purge, raise an
event) do what they say once confirmed, and nothing when not; a page from another site cannot use them.
Screenshots of a failure go to pytest's temporary folder, never into the repository.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.process import REPO, DevHost
from tests.browser import chromium_context, require_chromium
from tests.dashboard.conftest import APPS, start, start_host
from tests.e2e.conftest import awaiting_review

sync_api = require_chromium()

RESEARCHERS = ("TechnicalResearchAgent", "MarketResearchAgent", "CompetitorResearchAgent")
API = "/runtime/webhooks/durabletask"
APP = ("function_app", REPO) if (REPO / "function_app.py").exists() else ("mini_app", APPS)


@pytest.fixture(scope="module")
def app_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    folder = tmp_path_factory.mktemp("dashboard-browser")
    # A model latency makes the agents' concurrency visible on the timeline.
    started = start_host(folder, *APP, OFFLINE_MODEL_LATENCY_MS="250", LOCAL_DATA_DIR=str(folder / "data"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sync_api.Page]:
    with chromium_context(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context.new_page()


@pytest.fixture
def page(browser_page: sync_api.Page, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sync_api.Page]:
    yield browser_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        browser_page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)


def test_list_shows_a_finished_research_run_and_its_timeline_overlaps(app_host: DevHost, page: sync_api.Page) -> None:
    instance_id = start(app_host, "research", {"topic": "durable agents"})
    app_host.wait_for(instance_id)
    page.goto(f"{app_host.url}/dashboard")
    row = page.locator(f'tr[data-instance-id="{instance_id}"]')
    sync_api.expect(row.locator(".pill")).to_have_text("Completed")
    sync_api.expect(row).to_contain_text("research_orchestration")

    row.get_by_role("link", name=instance_id).click()
    sync_api.expect(page).to_have_url(f"{app_host.url}/dashboard/orchestrations/{instance_id}")
    bars = [page.locator(f'.step[data-kind="agent"][data-name="{name}"] .bar') for name in RESEARCHERS]
    boxes = []
    for bar in bars:
        sync_api.expect(bar).to_be_visible()
        boxes.append(bar.bounding_box())
    starts, ends = [b["x"] for b in boxes], [b["x"] + b["width"] for b in boxes]
    assert max(starts) < min(ends), f"research agents do not overlap on the timeline: {boxes}"


def test_conversation_shows_a_tool_call_and_its_structured_answer(app_host: DevHost, page: sync_api.Page) -> None:
    instance_id = start(app_host, "content", {"topic": "local dashboards"})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    page.goto(f"{app_host.url}/dashboard/orchestrations/{instance_id}")
    page.locator('.step[data-kind="agent"] a.step-name').first.click()
    sync_api.expect(page).to_have_url(re.compile(r"/dashboard/agents/@dafx-contentgenerationagent@[\w-]+$"))
    sync_api.expect(page.locator(".tool-call").first).to_be_visible()
    sync_api.expect(page.locator(".tool-result").first).to_be_visible()
    sync_api.expect(page.locator(".structured")).to_be_visible()
    app_host.request("POST", f"{API}/instances/{instance_id}/terminate")


def act(page: sync_api.Page, action: str, confirm: bool | None = True) -> sync_api.Locator:
    """Click an admin action, answer its confirmation (None: it must not ask), and return the notice of its result."""
    asked: list[str] = []

    def answer(dialog: sync_api.Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if confirm else dialog.dismiss()

    page.on("dialog", answer)
    try:
        page.locator(f'.admin button[data-action="{action}"]').click()
        notice = page.locator(f'[data-part="notice"] [data-action="{action}"]')
        if confirm is False:
            for _ in range(100):  # the confirmation opens while the click is handled
                if asked:
                    break
                page.wait_for_timeout(50)
        else:
            sync_api.expect(notice).to_be_visible()
    finally:
        page.remove_listener("dialog", answer)
    assert bool(asked) is (confirm is not None), f"{action}: asked {asked} to confirm"
    return notice


def test_admin_actions_suspend_resume_raise_terminate_restart_and_purge_an_orchestration(
    app_host: DevHost, page: sync_api.Page
) -> None:
    instance_id = start(app_host, "content", {"topic": "admin actions"})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    page.goto(f"{app_host.url}/dashboard/orchestrations/{instance_id}")
    pill = page.locator("h1 .pill")
    sync_api.expect(pill).to_have_text("Running")

    act(page, "terminate", confirm=False)
    sync_api.expect(act(page, "suspend")).to_contain_text("Suspend: accepted (202)")  # the first action to land
    assert app_host.status(instance_id)["runtimeStatus"] == "Suspended", "a dismissed confirmation sent nothing"

    sync_api.expect(pill).to_have_text("Suspended")
    sync_api.expect(act(page, "resume")).to_contain_text("Resume: accepted (202)")
    sync_api.expect(pill).to_have_text("Running")

    page.locator("#event-name").fill("Ping")
    page.locator("#event-payload").fill("{not json")
    sync_api.expect(act(page, "raise", confirm=None)).to_contain_text("The payload is not JSON")
    page.locator("#event-payload").fill('{"approved": true, "round": 1, "decided_by": {"role": "reviewer"}}')
    page.locator("#event-name").fill("ApprovalDecision")
    sync_api.expect(act(page, "raise")).to_contain_text("Raise event: accepted (202)")
    ignored = app_host.wait_for(
        instance_id, ("Running",), predicate=lambda s: "did not sign" in (s["customStatus"].get("message") or "")
    )
    assert ignored["customStatus"]["decisions"] == [], "a raw event is delivered, and the app does not believe it"

    page.locator("#action-reason").fill("done with it")
    sync_api.expect(act(page, "terminate")).to_contain_text("Terminate: accepted (202)")
    sync_api.expect(pill).to_have_text("Terminated")
    assert app_host.status(instance_id)["output"] == "done with it"

    restarted = act(page, "restart")
    sync_api.expect(restarted).to_contain_text("started as")
    new_id = restarted.locator("a").inner_text()
    assert new_id != instance_id and app_host.status(new_id)["name"] == "content_approval_workflow"

    sync_api.expect(act(page, "purge")).to_contain_text("Purge: 1 instance(s) deleted")
    assert app_host.request("GET", f"{API}/instances/{instance_id}")[0] == 404
    app_host.request("POST", f"{API}/instances/{new_id}/terminate")


def test_a_failed_orchestration_can_be_rewound_and_its_page_says_why_it_has_no_output(
    app_host: DevHost, page: sync_api.Page
) -> None:
    code, started = app_host.request("POST", f"{API}/orchestrators/content_approval_workflow", {"topic": ""})
    assert code == 202
    assert app_host.wait_for(started["id"])["runtimeStatus"] == "Failed"
    page.goto(f"{app_host.url}/dashboard/orchestrations/{started['id']}")
    sync_api.expect(page.locator(".grid")).to_contain_text("None: the orchestration failed (see Failure).")
    sync_api.expect(page.locator(".admin button")).to_have_text(["Rewind", "Restart", "Purge"])
    sync_api.expect(act(page, "rewind")).to_contain_text("Rewind: accepted (202)")
    assert app_host.wait_for(started["id"])["runtimeStatus"] == "Failed"  # the same input fails the same way


ATTACK = """<!doctype html><title>cute cats</title><script>
const host = "{host}", id = "{instance_id}";
const post = (path, body) => fetch(host + path, {{method: "POST", mode: "no-cors", body,
  headers: {{"Content-Type": "text/plain"}}}});
Promise.allSettled([
  post(`/api/content/${{id}}/decision`, JSON.stringify({{approved: false, feedback: "rejected by a stranger"}})),
  post(`/api/spam-detection/run`, JSON.stringify({{content: "hello", sender: "Boss <victim@example.org>"}})),
  post(`/runtime/webhooks/durabletask/instances/${{id}}/terminate?reason=evil`, ""),
  fetch(host + "/dashboard/api/orchestrations").then((r) => r.text()),
]).then((outcomes) => {{ document.title = "done " + outcomes.map((o) => o.status).join(","); }});
</script>"""


@pytest.fixture
def attacker_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Another web site on this machine (localhost is a different site from 127.0.0.1, where the host is)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("localhost", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}", tmp_path
    server.shutdown()


def test_a_page_from_another_site_cannot_decide_start_suspend_or_terminate(
    app_host: DevHost, page: sync_api.Page, attacker_site: tuple[str, Path]
) -> None:
    instance_id, twin = (start(app_host, "content", {"topic": f"cross-site requests {n}"}) for n in (1, 2))
    for waiting in (instance_id, twin):
        app_host.wait_for(waiting, ("Running",), predicate=awaiting_review)
    before = app_host.request("GET", "/runtime/webhooks/durabletask/instances")[1]
    site, folder = attacker_site
    (folder / "cats.html").write_text(ATTACK.format(host=app_host.url, instance_id=instance_id))

    page.goto(f"{site}/cats.html")
    sync_api.expect(page).to_have_title(re.compile(r"^done "))  # every request has been answered
    assert app_host.request("GET", "/runtime/webhooks/durabletask/instances")[1] == before
    # A decision the host had let through would have been stored before its answer; the twin's own decision, sent
    # after it, has been applied once the twin is published, so the dispatcher has been through its queue since.
    assert app_host.request("POST", f"/api/content/{twin}/decision", {"approved": True})[0] == 202
    assert app_host.wait_for(twin)["output"]["status"] == "published"
    status = app_host.status(instance_id)
    assert status["runtimeStatus"] == "Running" and awaiting_review(status)
    assert "from another origin" in app_host.log()

    page.goto(f"{app_host.url}/dashboard/orchestrations/{instance_id}")  # the host's own page still acts
    sync_api.expect(act(page, "terminate")).to_contain_text("Terminate: accepted (202)")
    assert app_host.wait_for(instance_id)["runtimeStatus"] == "Terminated"
