// The orchestration's steps on one time axis: concurrent work shows as overlapping bars.

import { duration, html, jsonBlock, time } from "./util.js";

const TICKS = [0, 0.25, 0.5, 0.75, 1];
const MIN_WIDTH = 0.6; // percent, so an instant step stays visible

/** Markup of the timeline of orchestration `o`; `open` holds the indices of expanded steps. */
export function timeline(o, open) {
  if (!o.timeline.length) return html`<p class="muted">No steps scheduled yet.</p>`;
  const origin = Date.parse(o.createdAt);
  const end = o.completedAt ? Date.parse(o.completedAt) : Date.now();
  const span = Math.max(end - origin, 1);
  const position = (step) => {
    const start = Date.parse(step.startedAt);
    const stop = step.endedAt ? Date.parse(step.endedAt) : step.kind === "event" ? start : end;
    const left = Math.min(((start - origin) / span) * 100, 100 - MIN_WIDTH);
    const width = Math.min(Math.max(((stop - start) / span) * 100, MIN_WIDTH), 100 - left);
    return `left:${left.toFixed(2)}%;width:${width.toFixed(2)}%`;
  };
  return html`
    <div class="timeline">
      <div class="axis"><span></span><span class="track">${TICKS.map(
        (t) => html`<span class="tick" style="left:${t * 100}%">${duration(span * t)}</span>`)}</span><span></span></div>
      ${o.timeline.map((step, i) => row(step, i, position(step), open.has(String(i))))}
    </div>`;
}

const row = (step, i, style, expanded) => html`
  <details class="step kind-${step.kind} status-${step.status}" data-step="${i}" data-kind="${step.kind}"
      data-name="${step.name}" data-status="${step.status}" ${expanded ? html`open` : ""}>
    <summary>
      <span class="step-label"><span class="kind">${step.kind}</span>${step.round
        ? html`<span class="round" title="round ${step.round}">r${step.round}</span>` : ""}${step.url
        ? html`<a class="step-name" href="${step.url}" title="${step.name}">${step.name}</a>`
        : html`<span class="step-name" title="${step.name}">${step.name}</span>`}</span>
      <span class="track"><span class="bar" style="${style}" title="${step.name}: ${step.status}"></span></span>
      <span class="step-duration">${step.durationMs === null ? step.status : duration(step.durationMs)}</span>
    </summary>
    <div class="step-detail">${detail(step)}</div>
  </details>`;

function detail(step) {
  const facts = [
    ["Status", step.status],
    ["Started", time(step.startedAt)],
    ["Ended", step.endedAt ? time(step.endedAt) : "–"],
    ...(step.firesAt ? [["Fires at", time(step.firesAt)]] : []),
    ...(step.entityId ? [["Entity", step.entityId]] : []),
    ...(step.instanceId ? [["Instance", step.instanceId]] : []),
  ];
  const linkText = step.kind === "agent" ? "Open the conversation →" : "Open the sub-orchestration →";
  return html`
    <dl class="facts small">${facts.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
    ${step.url ? html`<p><a class="session-link" href="${step.url}">${linkText}</a></p>` : ""}
    ${step.error ? html`<pre class="json error-text">${step.error}</pre>` : ""}
    ${step.input !== null ? html`<h4>Input</h4>${jsonBlock(step.input)}` : ""}
    ${step.result !== null ? html`<h4>Result</h4>${jsonBlock(step.result)}` : ""}`;
}
