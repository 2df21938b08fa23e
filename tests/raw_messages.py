"""Raw RFC 822 messages the app and end-to-end tests send: a multipart spam with an attachment, a reply."""

RAW_SPAM = """Return-Path: <bounce@203.0.113.5>
Received: from unknown (HELO dsl-203-0-113-5) ([203.0.113.5]) by mx.example.org; Mon, 2 Sep 2002 10:00:00 +0000
From: "Claims Office" <claims@prize-center.example>
Reply-To: payout@elsewhere.example
To: undisclosed-recipients:;
Subject: =?utf-8?q?You_are_a_WINNER!!!?=
Date: Mon, 02 Sep 2002 10:00:00 -1900
Message-ID: <prize-77@prize-center.example>
X-Spam-Status: No, hits=0.0
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><body><p>Dear friend, you have won a cash prize of $500,000!!! To claim your =
prize, <a href=3D"http://203.0.113.9/claim">click here</a> and send your bank details.</p>
<p>To be removed from our mailing list, reply with REMOVE.</p></body></html>
--outer
Content-Type: application/octet-stream; name="claim-form.exe"
Content-Disposition: attachment; filename="claim-form.exe"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=
--outer--
"""

RAW_HAM = """Received: from mail.example.org ([198.51.100.4]) by mx.example.net; Tue, 3 Sep 2002 09:00:00 +0100
From: Grace Hopper <grace@example.org>
To: dev@lists.example.net
Subject: Re: parser patch for the release branch
Date: Tue, 03 Sep 2002 09:00:00 +0100
Message-ID: <patch-review-3@example.org>
In-Reply-To: <patch-review-2@example.net>
Content-Type: text/plain; charset=us-ascii

Thanks for the patch. I ran the test suite on the release branch and the config parser tests pass now.
Could you add a test for the empty file case before we merge? I can review it tomorrow.
"""
