"""How long reading one hostile message takes, with the app's parser and with the standard one it bounds.

    .venv/bin/python -m bench.mail_parsing [--all]

Each message is at most 512 KB, as the spam route accepts. "standard" is `email` with `policy.default` reading
the headers the app reads in every part; without `--all` it is skipped where it takes minutes or cannot finish.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from email import message_from_bytes, policy

from agents.mail_parsing import parse
from tests.mail_messages import deeply_nested, many_parts

QUOTES = '"' * 1_100


def quoted_header(quotes: int) -> str:
    """A Content-Type with a run of quotes (each message its own, so no parsed header is reused)."""
    junk = f"q{quotes}" + '"' * quotes
    return f"From: a@example.org\r\nSubject: s\r\nContent-Type: text/plain; {junk}\r\n\r\nhello"


def hostile_part_headers() -> str:
    parts = "".join(
        f"--p\r\nContent-Type: text/plain; {i}{QUOTES}\r\nContent-Disposition: attachment; filename={i}{QUOTES}\r\n\r\nx\r\n"
        for i in range(224)
    )
    return (
        'From: a@example.org\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n' + parts + "--p--\r\n"
    )


MESSAGES: dict[str, Callable[[], str]] = {
    "10,000 parts, 370 KB": many_parts,
    "multiparts nested 1,000 deep": deeply_nested,
    "Content-Type of 1,000 quotes": lambda: quoted_header(1_000),
    "Content-Type of 5,000 quotes": lambda: quoted_header(5_000),
    "Content-Type of 90,000 quotes": lambda: quoted_header(90_000),
    "224 parts, each header 1,100 quotes": hostile_part_headers,
}
STANDARD_SKIPPED = {
    "Content-Type of 90,000 quotes": "skipped (minutes)",
    "multiparts nested 1,000 deep": "RecursionError",
}


def standard(raw: bytes) -> object:
    message = message_from_bytes(raw, policy=policy.default)
    return [(part.get_content_type(), part.get_filename(), part.get_content_charset()) for part in message.walk()]


def seconds(read: Callable[[bytes], object], raw: bytes) -> str:
    started = time.perf_counter()
    try:
        read(raw)
    except RecursionError:
        return "RecursionError"
    return f"{time.perf_counter() - started:.3f} s"


def main() -> None:
    run_all = "--all" in sys.argv[1:]
    print(f"{'message':<40} {'size':>9} {'app':>10} {'standard':>22}")
    for name, build in MESSAGES.items():
        raw = build().encode()
        app = seconds(parse, raw)
        skipped = STANDARD_SKIPPED.get(name)
        if run_all:
            skipped = None
        base = skipped or seconds(standard, raw)
        print(f"{name:<40} {len(raw) // 1024:>6} KB {app:>10} {base:>22}")


if __name__ == "__main__":
    main()
