"""Where activities keep artifacts: a local folder, or an Azure Blob Storage container.

Artifact names are derived from the orchestration instance and step, so writing the
same artifact twice overwrites it instead of creating a second copy.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path
from typing import Protocol

from settings import StorageSettings


class ArtifactStore(Protocol):
    """Named byte blobs; `put` returns where the artifact now lives (path or URL)."""

    def put(self, name: str, data: bytes, content_type: str) -> str: ...

    def get(self, name: str) -> bytes | None: ...


def safe_name(value: str) -> str:
    """A file/blob name part for any instance id; a hash suffix keeps sanitised ids distinct."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", value).strip("._") or "_"
    if cleaned == value:
        return value
    return f"{cleaned[:80]}-{hashlib.sha256(value.encode()).hexdigest()[:8]}"


class LocalFolderStore:
    """Artifacts as files under a folder (the default outside Azure)."""

    def __init__(self, root: str) -> None:
        self.root = Path(root).resolve()

    def put(self, name: str, data: bytes, content_type: str) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half an artifact
        return str(path)

    def get(self, name: str) -> bytes | None:
        path = self.root / name
        return path.read_bytes() if path.is_file() else None


class BlobStore:
    """Artifacts as blobs in one container, created on first use."""

    def __init__(self, settings: StorageSettings) -> None:
        from azure.storage.blob import BlobServiceClient

        if settings.connection_string:
            service = BlobServiceClient.from_connection_string(settings.connection_string)
        else:
            from azure.identity import DefaultAzureCredential

            service = BlobServiceClient(account_url=str(settings.account_url), credential=DefaultAzureCredential())
        self.container = service.get_container_client(settings.container)
        self._container_ready = False

    def put(self, name: str, data: bytes, content_type: str) -> str:
        from azure.core.exceptions import ResourceExistsError
        from azure.storage.blob import ContentSettings

        if not self._container_ready:
            try:
                self.container.create_container()
            except ResourceExistsError:
                pass
            self._container_ready = True
        blob = self.container.upload_blob(
            name, data, overwrite=True, content_settings=ContentSettings(content_type=content_type)
        )
        return str(blob.url)

    def get(self, name: str) -> bytes | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return bytes(self.container.download_blob(name).readall())
        except ResourceNotFoundError:
            return None


@functools.cache
def open_store(settings: StorageSettings) -> ArtifactStore:
    """The store the settings select (see `settings.load_storage_settings`); the app logs which at start."""
    return BlobStore(settings) if settings.uses_blob else LocalFolderStore(settings.local_dir)
