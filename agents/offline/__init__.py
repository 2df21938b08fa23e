"""Built-in offline model: used when no Azure OpenAI or OpenAI settings are present."""

from agents.offline.client import OfflineChatClient

__all__ = ["OfflineChatClient"]
