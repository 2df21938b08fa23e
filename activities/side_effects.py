"""The activities: every side effect of the flows, each safe to run more than once.

Each takes its request and the `StepCall` (instance id, step, idempotency key; see
`activities.contracts`) and returns what was done, and whether this call was a repeat. They raise `TransientFailure` for what a retry can fix and
`PermanentFailure` for what it cannot (see `activities.failures`). Drafts travel between
steps as references to the stored draft (`save_draft`), never as their whole text.
Plain functions, registered as activity triggers in `activities/__init__.py`.
"""

import json
import re
from datetime import UTC, datetime
from typing import Any

from activities import mail
from activities.contracts import (
    HandleSpamEmail,
    MailSent,
    Publication,
    PublishContent,
    Quarantine,
    SaveDraft,
    SendEmail,
    StepCall,
    Thread,
)
from activities.failures import PermanentFailure
from activities.ledger import artifact_name, artifact_path, idempotency_key, run_once
from activities.storage import ArtifactStore, open_store
from reviewing.protocol import DraftReference
from settings import MailSettings, app_settings, single_mailbox

EXCERPT_CHARACTERS = 280
TITLE_CHARACTERS = 200
DRAFTS = "drafts"


def handle_spam_email(request: HandleSpamEmail, call: StepCall) -> Quarantine:
    """Quarantine a spam email as an .eml artifact whose headers carry the verdict."""
    store = open_store(app_settings().storage)
    email, verdict = request.email, request.verdict

    def quarantine() -> dict[str, Any]:
        verdict_headers = {
            "X-Email-ID": request.email_id,
            "X-Spam-Flag": "YES",
            "X-Spam-Confidence": str(verdict.confidence),
            "X-Spam-Reason": verdict.reason,
        }
        if email.raw:  # the message as it arrived, attachments and all, under the verdict headers
            content = mail.with_headers_on_top(verdict_headers, email.raw)
        else:
            headers = {"From": email.sender or "unknown", "Subject": email.subject or "(no subject)"}
            content = bytes(mail.new_message({**headers, **verdict_headers}, email.content))
        name = artifact_name(call, "quarantine", request.email_id, "eml")
        location = store.put(name, content, "message/rfc822")
        return {"action": "quarantined", "email_id": request.email_id, "location": location, "reason": verdict.reason}

    return Quarantine.model_validate(run_once(store, call, quarantine))


def send_email(request: SendEmail, call: StepCall) -> MailSent:
    """Send the drafted reply to the original sender (to our own mailbox when the sender is unknown).

    `thread` marks it as an automatic reply in the original's thread."""
    settings = app_settings().mail
    return mail_once(
        call,
        settings,
        "sent",
        to=request.to or settings.sender,
        subject=request.subject,
        body=request.body,
        in_reply_to=request.in_reply_to,
        thread=request.thread,
    )


def save_draft(request: SaveDraft, call: StepCall) -> DraftReference:
    """Store an article and return what travels instead of its text: title, size, excerpt and where it is.

    The custom status, the other steps' inputs and the flow's output carry this reference, so a long
    article stays within the Durable limits (16 KB of custom status, about 1 MB per message).
    """
    article = request.article
    name = draft_name(call.instance_id, call.idempotency_key)
    stored = json.dumps(article.model_dump(mode="json")).encode()
    location = open_store(app_settings().storage).put(name, stored, "application/json")
    return DraftReference(
        title=shorten(article.title, TITLE_CHARACTERS),
        word_count=article.word_count,
        reading_time_minutes=article.reading_time_minutes,
        excerpt=shorten(article.body, EXCERPT_CHARACTERS),
        characters=len(article.body),
        name=name,
        location=location,
        url=f"{app_settings().api_root}/content/{call.instance_id}/drafts/{idempotency_key(call)}",
    )


def draft_name(instance_id: str, key: str) -> str:
    """Where `save_draft` keeps a draft: found again from the instance id and key alone (see api.handlers)."""
    saved_by = StepCall(instance_id=instance_id, step="save_draft", idempotency_key=key)
    return f"{DRAFTS}/{artifact_path(saved_by, 'draft', 'json')}"


def load_draft(store: ArtifactStore, draft: DraftReference) -> dict[str, Any]:
    """The whole article behind a `save_draft` reference."""
    data = store.get(draft.name)
    if data is None:
        raise PermanentFailure(f"The stored draft {draft.name} is missing from {draft.location}")
    article: dict[str, Any] = json.loads(data)
    return article


def publish_content(request: PublishContent, call: StepCall) -> Publication:
    """Publish the approved article as Markdown with a small front matter."""
    store = open_store(app_settings().storage)

    def publish() -> dict[str, Any]:
        article = load_draft(store, request.draft)
        front_matter = {
            "title": article["title"],
            "topic": request.topic,
            "approved_by": request.reviewer,
            "reviewer_feedback": request.feedback,
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "orchestration": call.instance_id,
        }
        document = "---\n" + json.dumps(front_matter, indent=2) + "\n---\n\n" + article["body"].rstrip() + "\n"
        slug = re.sub(r"[^a-z0-9]+", "-", article["title"].lower()).strip("-")[:60] or "article"
        name = artifact_name(call, "published", slug, "md")
        location = store.put(name, document.encode(), "text/markdown; charset=utf-8")
        return {"action": "published", "title": request.draft.title, "location": location}

    return Publication.model_validate(run_once(store, call, publish))


def mail_once(
    call: StepCall,
    settings: MailSettings,
    action: str,
    *,
    to: str,
    subject: str,
    body: str,
    in_reply_to: str | None = None,
    thread: Thread | None = None,
    notice: bool = False,
    **details: Any,
) -> MailSent:
    """Compose and deliver this step's mail at most once (see `ledger.run_once`); `details` join the result.
    `notice`: a mail the app sends of its own accord, not an answer (see `mail.compose`)."""
    try:
        recipient = single_mailbox(to)
    except ValueError as error:
        raise PermanentFailure(f"Recipient {to!r} {error}") from None
    key = idempotency_key(call)

    def send() -> dict[str, Any]:
        message = mail.compose(
            settings,
            to=recipient,
            subject=subject,
            body=body,
            key=key,
            in_reply_to=in_reply_to,
            thread=thread,
            notice=notice,
        )
        outbox_name = artifact_path(call, call.step, "eml")
        return {"action": action, **details, **mail.deliver(settings, message, recipient, outbox_name)}

    return MailSent.model_validate(run_once(open_store(app_settings().storage), call, send))


def shorten(text: str, limit: int) -> str:
    """The text on one line, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] or flat[: limit - 1]
    return cut + "…"
