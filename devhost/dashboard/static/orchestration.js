// One orchestration: status, the review form when it waits for a decision, the timeline, its data.

import { duration, fetchJson, html, jsonBlock, layout, statusPill, time } from "./util.js";
import { markdown } from "./markdown.js";
import { timeline } from "./timeline.js";

export function mount(root, instanceId) {
  const view = layout(root, html`
    <div data-part="error"></div>
    <div data-part="header"></div>
    <div data-part="notice"></div>
    <div data-part="approval"></div>
    <div data-part="timeline"></div>
    <div data-part="data"></div>`);
  const open = new Set(); // timeline steps the user expanded, kept across refreshes
  view.parts.timeline.addEventListener("toggle", (event) => {
    const step = event.target.dataset.step;
    if (step !== undefined) event.target.open ? open.add(step) : open.delete(step);
  }, true);
  view.parts.approval.addEventListener("submit", (event) => decide(event, view, refresh));
  const drafts = new Map(); // whole drafts, by the URL the custom status refers to them with

  async function refresh() {
    const o = await fetchJson(`/dashboard/api/orchestrations/${encodeURIComponent(instanceId)}`);
    view.render("header", header(o));
    view.render("approval", o.approval ? approval(o.approval, await wholeDraft(o.approval.draft, drafts)) : "");
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

// A Markdown body that opens with its own heading already shows the title.
const startsWithHeading = (text) => /^\s*#\s/.test(text ?? "");

/**
 * The draft under review with its text: a flow that keeps drafts in storage puts a reference (title, excerpt,
 * `url`) in its custom status; the text is fetched from that URL's path on this host, once per draft.
 */
async function wholeDraft(draft, cache) {
  if (!draft || typeof draft !== "object" || draft.body || !draft.url) return draft;
  if (!cache.has(draft.url)) {
    try {
      cache.set(draft.url, await fetchJson(new URL(draft.url).pathname));
    } catch {
      return draft; // the excerpt still shows
    }
  }
  const { excerpt, ...reference } = draft;
  return { ...reference, body: cache.get(draft.url).body };
}

// Custom status fields a review round shows in words, not among the other details.
const ROUND_FIELDS = new Set(["round", "max_rounds", "last_feedback", "decisions", "awaiting"]);

function approval(review, draft) {
  const fields = draft && typeof draft === "object" ? draft : { body: draft };
  const { title, headline, body, content, ...rest } = fields;
  const { round, max_rounds: rounds, last_feedback: feedback } = review.details;
  return html`
    <section class="card approval" data-decision-url="${review.decisionUrl}">
      <h2>Review required${round ? html` <span class="round-of">round ${round}${rounds ? ` of ${rounds}` : ""}</span>` : ""}</h2>
      <p class="muted">Waiting for <code>${review.event}</code>. The decision is posted to
        <code>POST ${review.decisionUrl}</code>${review.via === "app" ? ", the app's own decision route" : ""}.</p>
      ${feedback ? html`<blockquote class="previous-feedback"><strong>Feedback on round ${round - 1}:</strong> ${feedback}</blockquote>` : ""}
      ${Object.entries(review.details).filter(([k]) => !ROUND_FIELDS.has(k)).map(
        ([k, v]) => html`<p class="detail"><strong>${k}</strong> ${typeof v === "string" ? v : JSON.stringify(v)}</p>`)}
      <article class="draft">
        ${(title ?? headline) && !startsWithHeading(body ?? content) ? html`<h3 class="draft-title">${title ?? headline}</h3>` : ""}
        <div class="draft-body">${markdown(body ?? content ?? "")}</div>
        ${Object.keys(rest).length ? html`<dl class="facts small">${Object.entries(rest).map(
          ([k, v]) => html`<div><dt>${k}</dt><dd>${typeof v === "string" ? v : JSON.stringify(v)}</dd></div>`)}</dl>` : ""}
      </article>
      <form class="decision">
        <label for="feedback">Feedback for the author</label>
        <textarea id="feedback" name="feedback" rows="3" placeholder="What works, what to change…"></textarea>
        <div class="actions">
          <button type="submit" name="approved" value="true" class="primary">Approve</button>
          <button type="submit" name="approved" value="false" class="danger">Reject</button>
        </div>
      </form>
    </section>`;
}

async function decide(event, view, refresh) {
  event.preventDefault();
  const form = event.target;
  const section = form.closest("[data-decision-url]");
  const approved = event.submitter?.value === "true";
  form.querySelectorAll("button, textarea").forEach((el) => { el.disabled = true; });
  try {
    await fetchJson(section.dataset.decisionUrl, { approved, feedback: form.feedback.value });
    view.render("notice", html`<div class="card notice">Decision sent: <strong>${approved ? "approved" : "rejected"}</strong>.</div>`);
    await refresh();
  } catch (error) {
    form.querySelectorAll("button, textarea").forEach((el) => { el.disabled = false; });
    view.render("notice", html`<div class="card error-box">The decision was not accepted: ${error.message}</div>`);
  }
}

const data = (o) => html`
  ${o.failure ? html`<section class="card failure"><h2>Failure</h2><p><strong>${o.failure.message}</strong></p>
    ${o.failure.details ? html`<pre class="json">${o.failure.details}</pre>` : ""}</section>` : ""}
  <div class="grid">
    <section class="card"><h2>Input</h2>${jsonBlock(o.input)}</section>
    <section class="card"><h2>Output</h2>${o.output === null ? html`<p class="muted">None yet.</p>` : jsonBlock(o.output)}</section>
    <section class="card"><h2>Custom status</h2>${o.customStatus === null ? html`<p class="muted">None.</p>` : jsonBlock(o.customStatus)}</section>
  </div>`;
