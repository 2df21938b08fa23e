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
from tests.app.fakes import FakeContext, InProcessAgents, run_activity, run_flow
from tests.mail_messages import PHISHING_LINK, phishing_behind_a_harmless_text_part
from tests.raw_messages import RAW_HAM, RAW_SPAM


@pytest.fixture
def agents() -> InProcessAgents:
    return InProcessAgents(build_agents(OfflineChatClient()))


def spam_flow(flow_input: dict[str, str], agents: InProcessAgents) -> tuple[dict, FakeContext]:
    ctx = FakeContext(flow_input, {a.__name__: a for a in ACTIVITIES})
    return run_flow(spam_detection_orchestration, ctx, agents), ctx


def test_a_raw_message_is_not_parsed_by_the_input_model_but_read_once_by_the_first_activity() -> None:
    email = EmailInput.model_validate({"raw": RAW_HAM})
    assert email.sender is None and email.email_id is None  # checked for size and shape only
    assert "content" not in email.model_dump()  # the flow's input carries the message once

    read = run_activity("screen_email", {"email": email.model_dump(mode="json"), "instance_id": "i-1"})
    assert read["email_id"] == "patch-review-3@example.org"
    assert read["text"].startswith("Email-ID: patch-review-3@example.org\nFrom: Grace Hopper <grace@example.org>\n")
    assert read["reply"] == {
        "to": "Grace Hopper <grace@example.org>",
        "not_answered": None,
        "subject": "Re: parser patch for the release branch",
        "in_reply_to": "<patch-review-3@example.org>",
        "references": ["<patch-review-3@example.org>"],
    }
    given = run_activity(
        "screen_email", {"email": {"raw": RAW_HAM, "email_id": "mine", "subject": "Other"}, "instance_id": "i-1"}
    )
    assert given["email_id"] == "mine" and given["reply"]["subject"] == "Other"


def test_a_sender_that_is_no_address_leaves_the_message_unanswered() -> None:
    read = run_activity(
        "screen_email", {"email": {"raw": "From: <<<@@>>>\nSubject: hi\n\nhello"}, "instance_id": "i-1"}
    )

    assert read["email_id"] == "i-1" and "From: <<<@@>>>" in read["text"]
    assert read["reply"]["to"] is None and "not usable" in read["reply"]["not_answered"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"raw": "   "}, None, "give the email as `content`"),  # a blank optional field is absent: no email at all
        ({"raw": "x" * (MAX_RAW_BYTES + 1)}, "raw", "at most 512 KB"),
        ({"raw": "just some words, no headers"}, "raw", "must be an RFC 822 message"),
        ({"raw": "X-Custom: 1\n\nno header every message has"}, "raw", "must be an RFC 822 message"),
        ({"raw": ["not", "text"]}, "raw", "valid string"),
    ],
)
def test_unusable_raw_messages_are_refused_naming_the_field(body: dict, field: str | None, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        EmailInput.model_validate(body)

    assert any(
        issue["loc"] == ((field,) if field else ()) and message in issue["msg"] for issue in error.value.errors()
    )


def test_raw_spam_is_quarantined_as_it_arrived_with_the_verdict_on_top(app_env: Path, agents: InProcessAgents) -> None:
    result, _ctx = spam_flow({"raw": RAW_SPAM}, agents)

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
    result, _ctx = spam_flow({"raw": RAW_HAM}, agents)

    assert result["branch"] == "legitimate" and result["email_id"] == "patch-review-3@example.org"
    assert result["reply"]["subject"] == "Re: parser patch for the release branch"
    assert result["delivery"]["to"] == "Grace Hopper <grace@example.org>"
    assert "Could you add a test for the empty file case before we merge?" in result["reply"]["body"]


def test_a_message_beyond_the_limits_of_real_mail_is_quarantined_without_asking_a_model(
    app_env: Path, agents: InProcessAgents
) -> None:
    nested = (
        "From: a@example.org\nSubject: deep\n"
        + "".join(f'Content-Type: multipart/mixed; boundary="n{i}"\n\n--n{i}\n' for i in range(1_000))
        + "\nhi"
    )
    result, _ = spam_flow({"raw": nested}, agents)

    assert result["branch"] == "spam" and result["verdict"]["confidence"] == 1.0
    assert "nested more than 20 levels deep" in result["verdict"]["reason"]
    assert agents.prompts == []
    assert Path(result["quarantine"]["location"]).read_bytes().endswith(b"\nhi")  # kept as it arrived


def test_list_headers_do_not_let_spam_past_the_screening(app_env: Path, agents: InProcessAgents) -> None:
    listed = "List-Id: Offers <offers.prize-center.example>\nPrecedence: bulk\n" + RAW_SPAM
    result, _ = spam_flow({"raw": listed}, agents)

    assert result["branch"] == "spam" and "quarantine" in result


def test_a_legitimate_list_post_is_neither_answered_nor_quarantined(app_env: Path, agents: InProcessAgents) -> None:
    listed = "List-Id: Developers <dev.lists.example.net>\n" + RAW_HAM
    result, ctx = spam_flow({"raw": listed}, agents)

    assert result["branch"] == "not_answered" and not result["is_spam"]
    assert result["reason"] == "It came through a mailing list (List-Id: Developers <dev.lists.example.net>)."
    assert [name for name, _ in ctx.activity_calls] == ["screen_email"]  # no reply drafted, nothing sent
    assert [agent for agent, _ in agents.prompts] == ["SpamDetectionAgent"]


def test_the_html_alternative_is_checked_and_the_riskier_part_wins() -> None:
    text_only = run_activity(
        "screen_email", {"email": {"raw": phishing_behind_a_harmless_text_part(with_html=False)}, "instance_id": "a"}
    )
    both = run_activity("screen_email", {"email": {"raw": phishing_behind_a_harmless_text_part()}, "instance_id": "b"})

    assert not text_only["screening"]["flags_spam"]
    assert both["screening"]["flags_spam"]
    assert both["screening"]["classifier"]["spam_score"] > text_only["screening"]["classifier"]["spam_score"]
    assert "the parts disagree" in both["screening"]["classifier"]["summary"]
    assert f"Log in here <{PHISHING_LINK}>" in both["text"]  # the agents see the HTML part too
