"""The dashboard in headless Chromium, against the local host running the app.

It drives the real function_app.py when the repository has one (the test app otherwise): the list shows
a finished research run, its timeline shows the three research agents overlapping, a conversation
shows a tool call, and the review form completes a waiting content_approval_workflow.
Screenshots of a failure go to pytest's temporary folder, never into the repository.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.process import REPO, DevHost
from tests.dashboard.conftest import APPS, awaiting_review, start, start_host

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("the browser test needs Debian's chromium (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright (requirements-dev.txt)")

RESEARCHERS = ("TechnicalResearchAgent", "MarketResearchAgent", "CompetitorResearchAgent")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
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
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()


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


def test_conversation_shows_a_tool_call_and_the_review_form_completes_the_workflow(
    app_host: DevHost, page: sync_api.Page
) -> None:
    instance_id = start(app_host, "content", {"topic": "local dashboards"})
    draft = app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)["customStatus"]["draft"]
    page.goto(f"{app_host.url}/dashboard/orchestrations/{instance_id}")

    review = page.locator(".approval")
    sync_api.expect(review.locator(".draft")).to_contain_text(draft["title"])
    sync_api.expect(review.get_by_text(draft["title"], exact=True)).to_have_count(1)  # shown once
    page.locator('.step[data-kind="agent"] a.step-name').first.click()
    sync_api.expect(page).to_have_url(re.compile(r"/dashboard/agents/@dafx-contentgenerationagent@[\w-]+$"))
    sync_api.expect(page.locator(".tool-call").first).to_be_visible()
    sync_api.expect(page.locator(".tool-result").first).to_be_visible()
    sync_api.expect(page.locator(".structured")).to_be_visible()

    page.go_back()
    page.get_by_label("Feedback for the author").fill("Clear and accurate, ship it.")
    page.get_by_role("button", name="Approve").click()
    sync_api.expect(page.locator(".notice")).to_contain_text("approved")
    sync_api.expect(page.locator("h1 .pill")).to_have_text("Completed")
    sync_api.expect(review).to_have_count(0)
    output = app_host.wait_for(instance_id)["output"]
    assert output["status"] == "published" and output["rounds"][0]["decision"]["feedback"] == "Clear and accurate, ship it."



def test_a_second_review_round_shows_its_number_the_feedback_it_answers_and_the_whole_revised_draft(
    app_host: DevHost, page: sync_api.Page
) -> None:
    if APP[0] != "function_app":
        pytest.skip("review rounds are the app's content_approval_workflow")
    instance_id = start(app_host, "content", {"topic": "review rounds on the dashboard"})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    page.goto(f"{app_host.url}/dashboard/orchestrations/{instance_id}")
    review = page.locator(".approval")
    sync_api.expect(review.locator("h2")).to_contain_text("round 1 of 3")
    page.get_by_label("Feedback for the author").fill("Open with a concrete example")
    page.get_by_role("button", name="Reject").click()

    app_host.wait_for(instance_id, ("Running",), predicate=lambda s: awaiting_review(s) and s["customStatus"]["round"] == 2)
    page.reload()
    sync_api.expect(review.locator("h2")).to_contain_text("round 2 of 3")
    sync_api.expect(review.locator(".previous-feedback")).to_contain_text("Feedback on round 1: Open with a concrete example")
    # The whole revised draft, fetched from its stored copy (the custom status holds only an excerpt).
    sync_api.expect(review.locator(".draft-body")).to_contain_text("Open with a concrete example: noted")
    rounds = page.locator('.step[data-name="notify_reviewer"] .round')
    sync_api.expect(rounds).to_have_text(["r1", "r2"])

    page.get_by_role("button", name="Approve").click()
    sync_api.expect(page.locator("h1 .pill")).to_have_text("Completed")
    assert app_host.wait_for(instance_id)["output"]["status"] == "published"


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


def test_a_page_from_another_site_cannot_decide_start_or_terminate(
    app_host: DevHost, page: sync_api.Page, attacker_site: tuple[str, Path]
) -> None:
    instance_id = start(app_host, "content", {"topic": "cross-site requests"})
    app_host.wait_for(instance_id, ("Running",), predicate=awaiting_review)
    before = app_host.request("GET", "/runtime/webhooks/durabletask/instances")[1]
    site, folder = attacker_site
    (folder / "cats.html").write_text(ATTACK.format(host=app_host.url, instance_id=instance_id))

    page.goto(f"{site}/cats.html")
    sync_api.expect(page).to_have_title(re.compile(r"^done "))
    time.sleep(0.5)  # anything the requests set off would have been committed by now
    assert app_host.request("GET", "/runtime/webhooks/durabletask/instances")[1] == before
    status = app_host.status(instance_id)
    assert status["runtimeStatus"] == "Running" and awaiting_review(status)
    assert "from another origin" in app_host.log()

    page.goto(f"{app_host.url}/dashboard/orchestrations/{instance_id}")  # the host's own page still decides
    page.get_by_role("button", name="Reject").click()
    sync_api.expect(page.locator(".notice")).to_contain_text("rejected")
    revised = app_host.wait_for(instance_id, ("Running",), predicate=lambda s: (s["customStatus"] or {}).get("round") == 2)
    assert revised["customStatus"]["decisions"][0]["approved"] is False
    app_host.request("POST", f"/runtime/webhooks/durabletask/instances/{instance_id}/terminate?reason=done")
