"""Parallel flow: three research agents at once (fan-out), then SummaryAgent (fan-in)."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from agents.catalog import RESEARCH_AREAS, SUMMARY
from agents.models import ResearchFindings, ResearchSummary
from orchestrations.inputs import ResearchInput
from orchestrations.steps import AgentLookup, answer, ask, set_stage


def summary_prompt(topic: str, sections: dict[str, dict[str, Any]]) -> str:
    """The three sets of notes as labelled JSON blocks, so no structure is lost."""
    blocks = [f"{area.capitalize()} research notes:\n```json\n{json.dumps(notes, indent=2)}\n```" for area, notes in sections.items()]
    return "\n\n".join([f"Topic: {topic}", "Summarize these research notes.", *blocks])


def research_orchestration(
    context: df.DurableOrchestrationContext, agents: AgentLookup
) -> Generator[Any, Any, dict[str, Any]]:
    """Input: a topic string or {"topic"}. Output: the summary and the technical, market and competitor sections."""
    topic = ResearchInput.model_validate(context.get_input()).topic
    prompt = f"Topic: {topic}\n\nResearch this topic from your angle."

    set_stage(context, "researching", topic=topic, agents=list(RESEARCH_AREAS))
    responses = yield context.task_all([ask(agents(name), prompt, ResearchFindings) for name in RESEARCH_AREAS])
    sections = {area: answer(response) for area, response in zip(RESEARCH_AREAS.values(), responses, strict=True)}

    set_stage(context, "summarizing", topic=topic)
    summary = answer((yield ask(agents(SUMMARY), summary_prompt(topic, sections), ResearchSummary)))
    set_stage(context, "done", topic=topic)
    return {"topic": topic, "summary": summary, "sections": sections}
