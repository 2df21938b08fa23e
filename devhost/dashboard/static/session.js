// One agent session: every call with its messages, tool calls and results, structured output and cost.

import { duration, fetchJson, html, jsonBlock, layout, number, time, tokens } from "./util.js";

export function mount(root, ref) {
  const view = layout(root, html`
    <div data-part="error"></div>
    <div data-part="header"></div>
    <div data-part="exchanges"></div>`);

  async function refresh() {
    const s = await fetchJson(`/dashboard/api/agents/${encodeURIComponent(ref)}`);
    view.render("header", header(s));
    view.render("exchanges", s.exchanges.length
      ? s.exchanges.map(exchange)
      : html`<p class="muted">This session has no calls yet.</p>`);
  }

  return { refresh, fail: view.fail };
}

const header = (s) => html`
  <div class="heading">
    <h1>${s.agent} <span class="muted">session</span></h1>
    <a class="muted" href="/dashboard/agents">← all sessions</a>
  </div>
  <dl class="facts">
    <div><dt>Entity</dt><dd class="mono">${s.entityId}</dd></div>
    <div><dt>Calls</dt><dd>${s.calls}</dd></div>
    <div><dt>Tokens in / out</dt><dd>${tokens(s.tokens, "input")} / ${tokens(s.tokens, "output")}</dd></div>
    <div><dt>Updated</dt><dd>${time(s.updatedAt)}</dd></div>
  </dl>`;

const exchange = (e, i) => html`
  <section class="card exchange ${e.isError ? "failed" : ""}" data-correlation-id="${e.correlationId ?? ""}">
    <header class="exchange-meta">
      <strong>Call ${i + 1}</strong>
      <span>${time(e.requestedAt)}</span>
      <span title="Response time">${e.response ? duration(e.responseTimeMs) : "running…"}</span>
      ${e.usage ? html`<span title="Tokens: input / output / total">${number(e.usage.input)} in · ${number(e.usage.output)} out · ${number(e.usage.total)} tokens</span>` : ""}
      ${e.responseFormat ? html`<span class="pill">${e.responseFormat}</span>` : ""}
      ${e.orchestrationId ? html`<a href="/dashboard/orchestrations/${encodeURIComponent(e.orchestrationId)}">orchestration ${e.orchestrationId.slice(0, 8)}…</a>` : ""}
    </header>
    ${e.request.map((m) => message(m, null))}
    ${(e.response ?? []).map((m) => message(m, e.structuredOutput))}
    ${e.structuredOutput !== null ? html`<div class="structured"><h4>Structured output${e.responseFormat ? ` · ${e.responseFormat}` : ""}</h4>${jsonBlock(e.structuredOutput)}</div>` : ""}
  </section>`;

function message(m, structured) {
  const items = m.items.filter((item) => item.type !== "usage" && !(structured !== null && isJsonOf(item, structured)));
  if (!items.length) return "";
  return html`
    <div class="message role-${m.role}">
      <div class="role">${m.role}${m.author && m.role !== "assistant" && m.role !== "tool" ? ` · ${m.author}` : ""}</div>
      ${items.map(content)}
    </div>`;
}

/** The assistant text that carried the structured output is shown once, as structured output. */
function isJsonOf(item, structured) {
  if (item.type !== "text") return false;
  try { return JSON.stringify(JSON.parse(item.text)) === JSON.stringify(structured); } catch { return false; }
}

function content(item) {
  switch (item.type) {
    case "text":
    case "reasoning":
      return html`<div class="text ${item.type}">${item.text}</div>`;
    case "functionCall":
      return html`<div class="tool-call"><h4>Tool call · <code>${item.name}</code></h4>${jsonBlock(item.arguments)}</div>`;
    case "functionResult":
      return html`<div class="tool-result"><h4>Tool result${item.name ? html` · <code>${item.name}</code>` : ""}</h4>${jsonBlock(item.result)}</div>`;
    case "error":
      return html`<div class="error-text"><strong>${item.errorCode ?? "Error"}</strong> ${item.message}</div>`;
    default:
      return html`<div class="other"><h4>${item.type}</h4>${jsonBlock(item)}</div>`;
  }
}
