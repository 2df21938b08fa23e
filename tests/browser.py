"""Headless Chromium (Debian's, driven by Playwright) for the tests of pages, and a beacon that notices scripts.

A page that ran injected script would have it call the beacon: a server on loopback that records every
request, so a test can assert that hostile text shown on a page never executed.
"""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> Any:
    """Playwright's sync API, or skip the module saying what is missing."""
    if CHROMIUM is None:
        pytest.skip("the browser test needs Debian's chromium (apt-get install -y chromium)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright (requirements-dev.txt)")


@contextmanager
def chromium(profiles: Path) -> Iterator[Callable[..., Any]]:
    """A function opening Chromium contexts (each with a profile of its own under `profiles`) in one Playwright;
    its keyword arguments as Playwright takes them (viewport, java_script_enabled, ...)."""
    sync_api = require_chromium()
    with sync_api.sync_playwright() as playwright:
        contexts: list[Any] = []

        def open_context(**options: Any) -> Any:
            context = playwright.chromium.launch_persistent_context(
                str(profiles / f"profile-{len(contexts)}"),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_FLAGS,
                **{"viewport": {"width": 1280, "height": 900}, **options},
            )
            context.set_default_timeout(15_000)
            contexts.append(context)
            return context

        try:
            yield open_context
        finally:
            for context in contexts:
                context.close()


@contextmanager
def chromium_context(profiles: Path, **options: Any) -> Iterator[Any]:
    """One Chromium context, as `chromium` opens them."""
    with chromium(profiles) as open_context:
        yield open_context(**options)


class Beacon:
    """An HTTP server on loopback recording the path of every request it gets."""

    def __init__(self) -> None:
        hits = self.hits = []  # type: list[str]

        class Record(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hostile(self, where: str) -> str:
        """Text that calls the beacon (naming `where`) if a page ever runs it as markup or script."""
        call = f"fetch('{self.url}/{where}')"
        return f'<img src="{self.url}/{where}-img" onerror="{call}"><script>{call}</script>"><svg onload="{call}">'

    def close(self) -> None:
        self.server.shutdown()
