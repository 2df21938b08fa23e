"""What changed between two drafts, as escaped HTML a reviewer reads: paragraphs kept, removed, added or edited,
with the edited words marked inside a paragraph."""

from __future__ import annotations

import difflib
from html import escape

MAX_WORDS_COMPARED = 4_000
"""Edited passages longer than this are shown removed and added whole: word matching is quadratic at worst."""


def paragraphs(text: str) -> list[str]:
    """The draft's paragraphs (blocks separated by blank lines), each on one line."""
    blocks = [" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


def diff_html(before: str, after: str) -> str:
    """`after` compared with `before`: removed paragraphs in <del>, added ones in <ins>, an edited paragraph with its
    words marked, and of the unchanged ones only those next to a change (the rest is counted). Every piece of
    text is escaped."""
    old, new = paragraphs(before), paragraphs(after)
    out: list[str] = []
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    if all(tag == "equal" for tag, *_ in opcodes):
        return '<p class="same">No change.</p>'
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            out += _context(new[j1:j2], after_change=index > 0, before_change=index < len(opcodes) - 1)
        elif tag == "delete":
            out += [f'<p class="removed"><del>{escape(p)}</del></p>' for p in old[i1:i2]]
        elif tag == "insert":
            out += [f'<p class="added"><ins>{escape(p)}</ins></p>' for p in new[j1:j2]]
        else:
            out.append(f'<p class="edited">{_words(" ".join(old[i1:i2]), " ".join(new[j1:j2]))}</p>')
    return "\n".join(out)


def _context(same: list[str], after_change: bool, before_change: bool) -> list[str]:
    """Unchanged paragraphs: the one next to each change, and a count of those in between."""
    shown = [same[0]] if after_change else []
    last = [same[-1]] if before_change and len(same) > len(shown) else []
    hidden = len(same) - len(shown) - len(last)
    middle = [f'<p class="same">({hidden} unchanged paragraph{"s" if hidden != 1 else ""})</p>'] if hidden else []
    return [f"<p>{escape(p)}</p>" for p in shown] + middle + [f"<p>{escape(p)}</p>" for p in last]


def _words(before: str, after: str) -> str:
    old, new = before.split(), after.split()
    if len(old) + len(new) > MAX_WORDS_COMPARED:
        return f"<del>{escape(before)}</del> <ins>{escape(after)}</ins>"
    pieces: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            pieces.append(f"<del>{escape(' '.join(old[i1:i2]))}</del>")
        if tag in ("insert", "replace"):
            pieces.append(f"<ins>{escape(' '.join(new[j1:j2]))}</ins>")
        if tag == "equal":
            pieces.append(escape(" ".join(new[j1:j2])))
    return " ".join(pieces)
