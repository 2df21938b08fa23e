"""Side effects of the flows (mail, quarantine, publishing) and the email checks, registered as activities on one blueprint."""

import azure.durable_functions as df

from activities.screening import screen_email
from activities.steps import escalate_for_review, handle_spam_email, notify_reviewer, publish_content, send_email

ACTIVITIES = (screen_email, handle_spam_email, send_email, notify_reviewer, publish_content, escalate_for_review)

blueprint = df.Blueprint()
for _activity in ACTIVITIES:
    blueprint.function_name(_activity.__name__)(blueprint.activity_trigger(input_name="request")(_activity))

__all__ = ["ACTIVITIES", "blueprint"]
