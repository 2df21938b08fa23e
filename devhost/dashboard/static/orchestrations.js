// The orchestration list: live, filtered by status, name and instance id prefix (kept in the URL).

import { duration, emptyRow, fetchJson, html, layout, statusPill, time } from "./util.js";

const STATUSES = ["Running", "Pending", "Suspended", "Completed", "Failed", "Terminated"];

export function mount(root) {
  const view = layout(root, html`
    <div class="heading"><h1>Orchestrations</h1></div>
    <div data-part="error"></div>
    <form class="filters" data-part="filters">
      <div class="chips" data-part="chips" role="group" aria-label="Status"></div>
      <select name="name" aria-label="Orchestration name" data-part="names"></select>
      <input type="search" name="q" placeholder="Instance ID starts with…" aria-label="Instance ID prefix">
    </form>
    <table class="list">
      <thead><tr><th>Status</th><th>Name</th><th>Instance ID</th><th>Stage</th><th>Created</th><th class="num">Duration</th></tr></thead>
      <tbody data-part="rows"></tbody>
    </table>`);
  const form = view.parts.filters;
  const filters = () => new URLSearchParams(location.search);
  form.q.value = filters().get("q") ?? "";

  const setFilter = (key, value) => {
    const query = filters();
    value ? query.set(key, value) : query.delete(key);
    history.replaceState(null, "", `${location.pathname}${query.size ? `?${query}` : ""}`);
    refresh();
  };
  form.addEventListener("submit", (event) => event.preventDefault());
  form.name.addEventListener("change", () => setFilter("name", form.name.value));
  form.q.addEventListener("input", () => setFilter("q", form.q.value.trim()));
  view.parts.chips.addEventListener("click", (event) => {
    const chip = event.target.closest("button[data-status]");
    if (chip) setFilter("status", chip.dataset.status);
  });

  async function refresh() {
    const query = filters();
    const data = await fetchJson(`/dashboard/api/orchestrations?${query}`);
    const status = query.get("status") ?? "";
    const total = Object.values(data.counts).reduce((a, b) => a + b, 0);
    view.render("chips", [["", "All", total], ...STATUSES.map((s) => [s, s, data.counts[s] ?? 0])].map(
      ([value, label, count]) => html`<button type="button" data-status="${value}"
        class="chip ${value === status ? "selected" : ""}" aria-pressed="${value === status}">${label} <span>${count}</span></button>`,
    ));
    const name = query.get("name") ?? "";
    view.render("names", html`<option value="">All names</option>${data.names.map(
      (n) => html`<option value="${n}" ${n === name ? html`selected` : ""}>${n}</option>`)}`);
    view.render("rows", data.orchestrations.length ? data.orchestrations.map(row) : emptyRow(6, "No orchestrations match."));
  }

  return { refresh, fail: view.fail };
}

const row = (o) => html`
  <tr data-instance-id="${o.instanceId}" data-name="${o.name}" data-status="${o.status}">
    <td>${statusPill(o.status)}</td>
    <td>${o.name}</td>
    <td><a class="mono" href="${o.url}">${o.instanceId}</a></td>
    <td>${o.stage ?? ""}</td>
    <td>${time(o.createdAt)}</td>
    <td class="num">${duration(o.durationMs)}${o.completedAt ? "" : html` <span class="muted">so far</span>`}</td>
  </tr>`;
