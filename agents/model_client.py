"""The one place that decides which chat model serves the agents, and says so in the log."""

from __future__ import annotations

import logging

from agent_framework import SupportsChatGetResponse

from agents.offline import OfflineChatClient
from settings import ModelSettings

logger = logging.getLogger(__name__)


def create_chat_client(settings: ModelSettings) -> SupportsChatGetResponse:
    """Build the chat client named by the settings (see `settings.load_model_settings`)."""
    if settings.provider == "azure_openai":
        from agent_framework.openai import OpenAIChatCompletionClient

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
        logger.info("Model: Azure OpenAI deployment %r at %s (auth: %s)", settings.model, settings.endpoint, auth)
        return client
    if settings.provider == "openai":
        from agent_framework.openai import OpenAIChatCompletionClient

        logger.info(
            "Model: OpenAI Chat Completions model %r at %s",
            settings.model,
            settings.base_url or "https://api.openai.com/v1",
        )
        return OpenAIChatCompletionClient(model=settings.model, api_key=settings.api_key, base_url=settings.base_url)
    logger.info(
        "Model: built-in offline model (rule-based, no LLM, latency %d ms). "
        "Set AZURE_OPENAI_* or OPENAI_* settings to use a real model.",
        settings.offline_latency_ms,
    )
    return OfflineChatClient(latency_ms=settings.offline_latency_ms)
