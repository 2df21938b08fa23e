"""The four flows against a self-hosted OpenAI-compatible server, with the figures of each.

    python -m bench.self_hosted --base-url http://127.0.0.1:8080/v1 [--model NAME] [--api-key KEY]

Runs the real function_app.py on the local host with the default settings (other than the three
OPENAI_* ones; any MODEL_* variable in the environment passes through) and, in order: a phishing
mail (must be quarantined), a personal mail (must get a reply), a research request, and a content
request approved as soon as it reaches the reviewer (must be published). Every model request goes
through a counting proxy, so each flow prints its time, model requests (by HTTP status) and tokens.
Exits non-zero when a flow does not end as it must. See docs/self-hosted-models.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devhost.process import REPO, DevHost, free_port

API = "/runtime/webhooks/durabletask"
PHISHING = {
    "content": "Your account will be suspended. Verify your account at http://paypa1-secure.xyz/login "
    "and confirm your password within 24 hours.",
    "sender": "PayPal Security <security@paypa1.com>",
    "subject": "Account suspended",
}
PERSONAL = {
    "content": "Hi, could we move the review to 3pm on Thursday? Thanks, Alex",
    "sender": "Alex <alex@contoso.com>",
    "subject": "Review time",
}


@dataclass
class Tally:
    """What went through the proxy: requests by status, tokens from `usage`, the longest request."""

    statuses: Counter[int] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    longest_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, body: bytes, seconds: float) -> None:
        try:
            usage = json.loads(body).get("usage") or {}
        except (ValueError, AttributeError):
            usage = {}
        with self.lock:
            self.statuses[status] += 1
            self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
            self.completion_tokens += int(usage.get("completion_tokens") or 0)
            self.longest_seconds = max(self.longest_seconds, seconds)

    def take(self) -> dict[str, Any]:
        with self.lock:
            figures = {
                "requests": sum(self.statuses.values()),
                "by_status": dict(sorted(self.statuses.items())),
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "longest_request_s": round(self.longest_seconds, 1),
            }
            self.statuses.clear()
            self.prompt_tokens = self.completion_tokens = 0
            self.longest_seconds = 0.0
        return figures


def counting_proxy(upstream: str, tally: Tally) -> tuple[ThreadingHTTPServer, str]:
    """A pass-through HTTP proxy to `upstream` (…/v1) that tallies each chat completion."""

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
            request = urllib.request.Request(
                upstream + self.path.removeprefix("/v1"), data, headers, method=self.command
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=3600) as answer:
                    status, body = answer.status, answer.read()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            except OSError as error:  # the server went away
                status, body = 502, json.dumps({"error": {"message": f"proxy: {error}"}}).encode()
            if self.path.endswith("/chat/completions"):
                tally.add(status, body, time.perf_counter() - started)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the app gave up waiting: the server worked on regardless
                pass

        do_GET = do_POST = _forward

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def served_model(base_url: str, api_key: str) -> str:
    request = urllib.request.Request(f"{base_url}/models", headers={"Authorization": f"Bearer {api_key}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.load(answer)["data"][0]["id"])


def run_flow(host: DevHost, route: str, body: object) -> str:
    code, reply = host.request("POST", f"/api/{route}/run", body)
    if code != 202:
        raise RuntimeError(f"{route}: {code} {reply}")
    return str(reply["id"])


def in_review(status: dict[str, Any]) -> bool:
    """The draft reached the reviewer, or the flow ended before it could."""
    return (
        status["runtimeStatus"] != "Running" or (status.get("customStatus") or {}).get("stage") == "awaiting_approval"
    )


def detail(output: dict[str, Any]) -> str:
    """What the model contributed to a finished flow, in a few words."""
    if "verdict" in output:
        verdict = output["verdict"]
        overruled = ", overruled by the app's checks" if "overruled" in output else ""
        return f"{output['branch']}: model says is_spam={verdict['is_spam']} at {verdict['confidence']}{overruled}"
    if "sections" in output:
        return f"{len(output['sections'])} of 3 angles" + (
            f", missing {sorted(output['missing'])}" if output.get("missing") else ""
        )
    if "draft" in output:
        return f"{output['draft']['word_count']}-word draft, {len(output['rounds'])} round(s)"
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="the server's OpenAI base URL, e.g. http://127.0.0.1:8080/v1")
    parser.add_argument("--model", help="model name to send (default: the first the server lists)")
    parser.add_argument("--api-key", default="local", help="sent as the bearer token (most local servers ignore it)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds each flow may take")
    args = parser.parse_args()
    base_url = args.base_url.rstrip("/")
    model = args.model or served_model(base_url, args.api_key)
    tally = Tally()
    proxy, proxy_url = counting_proxy(base_url, tally)
    folder = Path(tempfile.mkdtemp(prefix="self-hosted-"))
    settings = {
        "OPENAI_API_KEY": args.api_key,
        "OPENAI_BASE_URL": proxy_url,
        "OPENAI_CHAT_COMPLETION_MODEL": model,
        "LOCAL_DATA_DIR": str(folder / "data"),
        "DEVHOST_LOG_LEVEL": "INFO",
    }
    host = DevHost("function_app", REPO, folder / "db.sqlite", folder / "host.log", settings).start()
    print(f"model {model!r} at {base_url}; host log {folder / 'host.log'}")
    failures = 0
    try:
        for name, route, body, check in (
            ("phishing mail", "spam-detection", PHISHING, lambda out: out["branch"] == "spam"),
            ("personal mail", "spam-detection", PERSONAL, lambda out: True),  # the branch is the verdict's
            ("research", "research", {"topic": "running small language models on a laptop"}, lambda out: True),
            (
                "content review",
                "content",
                {"topic": "why local inference matters", "timeout_hours": 1},
                lambda out: out["status"] == "published",
            ),
        ):
            started = time.perf_counter()
            instance_id = run_flow(host, route, body)
            if route == "content":
                host.wait_for(
                    instance_id, ("Running", "Completed", "Failed"), timeout=args.timeout, predicate=in_review
                )
                event = f"{API}/instances/{instance_id}/raiseEvent/ApprovalDecision"
                host.request("POST", event, {"approved": True, "feedback": "Approved by the benchmark"})
            status = host.wait_for(instance_id, timeout=args.timeout)
            seconds = time.perf_counter() - started
            ok = status["runtimeStatus"] == "Completed" and check(status["output"])
            failures += not ok
            result = f"ok ({detail(status['output'])})" if ok else f"FAILED: {json.dumps(status.get('output'))[:600]}"
            print(f"{name:15} {seconds:7.1f} s  {json.dumps(tally.take())}  {result}")
    finally:
        host.stop()
        proxy.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
