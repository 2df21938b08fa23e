"""What the classifier looks at in a message, each feature named so a person can read it.

A message becomes a set of feature keys: the words of its body and subject, the sites its
links point to, and a few facts about its sender and shape. Every key has a description in
plain words (`describe`), which is how the classifier explains itself.

Deliberately left out: verdict headers of earlier filters (X-Spam-*, X-MailScanner*) and the
transport and format details of the training corpus (Received hosts, mailing-list headers,
mail programs, charsets, transfer encodings, HTML-only bodies, a Reply-To on another domain).
Those record how the corpus was collected in 2002 (its ham is plain-text mailing-list mail,
whose Reply-To is the list, so "HTML only" alone would mark every newsletter as spam and a
diverted Reply-To would count for legitimate), not what makes mail spam, and a model that
learns them fails on mail that arrives another way. A diverted Reply-To is a rule signal
instead (`agents.offline.spam_rules.message_signals`).
Features are computed from `ParsedMail` only, so the raw message and the text `render` shows
the agents give the same features.
"""

from __future__ import annotations

import re
from email.utils import getaddresses, parsedate_tz

from agents import analysis
from agents.mail_parsing import ParsedMail

MIN_WORD, MAX_WORD = 2, 24
WORD = re.compile(r"[$€£]?[^\W_](?:[\w'’$%.-]*[^\W_%])?%?")
ADDRESS = re.compile(r"[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")  # bounded: a long word must not cost its length squared
VERDICT_LINE = re.compile(r"^[>|\s]*X-(?:Spam|MailScanner)[\w-]*:.*$", re.IGNORECASE | re.MULTILINE)
"""Verdict headers of earlier filters, also where a forwarded or quoted message carries them in the body."""
MANY_LINKS = 10
MANY_RECIPIENTS = 5
MAX_TZ_OFFSET_SECONDS = 14 * 3600

FACTS = {
    "fact:reply": "it answers an earlier message (In-Reply-To header)",
    "fact:free-mail": "the sender uses a free mailbox",
    "fact:bad-date": "its Date header is malformed or has an impossible time zone",
    "fact:many-recipients": f"it was sent to {MANY_RECIPIENTS} or more visible recipients",
    "fact:hidden-recipients": "its recipients are hidden (undisclosed recipients)",
    "fact:executable": "it carries a program as attachment",
    "fact:many-links": f"it holds more than {MANY_LINKS} links",
    "fact:ip-link": "a link points to a bare IP address instead of a domain name",
    "fact:shortener": "a link goes through a URL shortener, which hides where it leads",
    "fact:shouting": "much of the text is in capital letters",
    "fact:subject-shouting": "the subject is in capital letters",
    "fact:exclamations": "it piles up exclamation marks",
}


def features(mail: ParsedMail) -> frozenset[str]:
    """The feature keys of one message (each counts once, however often it occurs)."""
    keys: set[str] = set()
    body = VERDICT_LINE.sub("", mail.text)
    links = analysis.inspect_links(body)
    for link in links["links"]:
        keys.add(f"link:{link['domain']}")
        flags = " ".join(link["flags"])
        if "raw IP" in flags:
            keys.add("fact:ip-link")
        if "shortener" in flags:
            keys.add("fact:shortener")
    if links["link_count"] > MANY_LINKS:
        keys.add("fact:many-links")
    prose = ADDRESS.sub(" ", analysis.URL_PATTERN.sub(" ", body))
    keys.update(f"word:{word}" for word in words(prose))
    keys.update(f"subject:{word}" for word in words(mail.subject))
    keys.update(_header_facts(mail))
    keys.update(_shape_facts(mail.subject, prose))
    for name in mail.attachments:
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension.isalnum() and len(extension) <= 5:
            keys.add(f"attachment:{extension}")
            if extension in analysis.EXECUTABLE_EXTENSIONS:
                keys.add("fact:executable")
    return frozenset(keys)


def words(text: str) -> set[str]:
    """Lower-cased words; numbers of five digits or more (order numbers, dates) are left out."""
    found = set()
    for match in WORD.findall(text.lower()):
        word = match.strip(".-'’")
        if MIN_WORD <= len(word) <= MAX_WORD and not (word.isdigit() and len(word) > 4):
            found.add(word)
    return found


def describe(key: str) -> str:
    """A feature in words a person understands."""
    kind, _, value = key.partition(":")
    if kind == "word":
        return f"the word '{value}'"
    if kind == "subject":
        return f"'{value}' in the subject"
    if kind == "link":
        return f"a link to {value}"
    if kind == "attachment":
        return f"an attachment of type .{value}"
    return FACTS.get(key, key)


def _header_facts(mail: ParsedMail) -> set[str]:
    facts = set()
    if mail.is_reply:
        facts.add("fact:reply")
    sender_domain = analysis.address_domain(mail.sender)
    if sender_domain in analysis.FREEMAIL_DOMAINS:
        facts.add("fact:free-mail")
    if mail.date and not _plausible_date(mail.date):
        facts.add("fact:bad-date")
    if mail.to:
        recipients = [address for _, address in getaddresses([mail.to]) if "@" in address]
        if len(recipients) >= MANY_RECIPIENTS:
            facts.add("fact:many-recipients")
        if "undisclosed" in mail.to.lower() or not recipients:
            facts.add("fact:hidden-recipients")
    return facts


def _shape_facts(subject: str, prose: str) -> set[str]:
    facts = set()
    body_words = re.findall(r"[A-Za-z]{3,}", prose)
    if len(body_words) >= 5 and sum(word.isupper() for word in body_words) >= 0.3 * len(body_words):
        facts.add("fact:shouting")
    subject_words = re.findall(r"[A-Za-z]{3,}", subject)
    if len(subject_words) >= 2 and all(word.isupper() for word in subject_words):
        facts.add("fact:subject-shouting")
    if re.search(r"!{3,}", prose) or prose.count("!") >= 5 or "!!" in subject:
        facts.add("fact:exclamations")
    return facts


def _plausible_date(value: str) -> bool:
    parsed = parsedate_tz(value)
    return parsed is not None and abs(parsed[9] or 0) <= MAX_TZ_OFFSET_SECONDS
