"""Raw RFC 822 messages as real mail arrives: MIME structures, encodings, charsets and breakage."""

from __future__ import annotations

import base64
import quopri
from dataclasses import replace

import pytest

from agents.mail_parsing import (
    MAX_DEPTH,
    MAX_HEADER_BLOCK_BYTES,
    MAX_PARTS,
    MAX_TEXT_CHARS,
    from_fields,
    html_to_text,
    parse,
    render,
)
from agents.screening import screen

HEADERS = (
    "From: Alice Example <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: Quarterly figures\r\n"
    "Date: Tue, 03 Sep 2002 10:00:00 +0100\r\n"
    "Message-ID: <figures-1@example.com>\r\n"
)


def test_multipart_alternative_prefers_the_plain_text_and_names_attachments() -> None:
    raw = (
        "Received: from mx.example.org (mx.example.org [192.0.2.10])\r\n\tby inbox.example.org; Tue, 3 Sep 2002\r\n"
        "Received: from laptop ([198.51.100.7]) by mx.example.org; Tue, 3 Sep 2002\r\n"
        + HEADERS
        + "Reply-To: alice.private@example.net\r\n"
        "In-Reply-To: <question-7@example.org>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        "--outer\r\n"
        'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'
        "--inner\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe figures are attached.\r\n"
        "--inner\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>The <b>figures</b> are attached.</p>\r\n"
        "--inner--\r\n"
        "--outer\r\n"
        'Content-Type: application/pdf; name="q3.pdf"\r\nContent-Disposition: attachment; filename="q3.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        "--outer--\r\n"
    )
    mail = parse(raw)
    assert mail.sender == "Alice Example <alice@example.com>"
    assert mail.reply_to == "alice.private@example.net"
    assert mail.subject == "Quarterly figures"
    assert mail.message_id == "<figures-1@example.com>"
    assert mail.is_reply
    assert mail.received == (
        "from mx.example.org (mx.example.org [192.0.2.10]) by inbox.example.org; Tue, 3 Sep 2002",
        "from laptop ([198.51.100.7]) by mx.example.org; Tue, 3 Sep 2002",
    )
    assert mail.text == "The figures are attached."
    assert mail.body_format == "plain text and html"
    assert mail.attachments == ("q3.pdf",)
    assert mail.transfer_encodings == ("base64",)


def test_html_only_mail_is_turned_into_text_with_link_targets_kept() -> None:
    html = (
        "<html><head><title>x</title><style>p {color: red}</style></head><body>"
        "<p>Dear&nbsp;customer,</p><p>Your account is <b>locked</b>.<br>"
        '<a href="http://198.51.100.9/login">Sign in here</a> or visit '
        '<a href="https://www.example.com/">https://www.example.com/</a></p>'
        "<script>alert('hi')</script><img src='x.gif' alt='Bank logo'></body></html>"
    )
    mail = parse(HEADERS + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html)
    assert mail.body_format == "html only"
    assert mail.text == (
        "Dear customer,\n\nYour account is locked.\n"
        "Sign in here <http://198.51.100.9/login> or visit https://www.example.com/\nBank logo"
    )


def test_base64_and_quoted_printable_bodies_are_decoded_in_their_charset() -> None:
    text = "Grüße aus Köln, 100 € für alle."
    b64 = base64.encodebytes(text.encode("utf-8")).decode()
    qp = quopri.encodestring(text.encode("iso-8859-15")).decode()
    from_b64 = parse(
        HEADERS + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64
    )
    from_qp = parse(
        HEADERS
        + "Content-Type: text/plain; charset=iso-8859-15\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + qp
    )
    assert from_b64.text == from_qp.text == text
    assert from_b64.transfer_encodings == ("base64",) and from_qp.transfer_encodings == ("quoted-printable",)
    assert from_qp.charsets == ("iso-8859-15",)


def test_unknown_or_lying_charsets_and_broken_base64_still_give_text() -> None:
    unknown = parse(HEADERS + "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nplain words")
    lying = parse((HEADERS + "Content-Type: text/plain; charset=us-ascii\r\n\r\n").encode() + "Café crème".encode())
    latin1_undeclared = parse(HEADERS.encode() + b"\r\nCaf\xe9 cr\xe8me")
    broken = parse(HEADERS + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29y!!bGQ")
    assert unknown.text == "plain words" and unknown.charsets == ("x-no-such-charset",)
    assert lying.text == latin1_undeclared.text == "Café crème"
    assert broken.body_format == "plain text" and broken.text  # decoded as far as it goes, no exception


def test_encoded_and_raw_utf8_headers_are_decoded() -> None:
    raw = (
        b"From: =?iso-8859-1?q?J=F6rg_M=FCller?= <joerg@example.de>\r\nSubject: =?utf-8?b?w5xiZXJ3ZWlzdW5n?=\r\n\r\nhi"
    ) + b""
    raw_utf8 = "From: Jörg <joerg@example.de>\r\nSubject: Überweisung\r\n\r\nhi".encode()
    assert parse(raw).sender == "Jörg Müller <joerg@example.de>"
    assert parse(raw).subject == parse(raw_utf8).subject == "Überweisung"


def test_missing_body_missing_headers_and_garbage_do_not_raise() -> None:
    assert parse(HEADERS).body_format == "no body"
    assert parse(HEADERS).text == ""
    assert parse("").sender == "" and parse("").body_format == "no body"
    assert parse("just a line of text with no headers").text == "just a line of text with no headers"
    assert parse("Subject: lone \ud800 surrogate\n\nfrom a JSON escape \udfff").subject == "lone ? surrogate"
    odd = parse("From: <<<@@>>>\r\nTo: ;;;,,,\r\nSubject:\r\nContent-Type: multipart/mixed\r\n\r\nno boundary")
    assert odd.sender == "<<<@@>>>"


def test_mbox_from_line_and_leading_blank_lines_are_skipped() -> None:
    mail = parse("\r\nFrom alice@example.com  Tue Sep  3 10:00:00 2002\r\n" + HEADERS + "\r\nHello")
    assert mail.sender == "Alice Example <alice@example.com>" and mail.text == "Hello"


def test_render_then_parse_gives_back_the_same_mail() -> None:
    raw = (
        "Received: from a ([192.0.2.1]) by b\r\n" + HEADERS + "Reply-To: other@example.net\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<p>Caf=E9 <a href=3D'http://example.net/x'>offer</a></p>\r\n"
        '--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="a, b.exe"\r\n\r\nMZ\r\n'
        "--b--\r\n"
    )
    mail = parse(raw)
    shown = render(mail, email_id="mail-1")
    assert shown.startswith("Email-ID: mail-1\nFrom: Alice Example <alice@example.com>\n")
    assert "Body-Format: html only\n" in shown and "Attachment: a, b.exe\n" in shown
    assert parse(shown) == mail
    assert mail.text == "Café offer <http://example.net/x>"


def test_fields_become_a_mail_and_the_body_is_bounded() -> None:
    mail = from_fields("x" * (MAX_TEXT_CHARS + 10), sender="a@example.com", subject="Hi")
    assert len(mail.text) == MAX_TEXT_CHARS and mail.body_format == "plain text"
    assert parse(render(mail)) == mail


def test_html_to_text_survives_broken_markup() -> None:
    assert (
        html_to_text("<p>unclosed <b>bold <a href='http://x.example/'>link") == "unclosed bold link <http://x.example/>"
    )
    assert html_to_text("<![if !supportLists]>text<![endif]><!-- hidden -->") == "text"


def test_an_html_alternative_that_says_more_than_the_text_is_kept_and_survives_render() -> None:
    raw = (
        HEADERS + 'Content-Type: multipart/alternative; boundary="a"\r\n\r\n'
        "--a\r\nContent-Type: text/plain\r\n\r\nHello, a note about your mailbox.\r\n"
        '--a\r\nContent-Type: text/html\r\n\r\n<p>Your mailbox is full. <a href="http://192.0.2.7/">Log in here</a></p>\r\n'
        "--a--\r\n"
    )
    mail = parse(raw)
    assert mail.text == "Hello, a note about your mailbox."
    assert mail.alternative == "Your mailbox is full. Log in here <http://192.0.2.7/>"
    assert mail.views == (mail.text, mail.alternative)
    assert parse(render(mail)) == mail


def test_a_long_text_part_cannot_push_the_html_alternative_out() -> None:
    raw = (
        HEADERS + 'Content-Type: multipart/alternative; boundary="a"\r\n\r\n'
        "--a\r\nContent-Type: text/plain\r\n\r\n" + "harmless words " * 20_000 + "\r\n"
        "--a\r\nContent-Type: text/html\r\n\r\n<p>Confirm your password at http://192.0.2.7/</p>\r\n--a--\r\n"
    )
    mail = parse(raw)
    assert "Confirm your password" in mail.alternative
    assert len(mail.text) + len(mail.alternative) <= MAX_TEXT_CHARS


def test_headers_for_reply_rules_and_threading_are_read() -> None:
    raw = (
        HEADERS + "References: <a@example.org>\r\n <b@example.org> junk\r\nReturn-Path: <>\r\n"
        "Auto-Submitted: auto-replied\r\nPrecedence: bulk\r\nList-Id: Dev <dev.example.org>\r\n"
        "Authentication-Results: mx.example.org; dkim=pass header.d=example.com\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/plain\r\n\r\nnot delivered\r\n--r--\r\n"
    )
    mail = parse(raw)
    assert mail.references == ("<a@example.org>", "<b@example.org>")
    assert (mail.return_path, mail.auto_submitted, mail.precedence) == ("<>", "auto-replied", "bulk")
    assert mail.list_id == "Dev <dev.example.org>"
    assert mail.authentication_results == ("mx.example.org; dkim=pass header.d=example.com",)
    assert mail.message_type == "multipart/report; delivery-status"
    assert parse(render(mail)) == replace(mail, references=())  # threading is read from the message, not shown


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (HEADERS + "X-Pad: " + "a" * (MAX_HEADER_BLOCK_BYTES + 1) + "\r\n\r\nhi", "header block is longer than 100 KB"),
        (
            HEADERS + 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n' + "--p\r\n\r\nx\r\n" * (MAX_PARTS + 1),
            f"more than {MAX_PARTS} MIME parts",
        ),
        (
            HEADERS
            + "".join(
                f'Content-Type: multipart/mixed; boundary="n{i}"\r\n\r\n--n{i}\r\n' for i in range(MAX_DEPTH + 1)
            ),
            f"nested more than {MAX_DEPTH} levels deep",
        ),
        (
            HEADERS + "Content-Type: message/rfc822\r\n\r\n" * 1_000 + "Subject: x\r\n\r\nhi",
            f"nested more than {MAX_DEPTH}",
        ),
        (
            HEADERS + "Content-Type:\r\n message/rfc822\r\n\r\n" * 1_000 + "Subject: x\r\n\r\nhi",
            f"nested more than {MAX_DEPTH}",
        ),
    ],
)
def test_structure_beyond_real_mail_is_refused_before_parsing_with_the_headers_kept(raw: str, problem: str) -> None:
    mail = parse(raw)

    assert problem in mail.unreadable
    assert mail.sender == "Alice Example <alice@example.com>" and mail.text == ""


def test_real_mail_structures_pass_the_limits() -> None:
    nested = (
        HEADERS
        + "".join(f'Content-Type: multipart/mixed; boundary="n{i}"\r\n\r\n--n{i}\r\n' for i in range(MAX_DEPTH - 1))
        + "Content-Type: text/plain\r\n\r\nhello\r\n"
        + "".join(f"--n{i}--\r\n" for i in reversed(range(MAX_DEPTH - 1)))
    )
    siblings = (
        HEADERS
        + 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n'
        + "".join(
            f'--p\r\nContent-Type: multipart/alternative; boundary="q{i}"\r\n\r\n--q{i}\r\n\r\npart {i}\r\n--q{i}--\r\n'
            for i in range(100)
        )
        + "--p--\r\n"
    )
    assert parse(nested).unreadable == "" and parse(nested).text == "hello"
    assert parse(siblings).unreadable == "" and "part 99" in parse(siblings).text


@pytest.mark.parametrize("junk", ['"' * 45_000, "a;" * 22_000])
def test_header_values_that_make_the_header_parser_quadratic_are_read_only_as_far_as_a_bound(junk: str) -> None:
    """90,000 quotes in a Content-Type kept the standard header parser busy for minutes; now it reads 1,000."""
    raw = HEADERS + f"Content-Type: text/plain; {junk}\r\nContent-Disposition: inline; x={junk}\r\n\r\nhello"
    mail = parse(raw)

    assert mail.subject == "Quarterly figures" and mail.text == "hello"


def test_hundreds_of_parts_with_hostile_headers_are_read_with_the_headers_cut() -> None:
    part = '--p\r\nContent-Type: text/plain; {0}\r\nContent-Disposition: attachment; filename="{0}.exe"\r\n\r\nx\r\n'
    raw = (
        HEADERS
        + 'Content-Type: multipart/mixed; boundary="p"\r\n\r\n'
        + "".join(part.format(f"{i}" + '"' * 1_000) for i in range(200))
        + "--p--\r\n"
    )
    mail = parse(raw)

    assert mail.unreadable == "" and len(mail.attachments) == 30  # listed up to MAX_LISTED


_HEAD = "From: Bob <bob@example.org>\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
_BODY = base64.b64encode(b"Hello \xff there, see you tomorrow.").decode()


@pytest.mark.parametrize(
    "raw",
    [
        *(
            f"{_HEAD}Content-Type: text/plain; charset={name}\r\nContent-Transfer-Encoding: base64\r\n\r\n{_BODY}\r\n"
            for name in ("rot13", "base64", "undefined", "idna", "punycode", '"utf\x00x"')
        ),
        f"{_HEAD}Content-Type: text/plain; charset*=undefined''abc\r\n\r\nHello there, see you tomorrow.\r\n",
        f"{_HEAD}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        "Hello there, see you tomorrow.\r\n--b\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename*=idna''%ff.pdf\r\n\r\nxx\r\n--b--\r\n",
        *(
            f"{_HEAD}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            f"Hello there, see you tomorrow.\r\n--b\r\nContent-Type: application/pdf\r\n"
            f"Content-Disposition: attachment;{parameters}\r\n\r\nxx\r\n--b--\r\n"
            for parameters in ("\r\n filename*=idna''%ff.pdf", " (c)filename*=idna''%ff", " filename *=idna''%ff")
        ),
    ],
    ids=[
        *("rot13", "base64", "undefined", "idna", "punycode", "nul", "rfc2231-charset", "rfc2231-filename"),
        *("folded", "comment", "space"),
    ],
)
def test_a_charset_no_decoder_reads_leaves_the_message_readable(raw: str) -> None:
    mail = parse(raw)

    assert mail.unreadable == "" and mail.text.startswith("Hello") and "see you tomorrow" in mail.text
    assert screen(render(mail)).reason  # the checks run on it too


def test_a_parameter_in_an_unreadable_charset_is_left_out_and_the_others_kept() -> None:
    disposition = "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf; size*=idna''%ff"
    raw = (
        f"{_HEAD}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
        f"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: {disposition}\r\n\r\nxx\r\n--b--\r\n"
    )
    assert parse(raw).attachments == ("r\u00e9sum\u00e9.pdf",)
