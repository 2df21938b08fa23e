"""Growing pauses between attempts while the store refuses writes, and one log line each way."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("devhost.engine")

FIRST_PAUSE = 0.1
MAX_PAUSE = 5.0


class Backoff:
    """Pauses of 0.1 s doubling up to 5 s; says when the store failed and when it works again."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.failures = 0
        self._since = 0.0

    def failed(self, error: Exception) -> float:
        """The pause before the next attempt."""
        self.failures += 1
        if self.failures == 1:
            self._since = time.monotonic()
            log.warning("%s: %s; trying again with pauses growing to %.0f s", self.what, error, MAX_PAUSE)
        return min(MAX_PAUSE, FIRST_PAUSE * 2 ** (self.failures - 1))

    def succeeded(self) -> None:
        if self.failures:
            log.warning(
                "%s: the store works again, after %d failed attempt(s) over %.1f s",
                self.what,
                self.failures,
                time.monotonic() - self._since,
            )
            self.failures = 0
