"""Signed review links and signed decision events: HMAC-SHA256 with the app's review link key.

A review link carries, signed, the instance, the round, the role (reviewer or escalation contact), the address
it was mailed to and the round's deadline, after which it no longer opens. Whoever holds it may decide that
round, once, as that person; nothing else. The decision route and the review page sign the events they raise
with the same key, so the flow believes only what they sent (`verify_event`). A key is rotated by moving it to
REVIEW_LINK_PREVIOUS_KEY and setting a new REVIEW_LINK_KEY: links and events signed with either verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from reviewing.protocol import Decider, DecisionEvent, Role, UtcTime, utc, utc_iso
from settings import ReviewLinkKeys, app_settings

LINK_PURPOSE = b"review-link/v1\n"
EVENT_PURPOSE = b"review-decision/v1\n"
"""Each kind of signature covers its purpose, so a link's signature never passes for an event's, or back."""
LOCAL_KEY_FILE = "review-link.key"


class InvalidLink(Exception):
    """A link that is malformed, tampered with, signed with an unknown key, expired or for another instance.

    Its message is for the log; whoever presented the link learns only that it is not valid.
    """


class ReviewLink(BaseModel):
    """What a review link grants: deciding `round` of `instance_id` as `role` `address`, until `deadline`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance_id: str
    round: int
    role: Role
    address: str
    deadline: UtcTime

    @property
    def decider(self) -> Decider:
        return Decider(role=self.role, address=self.address)

    @property
    def decision_id(self) -> str:
        """The id of the decision taken with this link: the same for every submission, so it lands once."""
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()
        return f"link-{digest[:32]}"


class ExpiredLink(InvalidLink):
    """A link the app issued for this instance, whose deadline has passed: it grants nothing any more.

    Unlike a forged one it proves its holder was sent it, so it carries its grant: the review page may tell them
    how the review stands, though never let them decide.
    """

    def __init__(self, link: ReviewLink) -> None:
        super().__init__(f"expired at {utc_iso(link.deadline)}")
        self.link = link


@dataclass(frozen=True)
class Keys:
    """The key links and events are signed with, and the previous one, still accepted during a rotation."""

    current: bytes
    previous: bytes | None = None

    @property
    def accepted(self) -> tuple[bytes, ...]:
        return (self.current,) if self.previous is None else (self.current, self.previous)


def signing_keys(configured: ReviewLinkKeys | None = None) -> Keys:
    """The configured keys; without REVIEW_LINK_KEY (only outside Azure, see settings), a key of the local data
    folder, created on first use, so links keep working across restarts of the local host."""
    configured = configured or app_settings().review_link_keys
    previous = configured.previous.encode() if configured.previous else None
    if configured.current:
        return Keys(configured.current.encode(), previous)
    return Keys(_local_key(Path(configured.local_dir)), previous)


def _local_key(folder: Path) -> bytes:
    path = folder / LOCAL_KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it meanwhile
        return path.read_bytes()
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_hex(32).encode())
    return path.read_bytes()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: bytes, message: bytes) -> bytes:
    return hmac.new(key, purpose + message, hashlib.sha256).digest()


def sign_link(link: ReviewLink, keys: Keys | None = None) -> str:
    """The token of a review link (URL-safe): its grant, then the signature."""
    keys = keys or signing_keys()
    body = link.model_dump_json().encode()
    return f"{_b64(body)}.{_b64(_mac(keys.current, LINK_PURPOSE, body))}"


def open_link(token: str, instance_id: str, now: datetime, keys: Keys | None = None) -> ReviewLink:
    """The grant of a link presented for `instance_id`; ExpiredLink for one of the app's own whose deadline has passed,
    InvalidLink for any other."""
    keys = keys or signing_keys()
    body_text, _, signature_text = token.partition(".")
    try:
        body, signature = _unb64(body_text), _unb64(signature_text)
    except (ValueError, UnicodeEncodeError):
        raise InvalidLink("not a review link token") from None
    if not any(hmac.compare_digest(_mac(key, LINK_PURPOSE, body), signature) for key in keys.accepted):
        raise InvalidLink("signature does not verify with the current or previous key")
    try:
        link = ReviewLink.model_validate_json(body)
    except ValidationError:
        raise InvalidLink("signed, but not a grant this version reads") from None
    if link.instance_id != instance_id:
        raise InvalidLink(f"issued for another instance ({link.instance_id})")
    if utc(now) >= utc(link.deadline):
        raise ExpiredLink(link)
    return link


def _event_message(instance_id: str, event: DecisionEvent) -> bytes:
    fields: dict[str, Any] = event.model_dump(mode="json", exclude={"signature"})
    return json.dumps({"instance_id": instance_id, **fields}, sort_keys=True, separators=(",", ":")).encode()


def sign_event(instance_id: str, event: DecisionEvent, keys: Keys | None = None) -> DecisionEvent:
    """`event` with the signature that lets the flow on `instance_id` believe it."""
    keys = keys or signing_keys()
    signature = _b64(_mac(keys.current, EVENT_PURPOSE, _event_message(instance_id, event)))
    return event.model_copy(update={"signature": signature})


def verify_event(instance_id: str, event: DecisionEvent, keys: Keys | None = None) -> bool:
    """Whether `event` was signed for `instance_id` by the decision route or the review page."""
    if not event.signature or event.round is None or event.decided_by is None or not event.decision_id:
        return False
    keys = keys or signing_keys()
    try:
        signature = _unb64(event.signature)
    except ValueError:
        return False
    message = _event_message(instance_id, event)
    return any(hmac.compare_digest(_mac(key, EVENT_PURPOSE, message), signature) for key in keys.accepted)
