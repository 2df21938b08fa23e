"""Sequential flow: the message read and checked, SpamDetectionAgent decides, then quarantine, reply or neither.

Mail that is not spam but must not be answered automatically (RFC 3834: auto-replies, bounces, lists, bulk
mail, no-reply senders) ends in a branch of its own, `not_answered`, with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities.contracts import EmailReading, HandleSpamEmail, MailSent, Quarantine, ScreenEmail, SendEmail
from agent_app import app
from agents.auto_reply import reply_subject
from agents.catalog import EMAIL_ASSISTANT, SPAM_DETECTION
from agents.models import SpamVerdict
from agents.screening import Screening
from orchestrations.activity_calls import call_check, call_step, set_stage
from orchestrations.agent_calls import AgentCalls
from orchestrations.inputs import EmailInput, read_input
from settings import app_settings

SHOWN_TO_AGENTS = 12_000


def shown_to_agents(text: str) -> str:
    """The email as the agents see it: cut at SHOWN_TO_AGENTS characters.

    Enough to judge and answer any real mail; more would be copied into every tool call of the agent's
    conversation, whose state the Durable Task Scheduler caps at 1 MB. The app's checks read it all.
    """
    if len(text) <= SHOWN_TO_AGENTS:
        return text
    return text[:SHOWN_TO_AGENTS] + f"\n[... {len(text) - SHOWN_TO_AGENTS:,} more characters not shown]"


def spam_prompt(text: str, screening: Screening) -> str:
    """The email with the app's own checks, so the verdict rests on that evidence whether or not tools are called."""
    return (
        "Is this email spam?\n\nThe app's own checks already ran on it (the trained classifier, link, sender, "
        "attachment and authentication inspection, wording rules, on every text and HTML part):\n"
        f"```json\n{json.dumps(screening.model_dump(mode='json'), indent=2)}\n```\n\n{text}"
    )


def overruled(verdict: SpamVerdict, screening: Screening) -> str | None:
    """Why the checks overrule a 'legitimate' verdict, if they do: an automatic reply never goes to mail they flag."""
    if verdict.is_spam or not screening.flags_spam:
        return None
    return f"SpamDetectionAgent judged it legitimate, but the app's checks flag it. {screening.reason}"


@app.orchestration_trigger(context_name="context")
def spam_detection_orchestration(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Input: {"content" | "raw", "email_id"?, "sender"?, "subject"?}. Output says which branch ran and what it did."""
    spam_detector = app.get_agent(context, SPAM_DETECTION)
    email_assistant = app.get_agent(context, EMAIL_ASSISTANT)
    agents = AgentCalls(context, app_settings().model.retry)
    email = read_input(EmailInput, context.get_input())
    set_stage(context, "checking_for_spam", email_id=email.email_id or context.instance_id)
    reading = yield from call_check(
        context, "screen_email", ScreenEmail(email=email, instance_id=context.instance_id), EmailReading
    )
    email_id, screening, reply_plan = reading.email_id, reading.screening, reading.reply
    text = shown_to_agents(reading.text)

    if screening.unreadable:  # nothing a model could read: the checks decide alone
        verdict = SpamVerdict(is_spam=True, confidence=1.0, reason=screening.reason, signals=screening.rule_signals)
    else:
        set_stage(context, "checking_for_spam", email_id=email_id)
        verdict = SpamVerdict.model_validate((yield from agents.ask(spam_detector, spam_prompt(text, screening))))
    overrule = overruled(verdict, screening)
    result = {
        "email_id": email_id,
        "is_spam": verdict.is_spam or bool(overrule),
        "verdict": verdict.model_dump(mode="json"),
        "screening": screening.model_dump(mode="json"),
    }

    if result["is_spam"]:
        set_stage(context, "quarantining", email_id=email_id)
        applied = verdict.model_copy(update={"reason": overrule}) if overrule else verdict
        quarantine = yield from call_step(
            context, "handle_spam_email", HandleSpamEmail(email=email, email_id=email_id, verdict=applied), Quarantine
        )
        set_stage(context, "done", branch="spam")
        return {
            **result,
            **({"overruled": overrule} if overrule else {}),
            "branch": "spam",
            "quarantine": quarantine.model_dump(mode="json"),
        }

    if reason := reply_plan.not_answered:  # decided from the headers, before any reply is drafted
        set_stage(context, "done", branch="not_answered", reason=reason)
        return {**result, "branch": "not_answered", "reason": reason}

    set_stage(context, "drafting_reply", email_id=email_id)
    reply = yield from agents.ask(email_assistant, f"Draft a reply to this email.\n\n{text}")
    reply = {**reply, "subject": reply_subject(reply_plan.subject or reply["subject"])}
    mail = SendEmail(
        to=reply_plan.to, subject=reply["subject"], body=reply["body"], in_reply_to=email_id, thread=reply_plan.thread
    )
    set_stage(context, "sending_reply", email_id=email_id)
    delivery = yield from call_step(context, "send_email", mail, MailSent)
    set_stage(context, "done", branch="legitimate")
    return {**result, "branch": "legitimate", "reply": reply, "delivery": delivery.model_dump(mode="json")}
