"""The agents' function tools: real analysis of real-looking input, callable through the framework."""

from __future__ import annotations

import asyncio
import json

from agents import analysis
from agents.tools import check_sender, inspect_links, text_statistics

PHISHING = (
    "Dear customer, your PayPal account is locked. Verify it at http://paypa1-secure.xyz/login "
    "or https://bit.ly/3abc today. Support: http://192.168.4.20/reset"
)


def test_inspect_links_flags_shorteners_raw_ips_risky_tlds_and_lookalikes() -> None:
    report = analysis.inspect_links(PHISHING)

    assert report["link_count"] == 3
    flags = {link["url"]: link["flags"] for link in report["links"]}
    assert any("imitates Paypal" in f for f in flags["http://paypa1-secure.xyz/login"])
    assert any(".xyz" in f for f in flags["http://paypa1-secure.xyz/login"])
    assert flags["https://bit.ly/3abc"] == ["URL shortener hides the destination"]
    assert "raw IP address instead of a domain" in flags["http://192.168.4.20/reset"]


def test_inspect_links_deduplicates_and_strips_trailing_punctuation() -> None:
    report = analysis.inspect_links("See https://docs.example.com/guide. Again: https://docs.example.com/guide")

    assert [link["url"] for link in report["links"]] == ["https://docs.example.com/guide"]
    assert report["domains"] == ["example.com"] and report["suspicious_count"] == 0


def test_check_sender_catches_brand_impersonation() -> None:
    report = analysis.check_sender("PayPal Service <service@paypa1.com>", PHISHING)

    assert report["domain"] == "paypa1.com"
    assert any("imitates Paypal with digits" in flag for flag in report["flags"])
    assert any("mentions Paypal but is sent from paypa1.com" in flag for flag in report["flags"])


def test_check_sender_is_quiet_for_a_colleague_linking_to_their_own_domain() -> None:
    report = analysis.check_sender("Alice <alice@contoso.com>", "Agenda: https://wiki.contoso.com/sync")

    assert report["flags"] == []
    assert report["display_name"] == "Alice"


def test_text_statistics_counts_words_sentences_paragraphs_and_reading_time() -> None:
    text = "One two three. Four five!\n\n" + " ".join(["word"] * 400) + "."

    stats = analysis.text_statistics(text)

    assert stats["word_count"] == 405
    assert stats["sentence_count"] == 3
    assert stats["paragraph_count"] == 2
    assert stats["reading_time_minutes"] == 3  # 405 words at 200 wpm, rounded up


def test_tools_expose_described_parameters_and_run_through_the_framework() -> None:
    schema = check_sender.parameters()
    assert set(schema["required"]) == {"sender", "email_text"}
    assert "From address" in schema["properties"]["sender"]["description"]

    [stats] = asyncio.run(text_statistics.invoke(arguments={"text": "Hello there world."}))
    assert json.loads(stats.text)["word_count"] == 3
    [links] = asyncio.run(inspect_links.invoke(arguments={"email_text": "go to https://bit.ly/x"}))
    assert json.loads(links.text)["domains"] == ["bit.ly"]
