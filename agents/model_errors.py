"""Why a model call failed, in words that name the cause, and whether trying again can help.

A failed agent call reaches the orchestration only as the error's class name and message (the
durable agent entity stores `Content.from_error(message, error_code=type(exc).__name__)`), so
the class says transient or permanent and the message carries everything else, including the
wait the server asked for ("...; the server asks to retry after 20 s"), which `retry_after` reads back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import openai

RETRY_AFTER = re.compile(r"; the server asks to retry after (\d+(?:\.\d+)?) s$")
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))
MAX_ERROR_TEXT = 300
SERVER_INTERNALS = (
    (re.compile(r"\s*Traceback \(most recent call last\).*", re.DOTALL), ""),  # a Python traceback, to the end
    (
        re.compile(r"\s*File \"[^\"]*\", line \d+.*", re.DOTALL),
        "",
    ),  # a stack frame (llama-cpp-python adds one), to the end
    (re.compile(r"\s*For further information visit https?://errors\.pydantic\.dev\S*"), ""),
    (re.compile(r"(?<![\w/:.])(?:[A-Za-z]:\\|/)(?:[\w.+-]+[\\/])+[\w+-]+\.\w+"), "<path>"),  # /srv/app.py, C:\x\y.gguf
)
"""What a server's error text may carry that is none of the caller's business: tracebacks, its file paths."""


class ModelCallError(Exception):
    """A model request failed; `transient` says whether the same request may succeed later."""

    transient: ClassVar[bool]


class ModelUnavailable(ModelCallError):
    """Rate limits, server errors, time-outs and connection failures: worth another attempt later."""

    transient = True


class ModelRejected(ModelCallError):
    """Authentication, unknown model or deployment, content filter, invalid request: retrying cannot help."""

    transient = False


TRANSIENT_ERRORS = frozenset({ModelUnavailable.__name__})


def describe_failure(error: BaseException, endpoint: str, timeout_seconds: float) -> ModelCallError:
    """Translate what the OpenAI SDK (or a time-out) raised into a ModelCallError naming the cause."""
    if isinstance(error, ModelCallError):
        return error
    if isinstance(error, TimeoutError):
        return ModelUnavailable(f"timed out after {timeout_seconds:g} s waiting for {endpoint}")
    cause = _openai_cause(error)
    if isinstance(cause, openai.APITimeoutError):
        return ModelUnavailable(f"timed out after {timeout_seconds:g} s waiting for {endpoint}")
    if isinstance(cause, openai.APIConnectionError):
        return ModelUnavailable(_connection_failure(cause, endpoint))
    if isinstance(cause, openai.APIStatusError):
        return _status_failure(cause, endpoint)
    return ModelRejected(f"{type(error).__name__} calling {endpoint}: {short_error_text(str(error))}")


def retry_after(message: str) -> float | None:
    """The wait a failure message says the server asked for, in seconds."""
    match = RETRY_AFTER.search(message)
    return float(match.group(1)) if match else None


def _openai_cause(error: BaseException) -> BaseException | None:
    """The OpenAI SDK error behind the framework's ChatClientException, if any."""
    return next((cause for cause in _chain(error) if isinstance(cause, openai.OpenAIError)), None)


def _status_failure(error: openai.APIStatusError, endpoint: str) -> ModelCallError:
    status = error.status_code
    text = _error_text(error)
    where = _request_url(error) or endpoint
    if _is_content_filter(error):
        return ModelRejected(f"content filter of {where} blocked the request (HTTP {status}): {text}")
    message = f"HTTP {status} from {where}: {text}"
    if status not in TRANSIENT_STATUSES:
        return ModelRejected(message)
    wait = _retry_after_header(error)
    return ModelUnavailable(message + (f"; the server asks to retry after {wait:g} s" if wait is not None else ""))


def _connection_failure(error: openai.APIConnectionError, endpoint: str) -> str:
    url = _request_url(error) or endpoint
    host = re.sub(r"^[a-z]+://([^/]+).*$", r"\1", url)
    causes = list(_chain(error))
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return f"connection refused to {host}"
    deepest = next((str(c) for c in reversed(causes) if str(c)), str(error))
    return f"connection to {host} failed: {short_error_text(deepest)}"


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and every cause or context behind it, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _error_text(error: openai.APIStatusError) -> str:
    """The endpoint's own error message: `error.message` of the JSON body when there is one."""
    body: Any = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return short_error_text(str(inner["message"]))
        if isinstance(inner, str):
            return short_error_text(inner)
        return short_error_text(json.dumps(body))
    try:
        raw = error.response.text
    except Exception:  # a streamed body that was never read
        raw = ""
    return short_error_text(raw or str(error))


def _is_content_filter(error: openai.APIStatusError) -> bool:
    body: Any = error.body
    inner = body.get("error", body) if isinstance(body, dict) else None
    code = inner.get("code") if isinstance(inner, dict) else getattr(error, "code", None)
    return code == "content_filter" or "content management policy" in str(error).lower()


def _retry_after_header(error: openai.APIStatusError) -> float | None:
    headers = error.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                return None  # an HTTP date: fall back to the flow's own backoff
    return None


def _request_url(error: openai.APIError) -> str | None:
    request = getattr(error, "request", None)
    if request is None:
        return None
    return str(request.url).split("?", 1)[0]


def short_error_text(text: str) -> str:
    """The text on one line, without the server's internals, at most MAX_ERROR_TEXT characters."""
    for pattern, replacement in SERVER_INTERNALS:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 1] + "…"
