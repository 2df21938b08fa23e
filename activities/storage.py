"""Where activities keep artifacts: a local folder, or an Azure Blob Storage container.

Artifact names are derived from the step's idempotency key, so writing the same artifact
twice overwrites it instead of creating a second copy. Failures are raised as transient or
permanent (see `activities.failures`), naming the file or container.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
from pathlib import Path
from typing import Any, Protocol

from activities.failures import blob_failure, disk_failure
from settings import StorageSettings

NAME_PART_LIMIT = 64
BLOB_CONNECT_TIMEOUT_SECONDS = 10
BLOB_READ_TIMEOUT_SECONDS = 30


class ArtifactStore(Protocol):
    """Named byte blobs; `put` returns where the artifact now lives (path or URL)."""

    def put(self, name: str, data: bytes, content_type: str) -> str: ...

    def get(self, name: str) -> bytes | None: ...


def name_part(value: str) -> str:
    """A file/blob name part for any text (an instance id of 256 characters, "coll/a"): at most 77 safe characters.

    A value that is already safe and short is kept; any other is cut and gets a hash suffix, so two different
    values that clean up alike ("coll/a", "coll_a") still get different names.
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", value).strip("._") or "_"
    if cleaned == value and len(value) <= NAME_PART_LIMIT:
        return value
    return f"{cleaned[:NAME_PART_LIMIT]}-{hashlib.sha256(value.encode()).hexdigest()[:12]}"


class LocalFolderStore:
    """Artifacts as files under a folder (the default outside Azure)."""

    def __init__(self, root: str) -> None:
        self.root = Path(root).resolve()

    def put(self, name: str, data: bytes, content_type: str) -> str:
        path = self.root / name
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
            temporary.replace(path)  # atomic: a reader never sees half an artifact
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise disk_failure(error, str(path)) from error
        return str(path)

    def get(self, name: str) -> bytes | None:
        path = self.root / name
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError as error:
            raise disk_failure(error, str(path)) from error


class BlobStore:
    """Artifacts as blobs in one container, created on first use."""

    def __init__(self, settings: StorageSettings) -> None:
        from azure.storage.blob import BlobServiceClient, ExponentialRetry

        # Bounded: short timeouts and one quick retry here; longer outages are the durable retry's job.
        options: dict[str, Any] = {  # passed on as the clients' **kwargs: Any
            "connection_timeout": BLOB_CONNECT_TIMEOUT_SECONDS,
            "read_timeout": BLOB_READ_TIMEOUT_SECONDS,
            "retry_policy": ExponentialRetry(
                initial_backoff=1,
                increment_base=2,
                retry_total=1,
                # Typed int, but only ever added to and subtracted from the float backoff: half a second is fine.
                random_jitter_range=0.5,  # type: ignore[arg-type]
            ),
        }
        if settings.connection_string:
            service = BlobServiceClient.from_connection_string(settings.connection_string, **options)
        else:
            from azure.identity import DefaultAzureCredential

            service = BlobServiceClient(
                account_url=str(settings.account_url), credential=DefaultAzureCredential(), **options
            )
        self.container = service.get_container_client(settings.container)
        self._container_ready = False

    def put(self, name: str, data: bytes, content_type: str) -> str:
        from azure.core.exceptions import AzureError, ResourceExistsError
        from azure.storage.blob import ContentSettings

        try:
            if not self._container_ready:
                with contextlib.suppress(ResourceExistsError):
                    self.container.create_container()
                self._container_ready = True
            blob = self.container.upload_blob(
                name, data, overwrite=True, content_settings=ContentSettings(content_type=content_type)
            )
        except AzureError as error:
            raise blob_failure(error, self.container.container_name) from error
        return str(blob.url)

    def get(self, name: str) -> bytes | None:
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        try:
            return bytes(self.container.download_blob(name).readall())
        except ResourceNotFoundError:
            return None
        except AzureError as error:
            raise blob_failure(error, self.container.container_name) from error


@functools.cache
def open_store(settings: StorageSettings) -> ArtifactStore:
    """The store the settings select (see `settings.load_storage_settings`); the app logs which at start."""
    return BlobStore(settings) if settings.uses_blob else LocalFolderStore(settings.local_dir)
