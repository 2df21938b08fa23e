"""The seven agents of the app: name, instructions, tools and the structured answer each gives.

Each agent is bound to its response model (`ANSWERS`), so every call, from a flow or over its
`/api/agents/<name>/run` route, asks the model for that JSON. The flows parse and check the
answer themselves (`orchestrations/agent_calls.py`) so that a failed call reaches them as the
failure it was, not as an unparseable answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent_framework import Agent, SupportsAgentRun, SupportsChatGetResponse
from pydantic import BaseModel

from agents.models import Article, EmailReply, ResearchFindings, ResearchSummary, SpamVerdict
from agents.tools import check_sender, inspect_links, score_spam, text_statistics

SPAM_DETECTION = "SpamDetectionAgent"
EMAIL_ASSISTANT = "EmailAssistantAgent"
TECHNICAL_RESEARCH = "TechnicalResearchAgent"
MARKET_RESEARCH = "MarketResearchAgent"
COMPETITOR_RESEARCH = "CompetitorResearchAgent"
SUMMARY = "SummaryAgent"
CONTENT_GENERATION = "ContentGenerationAgent"

RESEARCH_AREAS = {TECHNICAL_RESEARCH: "technical", MARKET_RESEARCH: "market", COMPETITOR_RESEARCH: "competitor"}

ANSWERS: dict[str, type[BaseModel]] = {
    SPAM_DETECTION: SpamVerdict,
    EMAIL_ASSISTANT: EmailReply,
    **dict.fromkeys(RESEARCH_AREAS, ResearchFindings),
    SUMMARY: ResearchSummary,
    CONTENT_GENERATION: Article,
}
"""The response model each agent answers with."""

SPAM_INSTRUCTIONS = """You are SpamDetectionAgent, an email security analyst.
Decide whether the email you are given is spam, phishing or a scam.
Before deciding, call inspect_links on the email text, check_sender with the From address and the text, and
score_spam with the email exactly as given (headers included): a classifier trained on real mail that answers
a spam score, its threshold and the strongest evidence each way.
Weigh the tool results with the wording: urgency and threats, requests for money, gift cards, crypto or
credentials, prizes, shouting in capitals, and a sender that does not match the brand it claims.
Wrongly quarantined mail costs more than spam let through. The classifier learned from mailing-list mail of 2002:
it knows classic spam well, but ordinary business mail (invoices, orders, renewals, newsletters the recipient
subscribed to) can score high on its words alone. Follow its spam verdict when the wording, the links or the sender
support it; an ordinary business or personal message without such signals is legitimate whatever its score.
Answer with is_spam, a confidence between 0 and 1, a reason that names the concrete evidence, and the list
of signals you found (empty for a clean email)."""

SPAM_DESCRIPTION = (
    "Decide whether an email is spam, phishing or a scam. Pass the whole email as query, headers first (From:, "
    "Subject:, a blank line, then the body). Answers JSON: is_spam, confidence (0 to 1), reason and signals, from "
    "the agent's link and sender checks. Nothing is sent, replied to or quarantined."
)
"""SpamDetectionAgent's description: what MCP clients read about its tool (api/mcp_tools.py)."""

EMAIL_ASSISTANT_INSTRUCTIONS = """You are EmailAssistantAgent. You draft a courteous, concise reply to a legitimate email.
Address the sender by name when you know it, answer or acknowledge every question asked, propose a next step,
and never invent facts, prices or commitments: say what will be checked instead.
Return the reply's subject (keep "Re:" and the original subject) and its plain-text body with a sign-off."""

RESEARCH_INSTRUCTIONS = """You are {name}, a {area} research analyst.
Research angle: {area}.
{focus}
Be specific to the topic you are given. Separate what is well established from what is uncertain.
Return the area ("{area}"), key points, risks, and open questions."""

RESEARCH_FOCUS = {
    "technical": "Cover how it works, architecture options, maturity of the technology, integration effort and "
    "operational concerns such as security, scale and cost.",
    "market": "Cover who buys it and why, market size and growth drivers, pricing models, adoption barriers and "
    "regulation.",
    "competitor": "Cover the main vendors and open-source alternatives, how they differentiate, switching costs and "
    "where a newcomer could win.",
}

SUMMARY_INSTRUCTIONS = """You are SummaryAgent. You receive technical, market and competitor research notes on one topic.
Synthesize them: a one-line headline, one paragraph that connects the three angles (do not just list them), and
three to five concrete, prioritized recommendations. Do not add facts that are not in the notes."""

CONTENT_INSTRUCTIONS = """You are ContentGenerationAgent, a technical writer for a company blog.
Write a clear, well-structured Markdown article of 300 to 600 words on the topic you are given: a headline,
a short introduction, two to four sections with headings, and a conclusion with a call to action.
When you are asked to revise, keep what worked and address every point of the reviewer's feedback.
You may call text_statistics to check the length of a draft; answer with the title and the body only."""


if TYPE_CHECKING:  # ChatOptions is generic for type checkers only; each agent has its own response model
    from agent_framework import ChatOptions

    _AnsweringAgent = Agent[ChatOptions[Any]]
else:
    _AnsweringAgent = Agent


class NonStreamingAgent(_AnsweringAgent):
    """An agent that answers each model turn with one non-streaming request.

    The durable agent entity asks for a stream first and, when that fails for any reason, repeats
    the whole call without streaming: every endpoint fault would be paid twice (two requests, two
    time-outs). Declining streaming up front takes the entity's own fallback path for agents that
    do not stream, so a turn is one request, and non-streaming answers always carry token usage.
    Nothing is lost: the entity only gathers the stream into the final answer. Requests that failed
    are left out of the conversation sent to the model (`without_failed_requests`).
    """

    def run(self, messages: Any = None, *, stream: bool = False, **kwargs: Any) -> Any:
        if stream:
            raise TypeError("durable agents answer without streaming; run again with stream=False")
        if isinstance(messages, list):
            messages = without_failed_requests(messages)
        return super().run(messages, **kwargs)


def without_failed_requests(messages: list[Any]) -> list[Any]:
    """The conversation without the requests that failed, so a retry sends what the first attempt sent.

    The durable agent entity keeps every request in the session's history and answers a failed one
    with an assistant message holding only an error; it replays both to the model on the next call
    (the error flag is not kept in the stored state). A retry would then carry each failed attempt's
    prompt again, growing the conversation until it overflows a small context window.
    """
    kept: list[Any] = []
    for message in messages:
        if message.role == "assistant" and message.contents and all(c.type == "error" for c in message.contents):
            if kept and kept[-1].role == "user":
                kept.pop()  # the request that failed
            continue
        kept.append(message)
    return kept


def build_agents(client: SupportsChatGetResponse) -> list[SupportsAgentRun]:
    """Create the app's agents on one chat client, each bound to its response model."""

    def agent(
        name: str, instructions: str, tools: Sequence[Any] = (), description: str | None = None
    ) -> NonStreamingAgent:
        return NonStreamingAgent(
            client=client,
            name=name,
            description=description,
            instructions=instructions,
            tools=list(tools) or None,
            default_options={"response_format": ANSWERS[name]},
        )

    return [
        agent(SPAM_DETECTION, SPAM_INSTRUCTIONS, [inspect_links, check_sender, score_spam], SPAM_DESCRIPTION),
        agent(EMAIL_ASSISTANT, EMAIL_ASSISTANT_INSTRUCTIONS),
        *(
            agent(name, RESEARCH_INSTRUCTIONS.format(name=name, area=area, focus=RESEARCH_FOCUS[area]))
            for name, area in RESEARCH_AREAS.items()
        ),
        agent(SUMMARY, SUMMARY_INSTRUCTIONS),
        agent(CONTENT_GENERATION, CONTENT_INSTRUCTIONS, [text_statistics]),
    ]
