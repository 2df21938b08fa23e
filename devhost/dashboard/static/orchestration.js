// One orchestration: status, the admin actions the Durable Task Scheduler dashboard offers, the timeline, its data.

import { duration, fetchJson, html, jsonBlock, layout, statusPill, time } from "./util.js";
import { timeline } from "./timeline.js";

const INSTANCES = "/runtime/webhooks/durabletask/instances";
const ENDED = new Set(["Completed", "Failed", "Terminated"]);

export function mount(root, instanceId) {
  const view = layout(root, html`
    <div data-part="error"></div>
    <div data-part="header"></div>
    <div data-part="notice"></div>
    <div data-part="actions"></div>
    <div data-part="timeline"></div>
    <div data-part="data"></div>`);
  const open = new Set(); // timeline steps the user expanded, kept across refreshes
  view.parts.timeline.addEventListener("toggle", (event) => {
    const step = event.target.dataset.step;
    if (step !== undefined) event.target.open ? open.add(step) : open.delete(step);
  }, true);
  view.parts.actions.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) act(button.dataset.action, instanceId, view, refresh);
  });

  async function refresh() {
    const o = await fetchJson(`/dashboard/api/orchestrations/${encodeURIComponent(instanceId)}`);
    view.render("header", header(o));
    view.render("actions", actions(o));
    view.render("timeline", html`<section class="card"><h2>Timeline</h2>${timeline(o, open)}</section>`);
    view.render("data", data(o));
  }

  return { refresh, fail: view.fail };
}

const header = (o) => html`
  <div class="heading">
    <h1>${o.name} ${statusPill(o.status)}</h1>
    <a class="muted" href="/dashboard">← all orchestrations</a>
  </div>
  <dl class="facts">
    <div><dt>Instance ID</dt><dd class="mono">${o.instanceId}</dd></div>
    <div><dt>Created</dt><dd>${time(o.createdAt)}</dd></div>
    <div><dt>${o.completedAt ? "Ended" : "Last update"}</dt><dd>${time(o.completedAt ?? o.updatedAt)}</dd></div>
    <div><dt>Duration</dt><dd>${duration(o.durationMs)}${o.completedAt ? "" : " so far"}</dd></div>
    ${o.stage ? html`<div><dt>Stage</dt><dd>${o.stage}</dd></div>` : ""}
    ${o.parentId ? html`<div><dt>Parent</dt><dd><a class="mono" href="/dashboard/orchestrations/${encodeURIComponent(o.parentId)}">${o.parentId}</a></dd></div>` : ""}
  </dl>`;

// Which actions an instance in each runtime status takes, as the Durable HTTP API accepts them.
function available(status) {
  if (status === "Suspended") return ["resume", "terminate", "restart"];
  if (status === "Failed") return ["rewind", "restart", "purge"];
  if (ENDED.has(status)) return ["restart", "purge"];
  return ["suspend", "terminate", "restart"];
}

const LABELS = { terminate: "Terminate", suspend: "Suspend", resume: "Resume", restart: "Restart", rewind: "Rewind",
  purge: "Purge", raise: "Raise event" };

const actions = (o) => html`
  <section class="card admin" data-status="${o.status}">
    <h2>Actions</h2>
    <div class="admin-row">
      <label>Reason <input id="action-reason" name="reason" maxlength="200" placeholder="optional, recorded with the action"></label>
      ${available(o.status).map((a) => html`<button type="button" data-action="${a}" class="${a === "terminate" || a === "purge" ? "danger" : ""}">${LABELS[a]}</button>`)}
    </div>
    ${ENDED.has(o.status) ? "" : html`
    <div class="admin-row raise">
      <label>Event name <input id="event-name" name="event" maxlength="200" placeholder="e.g. ApprovalDecision"></label>
      <label class="grow">JSON payload <textarea id="event-payload" name="payload" rows="2" placeholder='{"key": "value"}'></textarea></label>
      <button type="button" data-action="raise">${LABELS.raise}</button>
    </div>`}
  </section>`;

/** The request an action sends to the Durable HTTP API, or an error message when its inputs are not usable. */
function request(action, instanceId) {
  const base = `${INSTANCES}/${encodeURIComponent(instanceId)}`;
  const reason = encodeURIComponent(document.getElementById("action-reason")?.value ?? "");
  if (action === "purge") return { method: "DELETE", url: base };
  if (action === "restart") return { method: "POST", url: `${base}/restart` };
  if (action !== "raise") return { method: "POST", url: `${base}/${action}?reason=${reason}` };
  const name = document.getElementById("event-name").value.trim();
  const text = document.getElementById("event-payload").value.trim();
  if (!name) return { error: "Give the event a name." };
  try {
    const payload = text ? JSON.parse(text) : null;
    return { method: "POST", url: `${base}/raiseEvent/${encodeURIComponent(name)}`, body: JSON.stringify(payload), name };
  } catch (error) {
    return { error: `The payload is not JSON: ${error.message}` };
  }
}

function confirmation(action, instanceId, sent) {
  if (action === "raise") return `Raise the event "${sent.name}" on ${instanceId} with this payload?\n\n${sent.body}`;
  const what = {
    terminate: "Terminate it: it stops for good, work in flight is abandoned.",
    suspend: "Suspend it: it stops processing until resumed.",
    resume: "Resume it.",
    restart: "Restart it: a new instance runs the same orchestrator with the same input.",
    rewind: "Rewind it: the failed steps run again from where it failed.",
    purge: "Purge it: its history and state are deleted and cannot be recovered.",
  }[action];
  return `${what}\n\nInstance ${instanceId}`;
}

async function act(action, instanceId, view, refresh) {
  const sent = request(action, instanceId);
  if (sent.error) {
    view.render("notice", html`<div class="card error-box" data-action="${action}">${sent.error}</div>`);
    return;
  }
  if (!window.confirm(confirmation(action, instanceId, sent))) return;
  const response = await fetch(sent.url, {
    method: sent.method, headers: sent.body === undefined ? {} : { "Content-Type": "application/json" }, body: sent.body,
  });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  view.render("notice", outcome(action, response, body));
  if (response.ok && action !== "purge") await refresh();
}

function outcome(action, response, body) {
  const label = LABELS[action];
  if (!response.ok) {
    return html`<div class="card error-box" data-action="${action}" data-outcome="refused">
      <strong>${label} refused (${response.status})</strong> ${body?.error ?? body?.ExceptionMessage ?? body ?? response.statusText}</div>`;
  }
  let detail = "accepted";
  if (action === "purge") detail = `${body?.instancesDeleted ?? 0} instance(s) deleted`;
  if (action === "restart" && body?.id) {
    return html`<div class="card notice" data-action="${action}" data-outcome="done"><strong>${label}</strong>: started as
      <a class="mono" href="/dashboard/orchestrations/${encodeURIComponent(body.id)}">${body.id}</a></div>`;
  }
  return html`<div class="card notice" data-action="${action}" data-outcome="done"><strong>${label}</strong>: ${detail} (${response.status})</div>`;
}

function output(o) {
  if (o.output !== null) return jsonBlock(o.output);
  if (o.status === "Failed") return html`<p class="muted">None: the orchestration failed (see Failure).</p>`;
  if (ENDED.has(o.status)) return html`<p class="muted">None.</p>`;
  return html`<p class="muted">None yet: it has not ended.</p>`;
}

const data = (o) => html`
  ${o.failure ? html`<section class="card failure"><h2>Failure</h2><p><strong>${o.failure.message}</strong></p>
    ${o.failure.details ? html`<pre class="json">${o.failure.details}</pre>` : ""}</section>` : ""}
  <div class="grid">
    <section class="card"><h2>Input</h2>${jsonBlock(o.input)}</section>
    <section class="card"><h2>Output</h2>${output(o)}</section>
    <section class="card"><h2>Custom status</h2>${o.customStatus === null ? html`<p class="muted">None.</p>` : jsonBlock(o.customStatus)}</section>
  </div>`;
