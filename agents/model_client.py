"""The one place that decides which chat model serves the agents, bounds its requests, and says so in the log."""

from __future__ import annotations

import logging

from agent_framework import SupportsChatGetResponse

from agents.model_calls import ModelCallGuard
from agents.offline import OfflineChatClient
from settings import ModelSettings

logger = logging.getLogger(__name__)


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
        where = f"OpenAI Chat Completions model {settings.model!r} at {settings.base_url or 'https://api.openai.com/v1'}"
    client.client = client.client.with_options(timeout=settings.timeout_seconds, max_retries=0)
    client.chat_middleware.append(_guard(settings, str(client.client.base_url).rstrip("/")))
    logger.info(
        "Model: %s; each request times out after %g s and writes at most %d tokens; response format: %s; "
        "a failed call is tried %d times in all",
        where,
        settings.timeout_seconds,
        settings.max_output_tokens,
        settings.response_format,
        settings.retry.max_attempts,
    )
    return client


def _guard(settings: ModelSettings, endpoint: str) -> ModelCallGuard:
    return ModelCallGuard(
        endpoint=endpoint,
        timeout_seconds=settings.timeout_seconds,
        max_output_tokens=settings.max_output_tokens,
        response_format=settings.response_format if settings.provider != "offline" else "json_schema",
    )
