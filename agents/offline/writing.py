"""Text the offline model composes from its input: replies, research notes, summaries, articles.

Everything is assembled from the input with templates and says that it is offline
output, so nobody mistakes it for a language model's work.
"""

from __future__ import annotations

import re

from agents.auto_reply import REPLY_PREFIX
from agents.models import Article, EmailReply, ResearchFindings, ResearchSummary
from agents.offline.reading import EmailText, keywords, questions

OFFLINE_NOTE = "offline model (rule-based templates, no LLM, no web access)"
NOTE_PREFIX = f"Written by the {OFFLINE_NOTE}:"

RESEARCH_TEMPLATES: dict[str, dict[str, list[str]]] = {
    "technical": {
        "key_points": [
            "Core building blocks of {topic}: list the components and how data flows between them.",
            "Integration: which existing systems {topic} must connect to, and through which APIs or protocols.",
            "Operations: security, scaling limits and the cost drivers of running {topic} in production.",
        ],
        "risks": [
            "Maturity: tooling for {topic} may still change quickly; pin versions and plan upgrades.",
            "Hidden operational cost of {topic} beyond the prototype stage.",
        ],
        "open_questions": [
            "Which workload would prove the value of {topic} in a two-week proof of concept?",
            "What are the latency, throughput and availability targets for {topic}?",
        ],
    },
    "market": {
        "key_points": [
            "Buyers: which teams feel the problem addressed by {topic}, and who signs the budget.",
            "Demand drivers: what makes {topic} urgent now (cost pressure, regulation, new capabilities).",
            "Pricing: compare usage-based, per-seat and flat pricing for offerings around {topic}.",
        ],
        "risks": [
            "Adoption barriers: skills, change management and procurement cycles for {topic}.",
            "Regulatory or data-residency constraints that apply to {topic}.",
        ],
        "open_questions": [
            "How large is the reachable market for {topic} in our segment, with sources?",
            "Which customer quotes or case studies show willingness to pay for {topic}?",
        ],
    },
    "competitor": {
        "key_points": [
            "Incumbents: the established vendors offering {topic} and what they bundle it with.",
            "Open-source alternatives for {topic} and the communities behind them.",
            "Differentiation: where offerings around {topic} compete on price, integration or specialisation.",
        ],
        "risks": [
            "Platform vendors may ship {topic} as a free feature of a larger product.",
            "Switching costs can lock early customers of {topic} into one vendor.",
        ],
        "open_questions": [
            "Which competitor is closest to our use of {topic}, and what do their customers complain about?",
            "Where is an underserved niche for {topic}?",
        ],
    },
}


def reply(email: EmailText) -> EmailReply:
    """A polite reply that acknowledges the subject and every question the sender asked."""
    greeting = f"Hello {email.sender_name}," if email.sender_name else "Hello,"
    asked = questions(email.body)
    topic = REPLY_PREFIX.sub("", email.subject or "").rstrip(" .!?")  # "about Re: Budget?" reads "about Budget."
    thanks = f"Thank you for your message about {topic}." if topic else "Thank you for your message."
    lines = [greeting, "", thanks]
    if asked:
        lines += (
            ["", "You asked:"] + [f"- {q}" for q in asked] + ["", "I will look into each point and come back to you."]
        )
    else:
        lines += ["I have read it and will follow up with the details shortly."]
    lines += ["", "Best regards,", "The team", "", f"-- {NOTE_PREFIX} please review before relying on it."]
    subject = email.subject if re.match(r"re:", email.subject, re.IGNORECASE) else f"Re: {email.subject}"
    return EmailReply(subject=subject if email.subject else "Re: your message", body="\n".join(lines))


def research(area: str, topic: str) -> ResearchFindings:
    """A research checklist for one angle, filled in with the topic."""
    template = RESEARCH_TEMPLATES.get(area, RESEARCH_TEMPLATES["technical"])
    fill = {key: [line.format(topic=topic) for line in lines] for key, lines in template.items()}
    return ResearchFindings(
        area=area,
        key_points=[
            f"{NOTE_PREFIX} these points frame the {area} analysis of '{topic}'; they are not findings.",
            *fill["key_points"],
        ],
        risks=fill["risks"],
        open_questions=fill["open_questions"],
    )


def summary(topic: str, notes: list[ResearchFindings]) -> ResearchSummary:
    """Join the research notes into one paragraph and turn their open questions into next steps."""
    parts = []
    for note in notes:
        points = [p for p in note.key_points if not p.startswith(NOTE_PREFIX)]
        if points:
            parts.append(f"the {note.area} notes start from: {points[0].rstrip('.')}")
    risks = [risk for note in notes for risk in note.risks[:1]]
    text = (
        f"{NOTE_PREFIX} for {topic}, "
        + ("; ".join(parts) if parts else "no research notes were found in the input")
        + "."
    )
    if risks:
        text += " Main risks: " + " ".join(risks)
    recommendations = [q for note in notes for q in note.open_questions[:1]]
    recommendations.append("Run this research again with a real model (AZURE_OPENAI_* or OPENAI_* settings).")
    total = sum(len(note.key_points) for note in notes)
    return ResearchSummary(
        headline=f"{topic}: {total} points across {len(notes)} research angles (offline synthesis)",
        summary=text,
        recommendations=recommendations,
    )


def article_draft(topic: str) -> tuple[str, str]:
    """Title and Markdown body of a first draft on the topic."""
    title = topic[:1].upper() + topic[1:]
    terms = keywords(topic) or [topic]
    body = "\n".join(
        [
            f"# {title}",
            "",
            f"*{NOTE_PREFIX} a structure for a writer to fill in, not finished prose.*",
            "",
            "## Introduction",
            "",
            f"Conversations with engineering and business teams keep coming back to {topic}. This article "
            f"explains the ideas behind {topic}, why they matter now, and how to take a first step.",
            "",
            f"## The ideas behind {topic}",
            "",
            *[f"- **{term}**: what it means in the context of {topic} and why readers should care." for term in terms],
            "",
            "## Why it matters",
            "",
            f"Teams that understand {topic} early can decide with evidence instead of hype. The useful questions are "
            "which problem to solve, what adoption costs, and how success will be measured.",
            "",
            "## How to get started",
            "",
            f"1. Pick one concrete use case for {topic} with a measurable goal.",
            "2. Build a small proof of concept and record what worked and what did not.",
            "3. Share the results and decide on the next step together.",
            "",
            "## Conclusion",
            "",
            f"It is worth taking a closer look at {topic}. Start small, measure, and tell us what you learn.",
        ]
    )
    return title, body


REVISION_NOTES = "## Revision notes"


def article_revision(previous: Article, feedback: str) -> tuple[str, str]:
    """The previous draft with a section that answers the reviewer's feedback point by point, in place of the notes
    on earlier feedback (they were answered then: a draft does not grow with every round)."""
    body = previous.body.split(f"\n{REVISION_NOTES}\n", 1)[0]
    points = [p.strip(" -") for p in feedback.replace(";", "\n").splitlines() if p.strip(" -")] or ["(no feedback)"]
    notes = [
        "",
        REVISION_NOTES,
        "",
        f"{NOTE_PREFIX} this revision responds to the reviewer's feedback:",
        "",
        *[
            f"- {point}: noted; the offline model cannot rewrite prose, so a writer should rework this."
            for point in points
        ],
    ]
    return previous.title, body.rstrip() + "\n" + "\n".join(notes)
