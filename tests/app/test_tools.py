"""The agents' function tools: real analysis of real-looking input, callable through the framework."""

from __future__ import annotations

import asyncio
import json

import pytest

from agents import analysis
from agents.tools import check_sender, inspect_links, score_spam, text_statistics

PHISHING = (
    "Dear customer, your PayPal account is locked. Verify it at http://paypa1-secure.xyz/login "
    "or https://bit.ly/3abc today. Support: http://192.168.4.20/reset"
)


def test_inspect_links_flags_shorteners_raw_ips_risky_tlds_and_lookalikes() -> None:
    report = analysis.inspect_links(PHISHING)

    assert report["link_count"] == 3
    flags = {link["url"]: link["flags"] for link in report["links"]}
    assert any("imitates PayPal" in f for f in flags["http://paypa1-secure.xyz/login"])
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
    assert any("imitates PayPal with digits" in flag for flag in report["flags"])
    assert any("mentions PayPal but is sent from paypa1.com" in flag for flag in report["flags"])


def test_links_to_bare_ip_addresses_are_reported_with_the_whole_address() -> None:
    report = analysis.check_sender("Prizes <win@prizes.example>", "WIN a FREE iPhone now!!! http://192.168.1.1/win")

    assert analysis.inspect_links("http://192.168.1.1/win")["domains"] == ["192.168.1.1"]
    assert "links point to 192.168.1.1, not the sender's domain prizes.example" in report["flags"]


def test_domains_under_country_registries_and_broken_links_read_as_a_person_would() -> None:
    report = analysis.check_sender(
        "Shop <news@mail.shop.co.jp>", "Sale: http://www.shop.co.jp/sale and http://www.dcc-"
    )

    assert report["domain"] == "shop.co.jp" and report["flags"] == []
    assert analysis.inspect_links("cut at the line end: http://www.dcc- or http://[broken/x")["link_count"] == 0


def test_brands_are_matched_as_words_and_spelled_as_they_spell_themselves() -> None:
    pineapple = analysis.check_sender("Farm <news@farm.example>", "Fresh pineapple juice, delivered by DHL")

    assert pineapple["flags"] == ["mentions DHL but is sent from farm.example"]


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


def test_score_spam_runs_through_the_framework_and_explains_itself_in_words() -> None:
    schema = score_spam.parameters()
    assert schema["required"] == ["email_text"]

    [spam] = asyncio.run(
        score_spam.invoke(
            arguments={
                "email_text": (
                    "From: Lottery Board <claims@winners.example>\nSubject: You are a WINNER\n\n"
                    "Dear friend, you have been selected to receive a cash prize of $500,000. To claim it, "
                    "reply with your bank account details. Click here to remove yourself from our mailing list."
                )
            }
        )
    )
    [ham] = asyncio.run(
        score_spam.invoke(
            arguments={
                "email_text": (
                    "Hi Bob, the build on the release branch fails since yesterday's merge. Could you look at the "
                    "patch I sent to the list? The test for the config parser breaks. Thanks, Alice"
                )
            }
        )
    )
    spam_result, ham_result = json.loads(spam.text), json.loads(ham.text)

    assert spam_result["verdict"] == "spam" and spam_result["spam_score"] >= spam_result["threshold"]
    assert ham_result["verdict"] == "legitimate" and ham_result["spam_score"] < ham_result["threshold"]
    strongest = spam_result["spam_evidence"][0]
    assert strongest["points_to"] == "spam"
    assert strongest["evidence"].startswith(("the word '", "'", "a link", "it ", "the ", "its ", "replies", "much"))
    assert "of training spam" in strongest["seen_in"] and "of training ham" in strongest["seen_in"]
    assert strongest["evidence"] in spam_result["summary"]
    assert ham_result["ham_evidence"] and all(e["points_to"] == "ham" for e in ham_result["ham_evidence"])


def test_link_text_showing_another_site_than_the_link_is_flagged() -> None:
    report = analysis.inspect_links(
        "Sign in at www.paypal.com <http://203.0.113.9/login>, read docs.example.com <https://example.com/docs> "
        "or notes.txt <https://files.example.org/notes.txt>"
    )
    flags = {link["url"]: link["flags"] for link in report["links"]}
    assert "link text shows www.paypal.com but the link goes to 203.0.113.9" in flags["http://203.0.113.9/login"]
    assert flags["https://example.com/docs"] == []  # the same site under another host name
    assert flags["https://files.example.org/notes.txt"] == []  # a file name is not a site


@pytest.mark.parametrize(
    ("name", "risk"),
    [
        ("invoice.exe", "attachment invoice.exe is a program (.exe)"),
        ("invoice.pdf.exe", "attachment invoice.pdf.exe is a program (.exe) disguised as a .pdf file"),
        ("update.JS", "attachment update.JS is a program (.js)"),
        ("photo.jpg.scr", "attachment photo.jpg.scr is a program (.scr) disguised as a .jpg file"),
        ("report.pdf", None),
        ("archive.tar.gz", None),
        ("README", None),
    ],
)
def test_program_attachments_are_named_as_risks(name: str, risk: str | None) -> None:
    assert analysis.attachment_risk(name) == risk


def test_a_link_of_100000_characters_is_checked_whole_but_reported_by_its_start() -> None:
    from agents.screening import screen

    text = "From: bob@example.org\nSubject: see\n\nsee http://203.0.113.9/" + "研" * 99_000
    report = analysis.inspect_links(text)
    screening = screen(text)

    assert report["links"][0]["flags"][0] == "raw IP address instead of a domain"
    assert len(report["links"][0]["url"]) == analysis.MAX_URL_SHOWN + 3
    # the screening is recorded in the flow's history (1 MB at most per step result on DTS), JSON-escaped
    assert len(json.dumps(screening.model_dump(mode="json"))) < 10_000


def test_finding_questions_takes_linear_time_on_text_without_one() -> None:
    from agents.offline.reading import questions

    # a scan that restarts at every character would take minutes here (and hold every other request meanwhile)
    assert questions("a" * 2_000_000) == [] and questions("a " * 1_000_000) == []
