"""Sequential flow: SpamDetectionAgent decides, then quarantine or reply."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

import azure.durable_functions as df

from agents.catalog import EMAIL_ASSISTANT, SPAM_DETECTION
from agents.mail_parsing import from_fields, parse, render
from agents.models import EmailReply, SpamVerdict
from orchestrations.inputs import EmailInput
from orchestrations.steps import AgentLookup, answer, ask, call_step, set_stage


def render_email(email: EmailInput, email_id: str) -> str:
    """The email as short RFC 822 style text (see `agents.mail_parsing.render`): how models read it best."""
    if not email.raw:
        return render(from_fields(email.content, email.sender, email.subject), email_id)
    mail = parse(email.raw)  # the fields given beside `raw` win over what the message says
    return render(replace(mail, sender=email.sender or mail.sender, subject=email.subject or mail.subject), email_id)


def spam_detection_orchestration(
    context: df.DurableOrchestrationContext, agents: AgentLookup
) -> Generator[Any, Any, dict[str, Any]]:
    """Input: {"content" | "raw", "email_id"?, "sender"?, "subject"?}. Output says which branch ran and what it did."""
    email = EmailInput.model_validate(context.get_input())
    email_id = email.email_id or context.instance_id
    text = render_email(email, email_id)

    set_stage(context, "checking_for_spam", email_id=email_id)
    verdict = answer((yield ask(agents(SPAM_DETECTION), f"Is this email spam?\n\n{text}", SpamVerdict)))
    result = {"email_id": email_id, "is_spam": verdict["is_spam"], "verdict": verdict}

    if verdict["is_spam"]:
        set_stage(context, "quarantining", email_id=email_id)
        quarantine = yield call_step(
            context, "handle_spam_email", email=email.model_dump(), email_id=email_id, verdict=verdict
        )
        set_stage(context, "done", branch="spam")
        return {**result, "branch": "spam", "quarantine": quarantine}

    set_stage(context, "drafting_reply", email_id=email_id)
    reply = answer((yield ask(agents(EMAIL_ASSISTANT), f"Draft a reply to this email.\n\n{text}", EmailReply)))
    delivery = yield call_step(
        context, "send_email", to=email.sender, subject=reply["subject"], body=reply["body"], in_reply_to=email_id
    )
    set_stage(context, "done", branch="legitimate")
    return {**result, "branch": "legitimate", "reply": reply, "delivery": delivery}
