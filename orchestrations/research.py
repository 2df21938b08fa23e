"""Parallel flow: three research agents at once (fan-out), then SummaryAgent (fan-in).

One angle that still fails after its retries does not sink the others: the summary is written
from the angles that succeeded and the output names the missing one and why. With every angle
failed there is nothing to summarize and the flow fails.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from agent_app import app
from agents.catalog import RESEARCH_AREAS, SUMMARY
from orchestrations.activity_calls import set_stage
from orchestrations.agent_calls import AgentCall, AgentCalls
from orchestrations.inputs import ResearchInput, read_input
from settings import app_settings


def summary_prompt(topic: str, sections: dict[str, dict[str, Any]], missing: dict[str, str]) -> str:
    """The notes as labelled JSON blocks, so no structure is lost; missing angles are named as such."""
    blocks = [
        f"{area.capitalize()} research notes:\n```json\n{json.dumps(notes, indent=2)}\n```"
        for area, notes in sections.items()
    ]
    gaps = [f"No {area} research notes: that angle failed, so say the summary lacks it." for area in missing]
    return "\n\n".join([f"Topic: {topic}", "Summarize these research notes.", *blocks, *gaps])


@app.orchestration_trigger(context_name="context")
def research_orchestration(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Input: a topic string or {"topic"}. Output: the summary, the sections that succeeded, and any `missing` angle."""
    topic = read_input(ResearchInput, context.get_input()).topic
    prompt = f"Topic: {topic}\n\nResearch this topic from your angle."
    researchers = [app.get_agent(context, name) for name in RESEARCH_AREAS]
    summarizer = app.get_agent(context, SUMMARY)
    agents = AgentCalls(context, app_settings().model.retry)

    set_stage(context, "researching", topic=topic, agents=list(RESEARCH_AREAS))
    outcomes = yield from agents.ask_all([AgentCall(researcher, prompt) for researcher in researchers])
    sections = {RESEARCH_AREAS[o.agent]: o.answer for o in outcomes if o.answer is not None}
    missing = {RESEARCH_AREAS[o.agent]: str(o.failure) for o in outcomes if o.answer is None}
    if not sections:
        raise agents.failed("every research angle failed: " + "; ".join(missing.values()))

    set_stage(context, "summarizing", topic=topic, missing=missing)
    summary = yield from agents.ask(summarizer, summary_prompt(topic, sections, missing))
    set_stage(context, "done", topic=topic, missing=missing)
    return {"topic": topic, "summary": summary, "sections": sections, "missing": missing}
