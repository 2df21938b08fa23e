"""The review page as a reviewer uses it over HTTP: the link read from the real mail (SMTP on loopback) opens the
page, decides its own round once, and any link that is not exactly one the app issued is refused alike."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devhost.process import DevHost
from reviewing.protocol import Role
from reviewing.signing import LOCAL_KEY_FILE, Keys, ReviewLink, sign_link
from tests.e2e.conftest import awaiting, page, review_link, start_flow
from tests.smtp import SmtpServer


def test_a_reviewer_decides_each_round_from_the_link_in_its_mail_and_each_link_decides_once(
    app_host: DevHost, smtp: SmtpServer
) -> None:
    reviewer = "pages@contoso.com"
    instance_id = start_flow(app_host, "content", {"topic": "review pages", "reviewer": reviewer})
    awaiting(app_host, instance_id, 1)
    first = review_link(app_host, smtp.to(reviewer)[0])

    code, headers, html = page(app_host, first)
    assert code == 200 and "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Content-Type"].startswith("text/html") and headers["Referrer-Policy"] == "same-origin"
    assert "Review: review pages" in html and "Round 1 of 3 (2 more may follow)" in html and "Deadline: " in html
    assert f"You decide as reviewer: {reviewer}" in html and '<form method="post">' in html

    code, _, html = page(app_host, first, "reject", "Open with a concrete example")
    assert code == 200 and "Decision applied" in html and "You rejected round 1" in html and "<form" not in html
    awaiting(app_host, instance_id, 2)
    second = review_link(app_host, smtp.to(reviewer)[1])
    assert second != first

    code, _, html = page(app_host, first, "approve")  # round 1's link, used, in round 2
    assert code == 409 and "Already decided" in html and "<form" not in html
    assert [d["round"] for d in app_host.status(instance_id)["customStatus"]["decisions"]] == [1]

    code, _, html = page(app_host, second)
    assert code == 200 and "Round 2 of 3" in html and "<form" in html
    assert "The feedback this draft answers (round 1)" in html and "Open with a concrete example" in html
    assert "What changed since round 1" in html and "<ins>" in html

    code, _, html = page(app_host, second, "approve", "Good now")
    assert code == 200 and "You approved round 2" in html
    result = app_host.wait_for(instance_id)["output"]
    assert result["status"] == "published"
    assert [r["decision"]["decided_by"] for r in result["rounds"]] == [{"role": "reviewer", "address": reviewer}] * 2
    assert page(app_host, second, "reject")[0] == 409


def resigned(path: str, change: dict[str, object]) -> str:
    """The link with its grant changed but its signature kept (a forgery)."""
    head, _, token = path.partition("?t=")
    body, _, signature = token.partition(".")
    grant = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**grant, **change}).encode()).rstrip(b"=").decode()
    return f"{head}?t={forged}.{signature}"


def test_tampered_foreign_and_unsigned_links_are_refused_alike_and_an_expired_one_only_tells_the_state(
    app_host: DevHost, smtp: SmtpServer, data_dir: Path
) -> None:
    reviewer = "forgeries@contoso.com"
    instance_id = start_flow(app_host, "content", {"topic": "secret topic", "reviewer": reviewer})
    other_id = start_flow(app_host, "content", {"topic": "another review", "reviewer": "other@contoso.com"})
    awaiting(app_host, instance_id, 1)
    awaiting(app_host, other_id, 1)
    link = review_link(app_host, smtp.to(reviewer)[0])
    key = Keys((data_dir / LOCAL_KEY_FILE).read_bytes())
    deadline = datetime.fromisoformat(app_host.status(instance_id)["customStatus"]["deadline"].replace("Z", "+00:00"))
    grant = ReviewLink(instance_id=instance_id, round=1, role=Role.REVIEWER, address=reviewer, deadline=deadline)
    expired = grant.model_copy(update={"deadline": datetime.now(UTC) - timedelta(seconds=1)})

    refused = {
        "tampered signature": link[:-2] + ("A" if link[-2] != "A" else "B") + link[-1],
        "tampered grant": resigned(link, {"address": "mallory@evil.example"}),
        "expired, its deadline moved": resigned(
            f"/api/review/{instance_id}?t={sign_link(expired, key)}", {"deadline": "2099-01-01T00:00:00Z"}
        ),
        "signed with another key": f"/api/review/{instance_id}?t={sign_link(grant, Keys(b'x' * 32))}",
        "another instance": link.replace(instance_id, other_id, 1),
        "no token": f"/api/review/{instance_id}",
        "garbage": f"/api/review/{instance_id}?t=%00%ff..",
    }
    answers = {name: page(app_host, path, "approve") for name, path in refused.items()}
    bodies = {body for _, _, body in answers.values()}
    assert {code for code, _, _ in answers.values()} == {403} and len(bodies) == 1, answers
    assert (
        "secret topic" not in bodies.pop() and "not valid" in page(app_host, refused["expired, its deadline moved"])[2]
    )

    authentic = f"/api/review/{instance_id}?t={sign_link(expired, key)}"  # the app's own link, past its deadline
    code, headers, html = page(app_host, authentic)
    assert code == 410 and headers["Cache-Control"] == "no-store" and "Review: secret topic" in html
    assert "This link&#x27;s deadline has passed" in html and "The review is going to the escalation contact" in html
    code, _, html = page(app_host, authentic, "approve", "too late")
    assert code == 410 and "No decision taken" in html and "<form" not in html
    assert app_host.status(instance_id)["customStatus"]["decisions"] == []
    assert page(app_host, f"/api/review/{instance_id}?t={sign_link(grant, key)}")[0] == 200  # the key works
    for started in (instance_id, other_id):
        app_host.request("POST", f"/runtime/webhooks/durabletask/instances/{started}/terminate?reason=done")


def test_an_event_raised_around_the_app_with_a_forged_identity_is_never_believed(app_host: DevHost) -> None:
    instance_id = start_flow(app_host, "content", {"topic": "forged events", "reviewer": "boss@contoso.com"})
    awaiting(app_host, instance_id, 1)
    forged = {
        "approved": True,
        "round": 1,
        "decision_id": "forged",
        "decided_by": {"role": "reviewer", "address": "boss@contoso.com"},
        "signature": "c2lnbmVk",
    }
    raw = f"/runtime/webhooks/durabletask/instances/{instance_id}/raiseEvent/ApprovalDecision"
    assert app_host.request("POST", raw, forged)[0] == 202
    waiting = app_host.wait_for(
        instance_id, ("Running",), predicate=lambda s: "did not sign" in (s["customStatus"].get("message") or "")
    )
    assert waiting["customStatus"]["decisions"] == [] and waiting["customStatus"]["stage"] == "awaiting_approval"
    code, answer = app_host.request("POST", f"/api/content/{instance_id}/decision", {"approved": False, "round": 1})
    assert (code, answer["decided_by"]) == (202, {"role": "automation", "address": None})
    app_host.request("POST", f"/runtime/webhooks/durabletask/instances/{instance_id}/terminate?reason=done")
