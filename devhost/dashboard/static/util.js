// Shared helpers: safe HTML templates, JSON fetches, and the formats every view uses.

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Markup that is already safe; `html` inserts it as is. */
class Safe {
  constructor(text) { this.text = text; }
  toString() { return this.text; }
}

/** Markup built by a trusted renderer (which escaped its text itself). */
export const trusted = (text) => new Safe(text);

export const escape = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** Tagged template: interpolated values are escaped unless they come from `html` (or are lists of it). */
export function html(strings, ...values) {
  const render = (v) => (v instanceof Safe ? v.text : Array.isArray(v) ? v.map(render).join("") : escape(v));
  return new Safe(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ""), ""));
}

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/** GET (or POST with a JSON body) and return the parsed JSON; non-2xx answers throw ApiError. */
export async function fetchJson(url, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(url, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!response.ok) throw new ApiError(response.status, data?.error ?? (text || response.statusText));
  return data;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

export function time(iso) {
  if (!iso) return "–";
  const at = new Date(iso);
  const sameDay = at.toDateString() === new Date().toDateString();
  return sameDay ? at.toLocaleTimeString() : at.toLocaleString();
}

export const number = (n) => (n ?? 0).toLocaleString();

/** A token count of `usage` (input, output or total); "unknown" when the model reported no usage. */
export const tokens = (usage, part) => (usage ? number(usage[part]) : html`<span class="muted" title="the model reported no token usage">unknown</span>`);

export const statusPill = (status) => html`<span class="pill status-${String(status).toLowerCase()}">${status}</span>`;

/** A JSON value, pretty-printed; strings are shown as text. */
export const jsonBlock = (value) =>
  html`<pre class="json">${typeof value === "string" ? value : JSON.stringify(value, null, 2)}</pre>`;

export const emptyRow = (columns, text) => html`<tr><td colspan="${columns}" class="empty">${text}</td></tr>`;

export const errorBox = (error) => html`<div class="card error-box"><strong>${error.status ?? "Error"}</strong> ${error.message}</div>`;

const rendered = new WeakMap();

/** Replace an element's content only when its markup changed, so a live refresh keeps focus, input and scroll. */
export function patch(element, markup) {
  const text = String(markup);
  if (rendered.get(element) === text) return;
  rendered.set(element, text);
  element.innerHTML = text;
}

/** Lay out a view: `[data-part]` elements become named parts to patch; `error` shows a failed refresh. */
export function layout(root, markup) {
  root.innerHTML = String(markup);
  const parts = Object.fromEntries([...root.querySelectorAll("[data-part]")].map((el) => [el.dataset.part, el]));
  return {
    parts,
    render(name, content) {
      patch(parts[name], html`${content}`);
      patch(parts.error, "");
    },
    fail(error) {
      patch(parts.error, errorBox(error));
    },
  };
}
