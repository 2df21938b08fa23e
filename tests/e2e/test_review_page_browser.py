"""The review page in headless Chromium, as a reviewer on a phone uses it: the link from the real mail, a form that
works with JavaScript off, and hostile text in the topic, the feedback and the draft that never executes, on the
page or on the dashboard (a beacon on loopback would hear it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.process import DevHost
from tests.browser import Beacon, chromium, require_chromium
from tests.e2e.conftest import awaiting, page, review_link, start_flow
from tests.smtp import SmtpServer

sync_api = require_chromium()
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def beacon() -> Iterator[Beacon]:
    server = Beacon()
    yield server
    server.close()


@pytest.fixture
def browsers(tmp_path: Path) -> Iterator[tuple[sync_api.Page, sync_api.Page]]:
    """A phone-sized Chromium with JavaScript off (the review page must work without it) and a desktop one."""
    with chromium(tmp_path) as open_context:
        phone = open_context(viewport=PHONE, java_script_enabled=False, is_mobile=True).new_page()
        yield phone, open_context().new_page()


def test_a_reviewer_on_a_phone_rejects_then_approves_through_the_links_and_nothing_hostile_runs(
    app_host: DevHost, smtp: SmtpServer, beacon: Beacon, browsers: tuple[sync_api.Page, sync_api.Page]
) -> None:
    phone, desktop = browsers
    reviewer = "phone@contoso.com"
    topic = "Quarterly plan " + beacon.hostile("topic")
    instance_id = start_flow(app_host, "content", {"topic": topic, "reviewer": reviewer})
    awaiting(app_host, instance_id, 1)

    phone.goto(app_host.url + review_link(app_host, smtp.to(reviewer)[0]))
    sync_api.expect(phone.locator("h1")).to_contain_text("<script>fetch(")  # shown as text, not run
    sync_api.expect(phone.locator(".draft")).to_be_visible()
    feedback = "Needs numbers " + beacon.hostile("feedback")
    phone.get_by_label("Feedback for the author").fill(feedback)
    phone.get_by_role("button", name="Reject round 1").click()
    sync_api.expect(phone.locator(".outcome")).to_contain_text("You rejected round 1")
    sync_api.expect(phone.locator("form")).to_have_count(0)

    awaiting(app_host, instance_id, 2)
    phone.goto(app_host.url + review_link(app_host, smtp.to(reviewer)[1]))
    sync_api.expect(phone.locator("blockquote")).to_contain_text("Needs numbers <img")
    sync_api.expect(phone.locator(".changes ins").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"

    desktop.goto(f"{app_host.url}/dashboard/orchestrations/{instance_id}")  # the same text on the dashboard
    sync_api.expect(desktop.locator(".grid")).to_contain_text("<script>fetch(")
    desktop.locator('.step[data-kind="activity"][data-name="notify_reviewer"]').first.click()

    phone.get_by_role("button", name="Approve and publish").click()
    sync_api.expect(phone.locator(".outcome")).to_contain_text("You approved round 2")
    result = app_host.wait_for(instance_id)["output"]
    assert result["status"] == "published"
    assert result["rounds"][1]["decision"]["decided_by"] == {"role": "reviewer", "address": reviewer}
    assert result["rounds"][0]["decision"]["feedback"] == feedback
    desktop.reload()
    sync_api.expect(desktop.locator("h1 .pill")).to_have_text("Completed")
    assert beacon.hits == [], f"hostile text ran: {beacon.hits}"


def test_a_reviewer_past_their_deadline_sees_where_the_review_went_and_cannot_decide(
    app_host: DevHost, smtp: SmtpServer, beacon: Beacon, browsers: tuple[sync_api.Page, sync_api.Page]
) -> None:
    phone, _ = browsers
    reviewer = "late-on-a-phone@contoso.com"  # of this test alone: the host and its mail server are shared
    topic = "Late plan " + beacon.hostile("expired-topic")
    # About 2 s for the reviewer; then the escalation contact has a day.
    instance_id = start_flow(app_host, "content", {"topic": topic, "reviewer": reviewer, "timeout_hours": 0.0005})
    app_host.wait_for(
        instance_id, ("Running",), predicate=lambda s: (s.get("customStatus") or {}).get("stage") == "escalated"
    )
    expired = app_host.url + review_link(app_host, smtp.to(reviewer)[0])

    phone.goto(expired)
    sync_api.expect(phone.locator("h1")).to_contain_text("Late plan <img")  # shown as text, not run
    sync_api.expect(phone.locator(".outcome")).to_contain_text("went to the escalation contact, who can decide until")
    sync_api.expect(phone.locator("form")).to_have_count(0)

    escalation = review_link(app_host, smtp.to("editor-in-chief@example.com")[-1])
    feedback = "Not yet " + beacon.hostile("expired-feedback")
    assert page(app_host, escalation, "reject", feedback)[0] == 200
    phone.goto(expired)
    sync_api.expect(phone.locator(".outcome")).to_contain_text("Round 1 was rejected by the escalation contact")
    sync_api.expect(phone.locator(".outcome blockquote")).to_contain_text("Not yet <img")
    sync_api.expect(phone.locator("form")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"

    tampered = expired[:-2] + ("A" if expired[-2] != "A" else "B") + expired[-1]
    response = phone.goto(tampered)
    assert response is not None and response.status == 403
    sync_api.expect(phone.locator("h1")).to_have_text("This review link is not valid")
    app_host.request("POST", f"/runtime/webhooks/durabletask/instances/{instance_id}/terminate?reason=done")
    assert beacon.hits == [], f"hostile text ran: {beacon.hits}"
