"""A real SMTP server for tests (aiosmtpd on a free local port) that keeps every message it receives.

It can misbehave on demand, per recipient or for everyone: answer RCPT TO with a scripted reply
(`451 4.3.0 Try again later`, `550 5.1.1 No such user`), stall before answering, or refuse
connections altogether (`refusing()`).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from devhost.process import free_port

Answer = str | float | None
"""A scripted answer to RCPT TO: an SMTP reply line, the seconds to stall before answering 451, or None to accept."""


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    """The envelope recipients (RCPT TO) of each message in `messages`, in the same order."""
    attempts: Counter[str] = field(default_factory=Counter)
    """RCPT TO commands received per recipient (lower case), answered or not."""
    scripts: defaultdict[str, deque[Answer]] = field(default_factory=lambda: defaultdict(deque))
    controller: Controller | None = None

    def script(self, recipient: str, *answers: Answer) -> None:
        """Answer the next RCPT TO commands for `recipient` with `answers` in turn; after them, accept again."""
        self.scripts[recipient.lower()].extend(answers)

    def to(self, address: str) -> list[Message]:
        """The messages whose envelope named `address`."""
        return [m for m, rcpts in zip(self.messages, self.recipients, strict=True) if address.lower() in rcpts]

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        self.attempts[address.lower()] += 1
        scripted = self.scripts.get(address.lower())
        answer = scripted.popleft() if scripted else None
        if isinstance(answer, str):
            return answer
        if answer is not None:
            await asyncio.sleep(answer)  # the client gives up meanwhile
            return "451 4.4.2 Stalled"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(BytesParser(policy=default).parsebytes(envelope.original_content))
        self.recipients.append([rcpt.lower() for rcpt in envelope.rcpt_tos])
        return "250 Message accepted"

    def start(self) -> None:
        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    @contextmanager
    def refusing(self) -> Iterator[None]:
        """Nothing listens on the port (connections are refused) until the block ends."""
        self.stop()
        try:
            yield
        finally:
            self.start()


@contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer("127.0.0.1", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
