"""The activities: every side effect of the flows, each safe to run more than once.

Each takes the orchestration's instance id and step (see `orchestrations.steps.call_step`)
and returns plain JSON saying what was done and whether this call was a repeat.
Plain functions, registered as activity triggers in `activities/__init__.py`.
"""


import json
import re
from datetime import datetime, timezone
from typing import Any

from activities import mail
from activities.ledger import artifact_name, idempotency_key, run_once
from activities.storage import open_store
from settings import MailSettings, load_mail_settings, load_storage_settings, public_api_root


def handle_spam_email(request: dict) -> dict:
    """Quarantine a spam email as an .eml artifact whose headers carry the verdict."""
    store = open_store(load_storage_settings())

    def quarantine() -> dict[str, Any]:
        email, verdict = request["email"], request["verdict"]
        verdict_headers = {
            "X-Email-ID": request["email_id"],
            "X-Spam-Flag": "YES",
            "X-Spam-Confidence": str(verdict["confidence"]),
            "X-Spam-Reason": str(verdict["reason"]),
        }
        if email.get("raw"):  # the message as it arrived, attachments and all, under the verdict headers
            content = mail.with_headers_on_top(verdict_headers, email["raw"])
        else:
            headers = {"From": email.get("sender") or "unknown", "Subject": email.get("subject") or "(no subject)"}
            content = bytes(mail.new_message({**headers, **verdict_headers}, email["content"]))
        name = artifact_name(request, "quarantine", request["email_id"], "eml")
        location = store.put(name, content, "message/rfc822")
        return {"action": "quarantined", "email_id": request["email_id"], "location": location, "reason": verdict["reason"]}

    return run_once(store, request, quarantine)


def send_email(request: dict) -> dict:
    """Send the drafted reply to the original sender (to our own mailbox when the sender is unknown)."""
    settings = load_mail_settings()
    return _mail_once(
        request, settings, "sent", to=request.get("to") or settings.sender, subject=request["subject"],
        body=request["body"], in_reply_to=request.get("in_reply_to"),
    )


def notify_reviewer(request: dict) -> dict:
    """Mail the reviewer the draft and how to approve or reject it before the deadline."""
    settings = load_mail_settings()
    draft = request["draft"]
    decision_url = f"{public_api_root(request.get('api_root'))}/content/{request['instance_id']}/decision"
    body = "\n".join(
        [
            f"A draft on \"{request['topic']}\" is waiting for your review until {request['deadline']}.",
            "",
            "Approve or reject it (add ?code=<function key> in Azure):",
            f"  curl -X POST {decision_url} -H 'Content-Type: application/json' \\",
            "       -d '{\"approved\": true, \"feedback\": \"Looks good\"}'",
            "",
            f"Without a decision by then, it is escalated. ({draft['word_count']} words, "
            f"{draft['reading_time_minutes']} min read)",
            "",
            "-" * 72,
            draft["body"],
        ]
    )
    return _mail_once(
        request, settings, "reviewer_notified", to=request.get("reviewer") or settings.reviewer,
        subject=f"Review requested: {draft['title']}", body=body, decision_url=decision_url,
    )


def publish_content(request: dict) -> dict:
    """Publish the approved article as Markdown with a small front matter."""
    store = open_store(load_storage_settings())

    def publish() -> dict[str, Any]:
        article = request["article"]
        front_matter = {
            "title": article["title"],
            "topic": request["topic"],
            "approved_by": request.get("reviewer"),
            "reviewer_feedback": request.get("feedback") or "",
            "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "orchestration": request["instance_id"],
        }
        document = "---\n" + json.dumps(front_matter, indent=2) + "\n---\n\n" + article["body"].rstrip() + "\n"
        slug = re.sub(r"[^a-z0-9]+", "-", article["title"].lower()).strip("-")[:60] or "article"
        name = artifact_name(request, "published", slug, "md")
        location = store.put(name, document.encode(), "text/markdown; charset=utf-8")
        return {"action": "published", "title": article["title"], "location": location}

    return run_once(store, request, publish)


def escalate_for_review(request: dict) -> dict:
    """Tell the escalation contact that the reviewer did not decide in time."""
    settings = load_mail_settings()
    body = "\n".join(
        [
            f"No decision from {request['reviewer']} within {request['waited_hours']:g} hour(s) on the draft "
            f"\"{request['draft']['title']}\" (topic: {request['topic']}, orchestration {request['instance_id']}).",
            "Please review it or assign another reviewer.",
            "",
            "-" * 72,
            request["draft"]["body"],
        ]
    )
    return _mail_once(
        request, settings, "escalated", to=settings.escalation,
        subject=f"Escalation: review overdue for {request['draft']['title']}", body=body,
    )


def _mail_once(
    request: dict, settings: MailSettings, action: str, *, to: str, subject: str, body: str,
    in_reply_to: str | None = None, **details: Any,
) -> dict:
    """Compose and deliver this step's mail at most once (see `ledger.run_once`); `details` join the result."""
    key = idempotency_key(request["instance_id"], request["step"])

    def send() -> dict[str, Any]:
        message = mail.compose(settings, to=to, subject=subject, body=body, key=key, in_reply_to=in_reply_to)
        return {"action": action, **details, **mail.deliver(settings, message, key)}

    return run_once(open_store(load_storage_settings()), request, send)
