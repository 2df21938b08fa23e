"""The seven agents of the app: name, instructions and tools.

Response models are not bound here: each flow asks for the model it reads, so an
agent can also be called freely over its `/api/agents/<name>/run` route.
"""

from __future__ import annotations

from agent_framework import Agent, SupportsChatGetResponse

from agents.tools import check_sender, inspect_links, score_spam, text_statistics

SPAM_DETECTION = "SpamDetectionAgent"
EMAIL_ASSISTANT = "EmailAssistantAgent"
TECHNICAL_RESEARCH = "TechnicalResearchAgent"
MARKET_RESEARCH = "MarketResearchAgent"
COMPETITOR_RESEARCH = "CompetitorResearchAgent"
SUMMARY = "SummaryAgent"
CONTENT_GENERATION = "ContentGenerationAgent"

RESEARCH_AREAS = {TECHNICAL_RESEARCH: "technical", MARKET_RESEARCH: "market", COMPETITOR_RESEARCH: "competitor"}

SPAM_INSTRUCTIONS = """You are SpamDetectionAgent, an email security analyst.
Decide whether the email you are given is spam, phishing or a scam.
Before deciding, call inspect_links on the email text, check_sender with the From address and the text, and
score_spam with the email exactly as given (headers included): a classifier trained on real mail that answers
a spam score, its threshold and the strongest evidence each way.
Weigh the tool results with the wording: urgency and threats, requests for money, gift cards, crypto or
credentials, prizes, shouting in capitals, and a sender that does not match the brand it claims.
Wrongly quarantined mail costs more than spam let through: follow the classifier's verdict unless the other
evidence clearly contradicts it. An ordinary business or personal message without such signals is legitimate.
Answer with is_spam, a confidence between 0 and 1, a reason that names the concrete evidence, and the list
of signals you found (empty for a clean email)."""

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
After writing, call text_statistics on the body and report its word_count and reading_time_minutes."""


def build_agents(client: SupportsChatGetResponse) -> list[Agent]:
    """Create the app's agents on one chat client."""
    research_agents = [
        Agent(
            client=client,
            name=name,
            instructions=RESEARCH_INSTRUCTIONS.format(name=name, area=area, focus=RESEARCH_FOCUS[area]),
        )
        for name, area in RESEARCH_AREAS.items()
    ]
    return [
        Agent(
            client=client,
            name=SPAM_DETECTION,
            instructions=SPAM_INSTRUCTIONS,
            tools=[inspect_links, check_sender, score_spam],
        ),
        Agent(client=client, name=EMAIL_ASSISTANT, instructions=EMAIL_ASSISTANT_INSTRUCTIONS),
        *research_agents,
        Agent(client=client, name=SUMMARY, instructions=SUMMARY_INSTRUCTIONS),
        Agent(client=client, name=CONTENT_GENERATION, instructions=CONTENT_INSTRUCTIONS, tools=[text_statistics]),
    ]
