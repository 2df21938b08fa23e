// The page shell: picks the view from the URL, follows links without reloading, refreshes live.

import { errorBox } from "./util.js";
import * as orchestrations from "./orchestrations.js";
import * as orchestration from "./orchestration.js";
import * as agents from "./agents.js";
import * as session from "./session.js";
import * as metrics from "./metrics.js";

const ROOT = "/dashboard";
const REFRESH_MS = 2000;
const ROUTES = [
  [/^\/?$/, orchestrations, "orchestrations"],
  [/^\/orchestrations\/(.+)$/, orchestration, "orchestrations"],
  [/^\/agents\/?$/, agents, "agents"],
  [/^\/agents\/(.+)$/, session, "agents"],
  [/^\/metrics\/?$/, metrics, "metrics"],
];

const view = document.getElementById("view");
const live = document.getElementById("live");
let current = null;

function route() {
  const path = location.pathname.slice(ROOT.length);
  for (const [pattern, module, section] of ROUTES) {
    const match = pattern.exec(path);
    if (match) return { module, section, arg: match[1] && decodeURIComponent(match[1]) };
  }
  return null;
}

async function show() {
  const found = route();
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.dataset.section === found?.section));
  view.replaceChildren();
  if (!found) {
    view.innerHTML = errorBox({ status: 404, message: "No such page." }).text;
    current = null;
    return;
  }
  current = found.module.mount(view, found.arg, { navigate });
  await refresh();
}

async function refresh() {
  const mounted = current;
  try {
    await mounted?.refresh();
  } catch (error) {
    if (mounted === current) mounted.fail(error);
  }
}

export function navigate(url) {
  history.pushState(null, "", url);
  show();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || link.target || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  const url = new URL(link.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(ROOT) || url.pathname.startsWith(`${ROOT}/api/`)) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener("popstate", show);
setInterval(() => { if (live.checked && !document.hidden) refresh(); }, REFRESH_MS);
show();
