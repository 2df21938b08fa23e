"""A test-only way to make the offline model write a long article (over 30,000 characters).

The offline model composes first drafts with `agents.offline.writing.article_draft`; tests swap in
`long_article_draft` (monkeypatch in-process, or the `tests.e2e.apps.long_drafts` app on the local host).
The article mixes ASCII, accents, typographic quotes and CJK, so its JSON is not plain ASCII, and ends with
LAST_LINE so that a test can tell that nothing was cut off.
"""

from __future__ import annotations

from agents.offline import writing

CHARACTERS = 30_000
LAST_LINE = "The end of the long draft: nothing was cut off."
PARAGRAPH = (
    "Durable flows keep long articles in storage and pass a reference: “quoted” words, Grüße, naïve café, "
    '長い記事の本文 — and a backslash \\ with "double quotes" that JSON must escape. '
)

first_draft = writing.article_draft


def long_article_draft(topic: str) -> tuple[str, str]:
    """The offline model's first draft on `topic`, grown with numbered sections past CHARACTERS characters."""
    title, body = first_draft(topic)
    sections = [body]
    while len("\n\n".join(sections)) < CHARACTERS:
        sections.append(f"## Part {len(sections)}\n\n" + PARAGRAPH * 4)
    return title, "\n\n".join([*sections, LAST_LINE])
