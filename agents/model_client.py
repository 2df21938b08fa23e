"""The one place that decides which chat model serves the agents, bounds its requests, and says so in the log."""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from typing import cast

from agent_framework import SupportsChatGetResponse

from agents.model_calls import ModelCallGuard
from agents.model_errors import short_error_text
from agents.offline import OfflineChatClient
from settings import ModelSettings

logger = logging.getLogger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
MODEL_LIST_TIMEOUT_SECONDS = 10.0


def create_chat_client(settings: ModelSettings) -> SupportsChatGetResponse:
    """Build the chat client named by the settings (see `settings.load_model_settings`).

    The OpenAI SDK's own retries are switched off: a failed request reaches the flow at once,
    which retries it on a durable timer (visible in the custom status, free while waiting,
    and surviving restarts) instead of sleeping in a worker.
    """
    if settings.provider == "offline":
        logger.info(
            "Model: built-in offline model (rule-based, no LLM, latency %d ms). "
            "Set AZURE_OPENAI_* or OPENAI_* settings to use a real model.",
            settings.offline_latency_ms,
        )
        return OfflineChatClient(latency_ms=settings.offline_latency_ms, middleware=[_guard(settings, "offline model")])

    from agent_framework.openai import OpenAIChatCompletionClient

    if settings.provider == "azure_openai":
        if settings.api_key:
            auth = "API key"
            client = OpenAIChatCompletionClient(
                model=settings.model, azure_endpoint=settings.endpoint, api_key=settings.api_key
            )
        else:
            from azure.identity import DefaultAzureCredential

            auth = "DefaultAzureCredential"
            client = OpenAIChatCompletionClient(
                model=settings.model, azure_endpoint=settings.endpoint, credential=DefaultAzureCredential()
            )
        where = f"Azure OpenAI deployment {settings.model!r} at {settings.endpoint} (auth: {auth})"
    else:
        client = OpenAIChatCompletionClient(model=settings.model, api_key=settings.api_key, base_url=settings.base_url)
        where = f"OpenAI Chat Completions model {settings.model!r} at {settings.base_url or OPENAI_BASE_URL}"
    client.client = client.client.with_options(timeout=settings.timeout_seconds, max_retries=0)
    client.chat_middleware.append(_guard(settings, str(client.client.base_url).rstrip("/")))
    logger.info(
        "Model: %s; each request times out after %g s and writes at most %d tokens (sent as %s); response format: %s; "
        "a failed call is tried %d times in all",
        where,
        settings.timeout_seconds,
        settings.output_token_cap,
        settings.first_output_cap_field,
        settings.response_format,
        settings.retry.max_attempts,
    )
    return client


def check_served_model(settings: ModelSettings) -> threading.Thread | None:
    """Ask an OpenAI-compatible server for its model list (GET /models) and warn when the configured model is missing.

    Runs in the background: the start neither waits for the server nor fails when it is down (the
    flows retry model calls on their own); the log says what was found.
    """
    if settings.provider != "openai":
        return None
    thread = threading.Thread(target=_check_served_model, args=(settings,), name="model-list-check", daemon=True)
    thread.start()
    return thread


def _check_served_model(settings: ModelSettings) -> None:
    url = f"{(settings.base_url or OPENAI_BASE_URL).rstrip('/')}/models"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {settings.api_key}"})
    timeout = min(MODEL_LIST_TIMEOUT_SECONDS, settings.timeout_seconds)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            served = _model_ids(json.load(answer))
    except (OSError, ValueError) as error:  # refused, timed out, an HTTP error, not JSON
        logger.warning(
            "Could not list the models at %s (%s); the flows will call %r anyway and retry if the server is down",
            url,
            short_error_text(str(getattr(error, "reason", None) or error)),
            settings.model,
        )
        return
    if settings.model in served or f"{settings.model}:latest" in served:
        logger.info("Model %r is among the models %s serves", settings.model, url)
        return
    logger.warning(
        "Model %r is not among the models %s serves (%s). A server that holds one model (llama.cpp) answers "
        "with it whatever the name; others (Ollama, vLLM, OpenAI) fail every call with HTTP 404. "
        "Set OPENAI_CHAT_COMPLETION_MODEL to a served one.",
        settings.model,
        url,
        ", ".join(sorted(served)) or "none",
    )


def _model_ids(listing: object) -> set[str]:
    """The ids of an OpenAI model list ({"data": [{"id": ...}, ...]}); anything else lists none."""
    # Untyped JSON: each level is checked with isinstance, and the casts name what the check found.
    data = cast(dict[str, object], listing).get("data") if isinstance(listing, dict) else None
    items = cast(list[object], data) if isinstance(data, list) else []
    models = [cast(dict[str, object], item) for item in items if isinstance(item, dict)]
    return {str(model["id"]) for model in models if model.get("id")}


def _guard(settings: ModelSettings, endpoint: str) -> ModelCallGuard:
    offline = settings.provider == "offline"
    return ModelCallGuard(
        endpoint=endpoint,
        timeout_seconds=settings.timeout_seconds,
        max_output_tokens=settings.output_token_cap,
        output_cap_field=settings.first_output_cap_field,
        cap_field_may_change=settings.output_cap_field == "auto" and not offline,
        response_format=settings.response_format if not offline else "json_schema",
    )
