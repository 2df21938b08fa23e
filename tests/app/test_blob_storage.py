"""Publishing and the idempotency ledger on Azure Blob Storage, against a real Azurite (npm) on a free port."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from activities import PERMANENT_FAILURE
from activities.failures import TransientFailure
from devhost.process import free_port
from settings import app_settings
from tests.app.fakes import run_activity

ROOT = Path(__file__).resolve().parents[2]
AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"
# Azurite's well-known development account (public, documented by Microsoft).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Azurite for the module (it takes seconds to start); each test uses its own blob names."""
    if not AZURITE.exists():
        if os.environ.get("CI"):
            pytest.fail("Azurite is missing: scripts/test.sh installs it with npm")
        pytest.skip("Azurite is not installed (bash scripts/test.sh installs it with npm)")
    port = free_port()
    process = subprocess.Popen(
        [
            str(AZURITE),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--location",
            str(tmp_path_factory.mktemp("azurite")),
            "--silent",
            "--skipApiVersionCheck",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    connection = (
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    )
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


ARTICLE = {
    "title": "Blobs for Agents",
    "body": "Durable agents publish here: every draft and every published article is a blob in the content "
    "container, written once per step and found again by its name.",
    "word_count": 27,
    "reading_time_minutes": 1,
}


def step(step_name: str, **payload: Any) -> dict[str, Any]:
    return {"instance_id": "inst-blob-1", "step": step_name, "idempotency_key": str(uuid.uuid4()), **payload}


def test_drafts_and_publications_go_to_blob_storage_once(
    app_env: Path, azurite: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_STORAGE_CONNECTION_STRING", azurite)
    monkeypatch.setenv("CONTENT_CONTAINER", "articles")
    draft = run_activity("save_draft", step("save_draft", article=ARTICLE))
    request = step("publish_content", topic="blob storage", reviewer="rita@contoso.com", feedback="fine", draft=draft)
    first = run_activity("publish_content", request)
    second = run_activity("publish_content", request)

    assert first["repeat"] is False and second["repeat"] is True
    assert second["location"] == first["location"]
    container = BlobServiceClient.from_connection_string(azurite).get_container_client("articles")
    names = sorted(blob.name for blob in container.list_blobs())
    key = request["idempotency_key"]
    assert [n for n in names if n.startswith("published/")] == [f"published/inst-blob-1/blobs-for-agents-{key}.md"]
    published = container.download_blob(f"published/inst-blob-1/blobs-for-agents-{key}.md").readall().decode()
    assert ARTICLE["body"] in published
    assert f"ledger/inst-blob-1/publish_content-{key}.json" in names
    assert draft["name"] in names and draft["location"].startswith("http://127.0.0.1")
    assert not (app_env / "published").exists()  # nothing fell back to the local folder


def test_an_unreachable_account_is_transient_and_a_wrong_key_permanent(
    app_env: Path, azurite: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTENT_STORAGE_CONNECTION_STRING", azurite.replace(ACCOUNT_KEY, "d3Jvbmcga2V5" * 7 + "AA=="))
    app_settings.cache_clear()
    refused = run_activity("save_draft", step("save_draft", article=ARTICLE))[PERMANENT_FAILURE]
    assert re.match(r"Blob container 'agent-content'.*(access denied|HTTP 403)", refused), refused

    with hanging_up_listener() as (port, connections):
        monkeypatch.setenv(
            "CONTENT_STORAGE_CONNECTION_STRING",
            azurite.replace(azurite.split("127.0.0.1:")[1].split("/")[0], str(port)),
        )
        app_settings.cache_clear()  # a start with the other account
        with pytest.raises(TransientFailure, match="Blob container 'agent-content' could not be reached"):
            run_activity("save_draft", step("save_draft", article=ARTICLE))
    assert len(connections) == 2, "bounded: one quick retry here, longer outages are the durable retry's turn"


@contextlib.contextmanager
def hanging_up_listener() -> Iterator[tuple[int, list[object]]]:
    """A port that accepts each connection and closes it at once, counting them: storage that cannot be reached."""
    server = socket.create_server(("127.0.0.1", 0))
    connections: list[object] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connections.append(connection)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1], connections
    finally:
        server.close()
