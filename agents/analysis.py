"""Deterministic text analysis behind the agents' function tools.

Kept free of any framework import so the same code serves the tools an LLM calls and
the offline model's own rules, and can be tested on its own.
"""

from __future__ import annotations

import ipaddress
import math
import re
from email.utils import parseaddr
from typing import TypedDict
from urllib.parse import urlsplit

URL_PATTERN = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
WORD_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")

HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]")
SECOND_LEVEL_LABELS = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go"})
"""Labels under which a country registers domains ("example.co.uk", "example.com.au", "example.ne.jp")."""

READING_WORDS_PER_MINUTE = 200

SHOWN_LINK = re.compile(r" <((?:https?://|www\.)[^\s<>]{1,2000})>", re.IGNORECASE)
"""A link's address as `mail_parsing` writes it after the link's text: "Sign in <http://...>"."""
SHOWN_TEXT_CHARS = 300
COMMON_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "io",
        "co",
        "me",
        "us",
        "uk",
        "de",
        "fr",
        "nl",
        "it",
        "es",
        "ch",
        "at",
        "be",
        "ca",
        "au",
        "jp",
        "cn",
        "ru",
        "br",
        "in",
        "pl",
        "se",
        "no",
        "dk",
    ]
)
"""Top-level domains that make a bare word such as "paypal.com" read as a site to a person."""
EXECUTABLE_EXTENSIONS = frozenset(
    [
        "exe",
        "scr",
        "pif",
        "bat",
        "com",
        "vbs",
        "vbe",
        "js",
        "jse",
        "wsf",
        "cmd",
        "jar",
        "msi",
        "hta",
        "lnk",
        "ps1",
        "cpl",
        "reg",
        "msc",
        "iso",
        "img",
    ]
)
"""Attachment types that run code when opened (or, as disk images, carry programs past filters)."""
DOCUMENT_EXTENSIONS = frozenset(
    [
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "txt",
        "rtf",
        "jpg",
        "jpeg",
        "png",
        "gif",
        "zip",
        "rar",
        "csv",
        "htm",
        "html",
    ]
)

URL_SHORTENERS = frozenset(
    {"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rebrand.ly", "shorturl.at"}
)
RISKY_TLDS = frozenset({"zip", "mov", "xyz", "top", "click", "loan", "work", "gq", "tk", "ml", "cf", "ru", "cn"})
FREEMAIL_DOMAINS = frozenset(
    {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "mail.ru", "gmx.com", "proton.me"}
)
# Brands that phishing mail impersonates most, spelled as they spell themselves, with the domains they send from.
BRAND_DOMAINS = {
    "PayPal": ("paypal.com",),
    "Microsoft": ("microsoft.com", "office.com", "outlook.com", "live.com", "hotmail.com", "msn.com"),
    "Apple": ("apple.com", "icloud.com"),
    "Amazon": ("amazon.com", "amazon.co.uk", "amazon.de"),
    "Netflix": ("netflix.com",),
    "Google": ("google.com", "gmail.com"),
    "DHL": ("dhl.com", "dhl.de"),
    "Bank of America": ("bankofamerica.com",),
    "Wells Fargo": ("wellsfargo.com",),
}


def registered_domain(host: str) -> str:
    """The domain a host belongs to ("mail.example.com" -> "example.com", "shop.example.co.uk" ->
    "example.co.uk"); an IP address stays whole."""
    if _is_ip_address(host.strip("[]")):
        return host.strip("[]")
    labels = [label for label in host.lower().strip(".").split(".") if label]
    under_country = len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL_LABELS
    return ".".join(labels[-3:] if under_country else labels[-2:])


def extract_links(text: str) -> list[str]:
    """Every URL in the text whose host can exist (a domain or an IP address), in order, without duplicates."""
    seen: dict[str, None] = {}
    for match in URL_PATTERN.findall(text):
        url = match.rstrip(".,;:!?")
        host = _host(url)
        if _is_ip_address(host) or HOST_NAME.fullmatch(host):
            seen.setdefault(url, None)
    return list(seen)


class LinkFinding(TypedDict):
    """One link of an email: where it points and what makes it risky."""

    url: str
    domain: str
    flags: list[str]


class LinkReport(TypedDict):
    """What `inspect_links` answers."""

    link_count: int
    domains: list[str]
    suspicious_count: int
    links: list[LinkFinding]


class SenderReport(TypedDict):
    """What `check_sender` answers."""

    sender: str
    display_name: str
    domain: str
    free_mail: bool
    flags: list[str]


class TextStatistics(TypedDict):
    """What `text_statistics` answers."""

    word_count: int
    sentence_count: int
    paragraph_count: int
    average_sentence_length: float
    reading_time_minutes: int


MAX_URL_SHOWN = 200
"""A link is reported by its first 200 characters: it is checked whole, but a reported URL is copied into the
screening, the rule signals and the agents' prompts, so a message of one 100,000-character link must not make
the flow's recorded step results outgrow the Durable Task Scheduler's 1 MB."""


def inspect_links(text: str) -> LinkReport:
    """Extract the links of an email and flag the ones phishing typically uses."""
    links: list[LinkFinding] = []
    shown_as = _shown_hosts(text)
    for url in extract_links(text):
        host = _host(url)
        flags: list[str] = []
        if (shown := shown_as.get(url)) and host and registered_domain(shown) != registered_domain(host):
            flags.append(f"link text shows {shown} but the link goes to {registered_domain(host)}")
        if _is_ip_address(host):
            flags.append("raw IP address instead of a domain")
        if host in URL_SHORTENERS:
            flags.append("URL shortener hides the destination")
        if host.rsplit(".", 1)[-1] in RISKY_TLDS:
            flags.append(f"top-level domain .{host.rsplit('.', 1)[-1]} is common in abuse")
        if host.startswith("xn--") or ".xn--" in host:
            flags.append("punycode host name (possible look-alike)")
        if imitated := _brand_imitated_with_digits(registered_domain(host)):
            flags.append(f"domain imitates {imitated} with digits")
        if url.lower().startswith("http://"):
            flags.append("not encrypted (http)")
        if "@" in url.split("//", 1)[-1].split("/", 1)[0]:
            flags.append("user-info trick in URL")
        shown_url = url if len(url) <= MAX_URL_SHOWN else f"{url[:MAX_URL_SHOWN]}..."
        links.append({"url": shown_url, "domain": registered_domain(host), "flags": flags})
    return {
        "link_count": len(links),
        "domains": sorted({link["domain"] for link in links}),
        "suspicious_count": sum(1 for link in links if link["flags"]),
        "links": links,
    }


def attachment_risk(name: str) -> str | None:
    """Why an attachment's name marks it as a program a mail administrator would block, if it does."""
    extensions = name.lower().strip().rstrip(".").rsplit(".", 2)[1:]
    if not extensions or extensions[-1] not in EXECUTABLE_EXTENSIONS:
        return None
    if len(extensions) == 2 and extensions[0] in DOCUMENT_EXTENSIONS:
        return f"attachment {name} is a program (.{extensions[-1]}) disguised as a .{extensions[0]} file"
    return f"attachment {name} is a program (.{extensions[-1]})"


def address_domain(header: str) -> str:
    """The registered domain of the address in a header value ("Jane <jane@mail.example.com>" -> "example.com")."""
    address = parseaddr(header or "")[1]
    return registered_domain(address.rsplit("@", 1)[1]) if "@" in address else ""


def check_sender(sender: str, text: str) -> SenderReport:
    """Compare the sender's address with the brands and link domains the email mentions."""
    display_name, address = parseaddr(sender or "")
    domain = registered_domain(address.rsplit("@", 1)[1]) if "@" in address else ""
    flags: list[str] = []
    if not address:
        flags.append("no sender address")
    elif "@" not in address:
        flags.append("sender address is malformed")
    if imitated := _brand_imitated_with_digits(domain):
        flags.append(f"sender domain {domain} imitates {imitated} with digits")
    claimed = [
        brand
        for brand, domains in BRAND_DOMAINS.items()
        if domain and domain not in domains and _mentions(brand, f"{display_name}\n{text}")
    ]
    for brand in claimed:
        flags.append(f"mentions {brand} but is sent from {domain}")
    if domain in FREEMAIL_DOMAINS and claimed:
        flags.append("brand mail sent from a free mailbox")
    link_domains = {_host(u) for u in extract_links(text)}
    foreign_links = sorted({registered_domain(d) for d in link_domains if d} - {domain})
    if foreign_links and domain:
        flags.append(f"links point to {', '.join(foreign_links)}, not the sender's domain {domain}")
    return {
        "sender": address,
        "display_name": display_name,
        "domain": domain,
        "free_mail": domain in FREEMAIL_DOMAINS,
        "flags": flags,
    }


def text_statistics(text: str) -> TextStatistics:
    """Word, sentence and paragraph counts plus reading time at 200 words per minute."""
    words = WORD_PATTERN.findall(text)
    sentences = [part for part in SENTENCE_END.split(text) if part.strip()]
    paragraphs = [block for block in re.split(r"\n\s*\n", text) if block.strip()]
    word_count = len(words)
    return {
        "word_count": word_count,
        "sentence_count": len(sentences),
        "paragraph_count": len(paragraphs),
        "average_sentence_length": round(word_count / len(sentences), 1) if sentences else 0.0,
        "reading_time_minutes": max(1, math.ceil(word_count / READING_WORDS_PER_MINUTE)) if word_count else 0,
    }


def _shown_hosts(text: str) -> dict[str, str]:
    """Each link written as "text <url>" whose text is itself a site ("www.paypal.com <http://...>"): url -> host.

    The text is the last word before the address, read from at most SHOWN_TEXT_CHARS characters back, so the
    work stays linear in the length of the text.
    """
    shown: dict[str, str] = {}
    for match in SHOWN_LINK.finditer(text):
        before = text[max(0, match.start() - SHOWN_TEXT_CHARS) : match.start()].rsplit(None, 1)
        word = before[-1].strip(".,;:!?()[]\"'") if before else ""
        if word.lower().startswith(("http://", "https://", "www.")):
            host = _host(word)
        elif HOST_NAME.fullmatch(word.lower()) and word.lower().rsplit(".", 1)[-1] in COMMON_TLDS:
            host = word.lower()
        else:
            continue
        if host:
            shown.setdefault(match.group(1).rstrip(".,;:!?"), host)
    return shown


def _host(url: str) -> str:
    try:
        return (urlsplit(url if "://" in url else f"http://{url}").hostname or "").lower()
    except ValueError:  # e.g. an unbalanced "[" in the host
        return ""


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _brand_imitated_with_digits(domain: str) -> str | None:
    """The brand a domain spells with letter-to-digit swaps ("paypa1.com", "micr0soft.net"), if any."""
    label = domain.split(".")[0]
    if not re.search(r"[0-9]", label):
        return None
    readings = {label.translate(str.maketrans("031", "oe" + one)) for one in ("l", "i")}
    for brand in BRAND_DOMAINS:
        if any(brand.lower().replace(" ", "") in reading for reading in readings):
            return brand
    return None


def _mentions(brand: str, text: str) -> bool:
    """The brand as a word of its own ("Apple", not "pineapple")."""
    return re.search(rf"\b{re.escape(brand)}\b", text, re.IGNORECASE) is not None
