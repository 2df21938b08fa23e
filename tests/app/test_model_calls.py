"""What each model request carries, by the kind of server, and what a failure message keeps of the server's text."""

from __future__ import annotations

import pytest

from agents.model_calls import ModelCallGuard, grammar_schema
from agents.model_errors import short_error_text
from agents.models import Article, ResearchFindings, SpamVerdict
from settings import load_model_settings
from tests.model_server import LLAMA_CPP_PYTHON_FORMAT_ERROR

LOCAL = {"OPENAI_API_KEY": "local", "OPENAI_CHAT_COMPLETION_MODEL": "m"}


@pytest.mark.parametrize(
    ("env", "field", "cap"),
    [
        (
            {"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com", "AZURE_OPENAI_MODEL": "m"},
            "max_completion_tokens",
            4096,
        ),
        (LOCAL, "max_completion_tokens", 4096),  # api.openai.com
        ({**LOCAL, "OPENAI_BASE_URL": "https://x.services.ai.azure.com/openai/v1/"}, "max_completion_tokens", 4096),
        ({**LOCAL, "OPENAI_BASE_URL": "http://localhost:11434/v1"}, "max_tokens", 2048),  # Ollama
        ({**LOCAL, "OPENAI_BASE_URL": "http://gpu-box:8080/v1", "MODEL_MAX_OUTPUT_TOKENS": "700"}, "max_tokens", 700),
        (
            {**LOCAL, "OPENAI_BASE_URL": "http://vllm:8000/v1", "MODEL_MAX_TOKENS_FIELD": "max_completion_tokens"},
            "max_completion_tokens",
            4096,
        ),
    ],
    ids=["azure", "openai", "azure-v1-url", "ollama", "cap-set", "field-set"],
)
def test_the_output_cap_goes_in_the_field_the_endpoint_honours(env: dict[str, str], field: str, cap: int) -> None:
    settings = load_model_settings(env)
    assert (settings.first_output_cap_field, settings.output_token_cap) == (field, cap)


def test_max_tokens_bypasses_the_frameworks_renaming_and_an_explicit_choice_never_changes() -> None:
    guard = ModelCallGuard(endpoint="e", timeout_seconds=5, max_output_tokens=900, output_cap_field="max_tokens")
    options = guard.request_options({"response_format": SpamVerdict})
    assert options["extra_body"] == {"max_tokens": 900} and "max_tokens" not in options
    assert options["response_format"] is SpamVerdict
    assert not guard.adapt("HTTP 400: Unsupported parameter: 'max_tokens'", structured=True)


def test_a_refused_cap_field_switches_once_and_a_refused_format_steps_down_to_bare_json_object() -> None:
    guard = ModelCallGuard(
        endpoint="e", timeout_seconds=5, max_output_tokens=900, cap_field_may_change=True, response_format="auto"
    )
    refusal = "HTTP 400: Unsupported parameter: 'max_completion_tokens' is not supported with this model."
    assert guard.adapt(refusal.lower(), structured=True) and guard.output_cap_field == "max_tokens"
    assert guard.adapt(f"HTTP 500: {LLAMA_CPP_PYTHON_FORMAT_ERROR}", structured=True)
    with_schema = guard.request_options({"response_format": SpamVerdict, "instructions": "You are X."})
    assert with_schema["response_format"] == {"type": "json_object", "schema": grammar_schema(SpamVerdict)}
    assert with_schema["instructions"].startswith("You are X.") and '"is_spam"' in with_schema["instructions"]
    assert guard.adapt("HTTP 400: response_format.schema: extra inputs are not permitted", structured=True)
    assert guard.request_options({"response_format": SpamVerdict})["response_format"] == {"type": "json_object"}
    assert not guard.adapt("HTTP 400: response_format is invalid", structured=True)


def test_the_grammar_schema_bounds_every_text_and_list_and_offers_confidence_in_tenths() -> None:
    verdict = grammar_schema(SpamVerdict)["properties"]
    assert verdict["confidence"]["enum"] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert (
        verdict["reason"]["maxLength"] and verdict["signals"]["maxItems"] and verdict["signals"]["items"]["maxLength"]
    )
    assert grammar_schema(ResearchFindings)["properties"]["key_points"]["minItems"] == 1
    article = grammar_schema(Article)["properties"]
    assert "word_count" not in article and "maxLength" not in article["body"]  # bounded by the output cap alone
    assert all(field.get("maxLength", 0) <= 2000 for field in verdict.values())  # llama.cpp's grammar limit
    assert "maxLength" not in SpamVerdict.model_json_schema()["properties"]["reason"]  # strict servers never see them


def test_a_servers_traceback_and_file_paths_are_cut_from_the_message() -> None:
    text = short_error_text(LLAMA_CPP_PYTHON_FORMAT_ERROR)
    assert "Input should be 'text' or 'json_object'" in text
    assert "/opt/llama-venv" not in text and "line 376" not in text and "POST /v1" not in text
    assert short_error_text('boom\nTraceback (most recent call last):\n  File "/srv/a.py", line 1') == "boom"
    assert short_error_text("model file /models/x.gguf not found") == "model file <path> not found"
    assert short_error_text("see https://example.com/a/b.html") == "see https://example.com/a/b.html"


@pytest.mark.parametrize("body", ["][{", "# Title\n\nToo short to review."])
def test_an_article_without_a_paragraph_of_words_is_not_a_draft(body: str) -> None:
    with pytest.raises(ValueError, match="words; write the article"):
        Article.model_validate({"title": "Why local inference matters", "body": body})
