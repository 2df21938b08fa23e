// Metrics: per agent (calls, response time, tokens) and per orchestration name (runs by status, duration).

import { duration, emptyRow, fetchJson, html, layout, statusPill, tokens } from "./util.js";

export function mount(root) {
  const view = layout(root, html`
    <div class="heading"><h1>Metrics</h1></div>
    <div data-part="error"></div>
    <section class="card">
      <h2>Agents</h2>
      <table class="list">
        <thead><tr><th>Agent</th><th class="num">Sessions</th><th class="num">Calls</th><th class="num">Errors</th>
          <th class="num">Median response</th><th class="num">p95 response</th>
          <th class="num">Input tokens</th><th class="num">Output tokens</th><th class="num">Total tokens</th></tr></thead>
        <tbody data-part="agents"></tbody>
      </table>
    </section>
    <section class="card">
      <h2>Orchestrations</h2>
      <table class="list">
        <thead><tr><th>Name</th><th class="num">Runs</th><th>By status</th>
          <th class="num">Median duration</th><th class="num">p95 duration</th></tr></thead>
        <tbody data-part="orchestrations"></tbody>
      </table>
    </section>`);

  async function refresh() {
    const data = await fetchJson("/dashboard/api/metrics");
    view.render("agents", data.agents.length ? data.agents.map(agentRow) : emptyRow(9, "No agent calls yet."));
    view.render("orchestrations", data.orchestrations.length
      ? data.orchestrations.map(orchestrationRow)
      : emptyRow(5, "No orchestrations yet."));
  }

  return { refresh, fail: view.fail };
}

const agentRow = (a) => html`
  <tr data-agent="${a.agent}">
    <td><a href="/dashboard/agents?agent=${encodeURIComponent(a.agent)}">${a.agent}</a></td>
    <td class="num">${a.sessions}</td>
    <td class="num">${a.calls}</td>
    <td class="num">${a.errors}</td>
    <td class="num">${duration(a.responseTimeMs.median)}</td>
    <td class="num">${duration(a.responseTimeMs.p95)}</td>
    <td class="num">${tokens(a.tokens, "input")}</td>
    <td class="num">${tokens(a.tokens, "output")}</td>
    <td class="num">${tokens(a.tokens, "total")}</td>
  </tr>`;

const orchestrationRow = (o) => html`
  <tr data-name="${o.name}">
    <td><a href="/dashboard?name=${encodeURIComponent(o.name)}">${o.name}</a></td>
    <td class="num">${o.count}</td>
    <td>${Object.entries(o.byStatus).map(([status, n]) => html`${statusPill(status)}<span class="count">${n}</span> `)}</td>
    <td class="num">${duration(o.durationMs.median)}</td>
    <td class="num">${duration(o.durationMs.p95)}</td>
  </tr>`;
