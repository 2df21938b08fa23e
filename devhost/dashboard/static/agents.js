// Agent sessions: one row per conversation (an agent entity), newest first, filterable by agent.

import { emptyRow, fetchJson, html, layout, time, tokens } from "./util.js";

export function mount(root) {
  const view = layout(root, html`
    <div class="heading"><h1>Agent sessions</h1></div>
    <div data-part="error"></div>
    <form class="filters" data-part="filters">
      <select name="agent" aria-label="Agent" data-part="agents"></select>
    </form>
    <table class="list">
      <thead><tr><th>Agent</th><th>Session</th><th>Last request</th><th class="num">Calls</th>
        <th class="num">Tokens</th><th>Updated</th><th>Orchestration</th></tr></thead>
      <tbody data-part="rows"></tbody>
    </table>`);
  const selected = () => new URLSearchParams(location.search).get("agent") ?? "";
  view.parts.filters.agent.addEventListener("change", (event) => {
    const agent = event.target.value;
    history.replaceState(null, "", agent ? `?agent=${encodeURIComponent(agent)}` : location.pathname);
    refresh();
  });

  async function refresh() {
    const agent = selected();
    const data = await fetchJson(`/dashboard/api/agents${agent ? `?agent=${encodeURIComponent(agent)}` : ""}`);
    view.render("agents", html`<option value="">All agents</option>${data.agents.map(
      (a) => html`<option ${a.toLowerCase() === agent.toLowerCase() ? html`selected` : ""}>${a}</option>`)}`);
    view.render("rows", data.sessions.length ? data.sessions.map(row) : emptyRow(7, "No agent sessions yet."));
  }

  return { refresh, fail: view.fail };
}

const row = (s) => html`
  <tr data-entity-id="${s.entityId}" data-agent="${s.agent}">
    <td>${s.agent}</td>
    <td><a class="mono" href="${s.url}">${s.key}</a></td>
    <td class="clip" title="${s.lastPrompt ?? ""}">${s.lastPrompt ?? ""}</td>
    <td class="num">${s.calls}${s.errors ? html` <span class="pill status-failed">${s.errors} failed</span>` : ""}</td>
    <td class="num">${tokens(s.tokens, "total")}</td>
    <td>${time(s.updatedAt)}</td>
    <td>${s.orchestrationIds.map((id) => html`<a class="mono" href="/dashboard/orchestrations/${encodeURIComponent(id)}">${id.slice(0, 8)}…</a> `)}</td>
  </tr>`;
