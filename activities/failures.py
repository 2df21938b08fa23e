"""Why a side effect failed, sorted into worth retrying or not, with a message that names the cause.

Activities raise `TransientFailure` for what a later attempt can fix (connection refused or reset,
timeouts, SMTP 4xx, Blob 5xx and throttling, a full disk): the orchestration's durable retry
runs the activity again. `PermanentFailure` is for what no retry can fix (SMTP 5xx, rejected
logins, a read-only folder, missing permissions): the registered activity reports it as a result
instead of raising, so the durable retry does not repeat it and the flow fails at once (see
`activities.__init__` and `orchestrations.activity_calls.call_step`).
"""

from __future__ import annotations

import errno
import smtplib
import socket
import ssl

TRANSIENT_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EAGAIN, errno.EBUSY, errno.EINTR, errno.EIO, errno.ETIMEDOUT}
PERMANENT_DNS_ERRORS = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


class SideEffectError(Exception):
    """A side effect failed; the message says what failed and why."""


class TransientFailure(SideEffectError):
    """Worth another attempt later: the durable retry runs the activity again."""


class PermanentFailure(SideEffectError):
    """No retry can fix it: the flow fails at once with this message."""


def smtp_failure(error: Exception, server: str) -> SideEffectError:
    """Sort an smtplib/socket error: 4xx replies and network trouble are transient, 5xx replies permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = "; ".join(f"{rcpt}: {code} {_text(message)}" for rcpt, (code, message) in error.recipients.items())
        transient = all(400 <= code < 500 for code, _ in error.recipients.values())
        return _sorted(transient, f"SMTP server {server} refused the recipient ({replies})")
    if isinstance(error, smtplib.SMTPResponseException):
        what = "rejected the login" if isinstance(error, smtplib.SMTPAuthenticationError) else "answered"
        return _sorted(
            400 <= error.smtp_code < 500, f"SMTP server {server} {what} {error.smtp_code} {_text(error.smtp_error)}"
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return PermanentFailure(f"SMTP server {server} does not support what SMTP_SECURITY asks for: {error}")
    if isinstance(error, ssl.SSLCertVerificationError):
        return PermanentFailure(
            f"SMTP server {server} presented a certificate that does not verify: {error.verify_message}"
        )
    if isinstance(error, socket.gaierror):
        return _sorted(
            error.errno not in PERMANENT_DNS_ERRORS, f"SMTP host of {server} cannot be resolved: {error.strerror}"
        )
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):  # smtplib wraps read timeouts
        return TransientFailure(f"SMTP server {server} did not answer in time ({error or 'timed out'})")
    if isinstance(error, ConnectionRefusedError):
        return TransientFailure(f"SMTP server {server} refused the connection")
    if isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError)):
        return TransientFailure(f"SMTP server {server} dropped the connection: {error or type(error).__name__}")
    return TransientFailure(f"Sending through SMTP server {server} failed: {type(error).__name__}: {error}")


def disk_failure(error: OSError, path: str) -> SideEffectError:
    """A full disk may free up; a read-only or forbidden folder will not."""
    cause = f"{error.strerror or error} ({errno.errorcode.get(error.errno or 0, 'no errno')})"
    if error.errno in TRANSIENT_DISK_ERRORS:
        return TransientFailure(f"Writing {path} failed: {cause}")
    return PermanentFailure(
        f"Writing {path} failed: {cause}. Point LOCAL_DATA_DIR at a writable folder or use blob storage."
    )


def blob_failure(error: Exception, container: str) -> SideEffectError:
    """Network trouble, timeouts, throttling and 5xx are transient; other HTTP errors (auth, 4xx) are permanent."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    where = f"Blob container {container!r}"
    if isinstance(error, ClientAuthenticationError):
        return PermanentFailure(
            f"{where}: access denied ({_first_line(error)}); check the storage credentials and roles"
        )
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return TransientFailure(f"{where} could not be reached: {_first_line(error)}")
    if isinstance(error, HttpResponseError):
        status = error.status_code or 0
        transient = status in (408, 429) or status >= 500
        return _sorted(transient, f"{where} answered HTTP {status} {error.reason or ''}: {_first_line(error)}".rstrip())
    return TransientFailure(f"{where}: {type(error).__name__}: {_first_line(error)}")


def _sorted(transient: bool, message: str) -> SideEffectError:
    return TransientFailure(message) if transient else PermanentFailure(message)


def _text(reply: bytes | str) -> str:
    return " ".join((reply.decode(errors="replace") if isinstance(reply, bytes) else reply).split())


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
