"""Raw RFC 822 messages as real mail arrives: MIME structures, encodings, charsets and breakage."""

from __future__ import annotations

import base64
import quopri

from agents.mail_parsing import MAX_TEXT_CHARS, from_fields, html_to_text, parse, render

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
        HEADERS + "Content-Type: text/plain; charset=iso-8859-15\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + qp
    )
    assert from_b64.text == from_qp.text == text
    assert from_b64.transfer_encodings == ("base64",) and from_qp.transfer_encodings == ("quoted-printable",)
    assert from_qp.charsets == ("iso-8859-15",)


def test_unknown_or_lying_charsets_and_broken_base64_still_give_text() -> None:
    unknown = parse(HEADERS + "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nplain words")
    lying = parse(
        (HEADERS + "Content-Type: text/plain; charset=us-ascii\r\n\r\n").encode() + "Café crème".encode("utf-8")
    )
    latin1_undeclared = parse(HEADERS.encode() + b"\r\nCaf\xe9 cr\xe8me")
    broken = parse(HEADERS + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29y!!bGQ")
    assert unknown.text == "plain words" and unknown.charsets == ("x-no-such-charset",)
    assert lying.text == latin1_undeclared.text == "Café crème"
    assert broken.body_format == "plain text" and broken.text  # decoded as far as it goes, no exception


def test_encoded_and_raw_utf8_headers_are_decoded() -> None:
    raw = (
        "From: =?iso-8859-1?q?J=F6rg_M=FCller?= <joerg@example.de>\r\nSubject: =?utf-8?b?w5xiZXJ3ZWlzdW5n?=\r\n\r\nhi"
    ).encode() + b""
    raw_utf8 = "From: Jörg <joerg@example.de>\r\nSubject: Überweisung\r\n\r\nhi".encode("utf-8")
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
    assert html_to_text("<p>unclosed <b>bold <a href='http://x.example/'>link") == "unclosed bold link <http://x.example/>"
    assert html_to_text("<![if !supportLists]>text<![endif]><!-- hidden -->") == "text"
