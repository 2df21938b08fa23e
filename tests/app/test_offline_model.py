"""The offline model: honest verdicts, valid JSON for every response model, tools run through the framework."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

import pytest
from agent_framework import Message
from pydantic import BaseModel

from agents import analysis
from agents.catalog import CONTENT_GENERATION, EMAIL_ASSISTANT, SPAM_DETECTION, SUMMARY, build_agents
from agents.models import Article, EmailReply, ResearchFindings, ResearchSummary, SpamVerdict
from agents.offline import OfflineChatClient, writing
from agents.offline.client import CREATED_AT_FORMAT

CLEAR_SPAM = """Is this email spam?

From: PayPal Security <security@paypa1.com>
Subject: URGENT: your account will be suspended

Dear customer, your account will be suspended within 24 hours. Verify your account now at
http://bit.ly/secure-login and confirm your password. CLICK HERE NOW!!! You have won a $500 gift card."""

CLEAR_HAM = """Is this email spam?

From: Alice Smith <alice@contoso.com>
Subject: Project sync next week

Hi Bob, could we move our project sync to Thursday at 10:00? The agenda is on https://wiki.contoso.com/sync.
Thanks, Alice"""


@pytest.fixture(scope="module")
def agents() -> dict[str, object]:
    return {agent.name: agent for agent in build_agents(OfflineChatClient())}


def run(agent: object, prompt: str, model: type[BaseModel] | None = None, **kwargs: object) -> object:
    options = {"response_format": model} if model else {}
    return asyncio.run(agent.run(prompt, options=options, **kwargs))  # type: ignore[attr-defined]


def test_clear_spam_is_spam_and_the_reason_names_the_signals(agents: dict[str, object]) -> None:
    verdict = run(agents[SPAM_DETECTION], CLEAR_SPAM, SpamVerdict).value

    assert verdict.is_spam and verdict.confidence >= 0.9
    assert "paypa1.com" in verdict.reason
    assert "verify your account" in verdict.reason
    assert any("bit.ly" in s for s in verdict.signals)
    assert any("urgency" in s for s in verdict.signals)


def test_the_spam_reason_names_every_signal_found(agents: dict[str, object]) -> None:
    verdict = run(agents[SPAM_DETECTION], CLEAR_SPAM, SpamVerdict).value

    assert len(verdict.signals) > 4
    assert all(signal in verdict.reason for signal in verdict.signals)


def test_clear_ham_is_legitimate(agents: dict[str, object]) -> None:
    verdict = run(agents[SPAM_DETECTION], CLEAR_HAM, SpamVerdict).value

    assert not verdict.is_spam
    assert verdict.signals == []
    assert "contoso.com" in verdict.reason and "offline" in verdict.reason


def test_spam_check_calls_its_three_tools_through_the_framework(agents: dict[str, object]) -> None:
    response = run(agents[SPAM_DETECTION], CLEAR_SPAM, SpamVerdict)

    calls = [c for m in response.messages for c in m.contents if c.type == "function_call"]
    results = [c for m in response.messages for c in m.contents if c.type == "function_result"]
    assert sorted(c.name for c in calls) == ["check_sender", "inspect_links", "score_spam"]
    assert {r.call_id for r in results} == {c.call_id for c in calls}
    assert "paypa1.com" in json.dumps([c.parse_arguments() for c in calls])
    classifier = next(
        json.loads(r.result) for r in results if r.call_id == next(c.call_id for c in calls if c.name == "score_spam")
    )
    assert classifier["verdict"] == "spam" and classifier["spam_evidence"]
    assert response.value.confidence >= classifier["spam_score"] - 0.01
    usage = response.usage_details
    assert usage["input_token_count"] > 0 and usage["output_token_count"] > 0
    assert usage["total_token_count"] == usage["input_token_count"] + usage["output_token_count"]


def test_reply_answers_the_sender_by_name_and_says_it_is_offline(agents: dict[str, object]) -> None:
    reply = run(agents[EMAIL_ASSISTANT], CLEAR_HAM.replace("Is this email spam?", "Draft a reply."), EmailReply).value

    assert reply.subject == "Re: Project sync next week"
    assert reply.body.startswith("Hello Alice,")
    assert "Thursday at 10:00?" in reply.body
    assert "offline model" in reply.body and "no LLM" in reply.body


def test_a_reply_to_mail_without_a_subject_reads_naturally(agents: dict[str, object]) -> None:
    reply = run(
        agents[EMAIL_ASSISTANT], "Draft a reply.\n\nFrom: Bo <bo@contoso.com>\n\nSee you at noon.", EmailReply
    ).value

    assert reply.subject == "Re: your message"
    assert "Thank you for your message." in reply.body and "about your message" not in reply.body


def test_a_reply_in_a_thread_names_the_subject_without_its_reply_prefix(agents: dict[str, object]) -> None:
    mail = "Draft a reply.\n\nFrom: Bo <bo@contoso.com>\nSubject: RE: Re: Invoice 42\n\nAny news?"
    reply = run(agents[EMAIL_ASSISTANT], mail, EmailReply).value

    assert "Thank you for your message about Invoice 42." in reply.body


def test_a_reply_lists_only_the_senders_own_questions_not_the_quoted_ones(agents: dict[str, object]) -> None:
    mail = (
        "Draft a reply.\n\nFrom: Jane <jane@doe.example>\nSubject: Re: Dinner on Friday?\n\n"
        "Hi Bob, could we make it 8pm instead?\n\nOn Tue, 1 Dec 2026, Bob wrote:\n> Are you free for dinner on Friday?\n"
    )
    body = run(agents[EMAIL_ASSISTANT], mail, EmailReply).value.body

    assert "Thank you for your message about Dinner on Friday." in body
    asked = [line for line in body.splitlines() if line.startswith("- ")]
    assert asked == ["- Could we make it 8pm instead?"]


@pytest.mark.parametrize("area", ["technical", "market", "competitor"])
def test_notes_and_articles_on_a_plural_topic_need_no_verb_agreement(area: str) -> None:
    notes = writing.research(area, "vector databases").model_dump_json()
    _, article = writing.article_draft("vector databases")

    for text in (notes, article):
        for verb in ("is", "leaves", "solves", "keeps"):
            assert f"vector databases {verb} " not in text.lower(), (verb, text)


def test_every_response_carries_a_utc_created_at_in_the_framework_format() -> None:
    client = OfflineChatClient()
    before = datetime.now(UTC)
    response = asyncio.run(
        client.get_response([Message("user", ["Topic: x"])], options={"response_format": ResearchFindings})
    )

    created = datetime.strptime(str(response.created_at), CREATED_AT_FORMAT).replace(tzinfo=UTC)
    assert before <= created <= datetime.now(UTC)


def test_article_figures_are_measured_from_the_body_and_revised_with_feedback(agents: dict[str, object]) -> None:
    writer = agents[CONTENT_GENERATION]
    session = writer.create_session()  # type: ignore[attr-defined]
    draft = run(writer, "Topic: event sourcing\n\nWrite the article.", Article, session=session)
    revised = run(writer, "Reviewer feedback: add an example\n\nRevise your draft.", Article, session=session)

    assert [c.name for m in draft.messages for c in m.contents if c.type == "function_call"] == ["text_statistics"]
    assert draft.value.word_count == analysis.text_statistics(draft.value.body)["word_count"] > 100
    assert draft.value.reading_time_minutes >= 1
    assert revised.value.body.startswith(draft.value.body.rstrip())
    assert "add an example" in revised.value.body
    assert revised.value.word_count > draft.value.word_count
    assert "word_count" not in json.dumps(Article.model_json_schema())  # measured by the app, never asked of the model


def test_summary_is_built_from_the_research_notes_it_is_given(agents: dict[str, object]) -> None:
    notes = ResearchFindings(
        area="market",
        key_points=["Buyers are platform teams."],
        risks=["Long sales cycles."],
        open_questions=["Who pays?"],
    )
    prompt = f"Topic: vector databases\n\nMarket research notes:\n```json\n{notes.model_dump_json()}\n```"

    summary = run(agents[SUMMARY], prompt, ResearchSummary).value

    assert "Buyers are platform teams" in summary.summary
    assert "Long sales cycles." in summary.summary
    assert "Who pays?" in summary.recommendations


@pytest.mark.parametrize("model", [SpamVerdict, EmailReply, ResearchFindings, ResearchSummary, Article])
@pytest.mark.parametrize("prompt", ["", "hello", "Topic: x\n\n```json\n{broken\n```", "From: nobody\n\n" + "A" * 5000])
def test_every_response_model_gets_valid_json_whatever_the_input(model: type[BaseModel], prompt: str) -> None:
    client = OfflineChatClient()
    response = asyncio.run(
        client.get_response([Message("user", [prompt or " "])], options={"response_format": model, "instructions": ""})
    )
    model.model_validate_json(response.text)


def test_without_a_response_model_the_agent_is_recognised_by_its_instructions(agents: dict[str, object]) -> None:
    text = run(agents[SPAM_DETECTION], CLEAR_SPAM).text
    assert SpamVerdict.model_validate_json(text).is_spam


def test_unrecognised_requests_get_an_honest_plain_answer() -> None:
    client = OfflineChatClient()
    response = asyncio.run(client.get_response([Message("user", ["What is the capital of France?"])]))
    assert "offline model" in response.text and "no LLM" in response.text


def test_latency_setting_delays_each_call() -> None:
    client = OfflineChatClient(latency_ms=150)
    started = time.perf_counter()
    asyncio.run(client.get_response([Message("user", ["Topic: x"])], options={"response_format": ResearchFindings}))
    assert time.perf_counter() - started >= 0.15


def test_streaming_gives_the_same_answer_as_a_single_response() -> None:
    client = OfflineChatClient()
    messages = [Message("user", ["Topic: event sourcing"])]

    async def stream() -> object:
        updates = client.get_response(messages, stream=True, options={"response_format": ResearchFindings})
        async for _ in updates:
            pass
        return await updates.get_final_response()

    streamed = asyncio.run(stream())
    single = asyncio.run(client.get_response(messages, options={"response_format": ResearchFindings}))
    assert streamed.text == single.text and streamed.created_at


def test_the_apps_agents_decline_streaming_so_the_entity_makes_one_request_per_turn(agents: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="stream"):
        agents[SPAM_DETECTION].run(CLEAR_SPAM, stream=True)  # type: ignore[attr-defined]


def test_a_diverted_reply_to_is_a_signal_but_a_list_reply_to_is_not() -> None:
    from agents.mail_parsing import parse
    from agents.offline.spam_rules import message_signals

    base = "From: Ann <ann@shop.example>\nSubject: hi\n"
    diverted = message_signals(parse(base + "Reply-To: pay@elsewhere.example\n\nhello"))
    to_list = message_signals(
        parse(base + "Reply-To: dev@lists.example.net\nList-Id: Dev <dev.lists.example.net>\n\nhello")
    )
    same_site = message_signals(parse(base + "Reply-To: help@support.shop.example\n\nhello"))
    assert [s.description for s in diverted] == [
        "Reply-To sends answers to elsewhere.example, another domain than the sender's shop.example"
    ]
    assert to_list == [] and same_site == []


def test_failed_sender_authentication_is_a_signal_and_a_claimed_pass_is_not() -> None:
    from agents.mail_parsing import parse
    from agents.offline.spam_rules import message_signals

    def signals(results: str) -> list[tuple[str, float]]:
        mail = parse(f"From: bank@bank.example\nSubject: hi\n{results}\nhello")
        return [(s.description, s.weight) for s in message_signals(mail)]

    top = "Authentication-Results: mx.example.org; spf=fail smtp.mailfrom=bank.example; dkim=none; dmarc=FAIL\n"
    assert signals(top) == [("sender authentication: dmarc=fail", 3.0), ("sender authentication: spf=fail", 1.0)]
    assert (
        signals("Authentication-Results: mx.example.org; spf=pass; dkim=pass header.d=bank.example; dmarc=pass\n") == []
    )
    # only the topmost header counts: the one the receiving server added
    older = "Authentication-Results: mx.example.org; dmarc=pass\nAuthentication-Results: relay.example; dkim=fail\n"
    assert signals(older) == []
