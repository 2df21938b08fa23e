"""Publishing and the idempotency ledger on Azure Blob Storage, against a real Azurite (npm) on a free port."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from activities.steps import publish_content
from devhost.process import free_port

ROOT = Path(__file__).resolve().parents[2]
AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"
# Azurite's well-known development account (public, documented by Microsoft).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@pytest.fixture
def azurite(tmp_path: Path) -> Iterator[str]:
    if not AZURITE.exists():
        if os.environ.get("CI"):
            pytest.fail("Azurite is missing: scripts/test.sh installs it with npm")
        pytest.skip("Azurite is not installed (bash scripts/test.sh installs it with npm)")
    port = free_port()
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(tmp_path / "azurite"),
         "--silent", "--skipApiVersionCheck"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    connection = (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={ACCOUNT_KEY};"
                  f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;")
    service = BlobServiceClient.from_connection_string(connection)
    deadline = time.time() + 20
    while True:
        try:
            service.get_service_properties()
            break
        except Exception:
            if time.time() > deadline:
                process.kill()
                raise
            time.sleep(0.2)
    yield connection
    process.kill()  # Azurite lingers on SIGTERM; its data is a throwaway folder
    process.wait()


def test_publish_goes_to_blob_storage_once(app_env: Path, azurite: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTENT_STORAGE_CONNECTION_STRING", azurite)
    monkeypatch.setenv("CONTENT_CONTAINER", "articles")
    request = {
        "instance_id": "inst-blob-1",
        "step": "publish_content",
        "topic": "blob storage",
        "reviewer": "rita@contoso.com",
        "feedback": "fine",
        "article": {"title": "Blobs for Agents", "body": "Durable agents publish here.", "word_count": 4,
                    "reading_time_minutes": 1},
    }
    first = publish_content(request)
    second = publish_content(request)

    assert first["repeat"] is False and second["repeat"] is True
    assert second["location"] == first["location"]
    container = BlobServiceClient.from_connection_string(azurite).get_container_client("articles")
    names = sorted(blob.name for blob in container.list_blobs())
    published = [n for n in names if n.startswith("published/")]
    assert published == ["published/inst-blob-1/publish_content-blobs-for-agents.md"]
    assert "Durable agents publish here." in container.download_blob(published[0]).readall().decode()
    assert "ledger/inst-blob-1/publish_content.json" in names
    assert not (app_env / "published").exists()  # nothing fell back to the local folder
