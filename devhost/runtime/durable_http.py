"""Durable HTTP (``context.call_http``): the request the Durable extension makes for an orchestrator.

As in the extension's ``BuiltIn::HttpActivity``: the request's headers and content (``text/plain`` unless
a Content-Type is given, multipart refused), a bearer token when the request names a managed identity
token source, and the asynchronous 202 pattern followed (GET the ``Location`` after ``Retry-After``
seconds, 30 s by default) until another status comes back. The answer is the extension's
``DurableHttpResponse`` JSON: ``statusCode``, ``headers`` (without content headers, as .NET separates
them) and ``content``.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

ACTIVITY_NAME = "BuiltIn::HttpActivity"
REQUEST_TIMEOUT = 100  # seconds, .NET HttpClient's default
DEFAULT_POLL_SECONDS = 30  # HttpOptions.DefaultAsyncRequestSleepTimeMilliseconds
_CONTENT_HEADERS = {
    "allow",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "expires",
    "last-modified",
}


class DurableHttpError(Exception):
    """The request could not be made or answered; the message says which and why."""


def call(request_json: str, stopping: threading.Event) -> str:
    """Make the durable HTTP request described by ``request_json``; the ``DurableHttpResponse`` as JSON."""
    request = json.loads(request_json)
    method, uri = str(request.get("method") or "GET").upper(), str(request.get("uri") or "")
    if not uri.lower().startswith(("http://", "https://")):
        raise DurableHttpError(f"call_http needs an http or https URL, not '{uri}'")
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    token = _token(request.get("tokenSource"))
    status, response_headers, content = _send(method, uri, request.get("content"), headers, token)
    while status == 202 and response_headers.get("Location"):
        delay = _retry_after(response_headers.get("Retry-After"))
        if stopping.wait(delay):
            raise DurableHttpError(f"{method} {uri}: the host stopped while polling {response_headers['Location']}")
        poll_headers = {k: v for k, v in headers.items() if k.lower() != "x-functions-key"}
        status, response_headers, content = _send("GET", response_headers["Location"], None, poll_headers, token)
    return json.dumps({"statusCode": status, "headers": _header_dict(response_headers), "content": content})


def _send(
    method: str, uri: str, content: str | None, headers: dict[str, str], token: str | None
) -> tuple[int, Message, str]:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if content_type and "multipart" in content_type.lower():
        raise DurableHttpError("Multipart content is not supported with CallHttpAsync.")
    sent = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    if content is not None:
        sent["Content-Type"] = content_type or "text/plain"
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = content.encode("utf-8") if content is not None else None
    req = urllib.request.Request(uri, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as resp:
            return resp.status, resp.headers, _text(resp.read(), resp.headers)
    except urllib.error.HTTPError as answered:  # 4xx and 5xx are answers, handed to the orchestrator
        return answered.code, answered.headers, _text(answered.read(), answered.headers)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DurableHttpError(f"{method} {uri} failed: {reason}") from None


def _token(source: Any) -> str | None:
    """A bearer token for a managed identity token source: the app's identity in Azure, and locally
    whatever ``DefaultAzureCredential`` finds (``az login``, environment credentials)."""
    if not source:
        return None
    resource = str(source.get("resource") or "")
    scope = resource if resource.endswith("/.default") else resource.rstrip("/") + "/.default"
    try:
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential().get_token(scope).token
    except Exception as exc:  # no credential locally: say so instead of sending the request without one
        raise DurableHttpError(f"could not get a token for '{resource}' with DefaultAzureCredential: {exc}") from None


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(int(value))) if value is not None else DEFAULT_POLL_SECONDS
    except ValueError:
        return DEFAULT_POLL_SECONDS


def _text(body: bytes, headers: Message) -> str:
    try:
        return body.decode(headers.get_content_charset() or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")


def _header_dict(headers: Message) -> dict[str, Any]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers.items():
        if name.lower() not in _CONTENT_HEADERS:
            grouped.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}
