"""Raw RFC 822 messages as the spam flow's input: fields read from the message, the original kept in quarantine."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from pydantic import ValidationError

from activities import ACTIVITIES
from agents.catalog import build_agents
from agents.mail_parsing import MAX_RAW_BYTES
from agents.offline import OfflineChatClient
from orchestrations.inputs import EmailInput
from orchestrations.spam_detection import spam_detection_orchestration
from tests.app.fakes import FakeContext, InProcessAgents, run_flow
from tests.raw_messages import RAW_HAM, RAW_SPAM


@pytest.fixture
def agents() -> InProcessAgents:
    return InProcessAgents(build_agents(OfflineChatClient()))


def spam_flow(flow_input: dict[str, str], agents: InProcessAgents) -> tuple[dict, FakeContext]:
    ctx = FakeContext(flow_input, {a.__name__: a for a in ACTIVITIES})
    return run_flow(spam_detection_orchestration, ctx, agents), ctx


def test_a_raw_message_fills_the_fields_it_was_not_given() -> None:
    email = EmailInput.model_validate({"raw": RAW_HAM})

    assert email.sender == "Grace Hopper <grace@example.org>"
    assert email.subject == "Re: parser patch for the release branch"
    assert email.email_id == "patch-review-3@example.org"
    assert email.content.startswith("Thanks for the patch.")
    given = EmailInput.model_validate({"raw": RAW_HAM, "email_id": "mine", "subject": "Other"})
    assert (given.email_id, given.subject) == ("mine", "Other")


def test_a_sender_the_field_cannot_hold_is_left_out_not_refused() -> None:
    email = EmailInput.model_validate({"raw": "From: <<<@@>>>\nSubject: hi\n\nhello"})

    assert email.sender is None and email.subject == "hi" and email.content == "hello"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"raw": "   "}, "content", "Field required"),  # a blank optional field is absent: no email at all
        ({"raw": "x" * (MAX_RAW_BYTES + 1)}, "raw", "at most 512 KB"),
        ({"raw": ["not", "text"]}, "raw", "valid string"),
    ],
)
def test_unusable_raw_messages_are_refused_naming_the_field(body: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        EmailInput.model_validate(body)

    assert any(issue["loc"] == (field,) and message in issue["msg"] for issue in error.value.errors())


def test_raw_spam_is_quarantined_as_it_arrived_with_the_verdict_on_top(app_env: Path, agents: InProcessAgents) -> None:
    result, ctx = spam_flow({"raw": RAW_SPAM}, agents)

    assert result["branch"] == "spam" and result["email_id"] == "prize-77@prize-center.example"
    prompt = agents.prompts[0][1]
    assert "Attachment: claim-form.exe" in prompt and "Reply-To: payout@elsewhere.example" in prompt
    assert "click here <http://203.0.113.9/claim>" in prompt
    assert "X-Spam-Status" not in prompt  # an earlier filter's verdict is not shown to the agent
    assert "the trained classifier scores it" in result["verdict"]["reason"]
    quarantined = message_from_bytes(Path(result["quarantine"]["location"]).read_bytes(), policy=policy.default)
    assert quarantined["X-Spam-Flag"] == "YES" and quarantined["Subject"] == "You are a WINNER!!!"
    assert [part.get_filename() for part in quarantined.iter_attachments()] == ["claim-form.exe"]


def test_raw_ham_is_answered_to_its_from_address(app_env: Path, agents: InProcessAgents) -> None:
    result, ctx = spam_flow({"raw": RAW_HAM}, agents)

    assert result["branch"] == "legitimate" and result["email_id"] == "patch-review-3@example.org"
    assert result["reply"]["subject"] == "Re: parser patch for the release branch"
    assert result["delivery"]["to"] == "Grace Hopper <grace@example.org>"
    assert "Could you add a test for the empty file case before we merge?" in result["reply"]["body"]
