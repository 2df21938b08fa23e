"""Other web pages and other host names cannot drive the local host; its own pages and clients can."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.process import DevHost
from tests.conftest import APPS, module_host

API = "/runtime/webhooks/durabletask"
EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    yield from module_host(tmp_path_factory, "protocol_app", args=["--allow-host", "tunnel.example"])


def count(host: DevHost) -> int:
    return len(host.request("GET", f"{API}/instances")[1])


def post(host: DevHost, path: str, headers: dict[str, str]) -> tuple[int, dict]:
    code, _, body = host.exchange("POST", path, b"1", {"Content-Type": "text/plain", **headers})
    return code, json.loads(body)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:3000"},  # another local dev server
    ],
)
def test_a_write_from_another_origin_is_refused_and_changes_nothing(host: DevHost, headers: dict[str, str]) -> None:
    before = count(host)
    for path in ("/api/start/sequence", f"{API}/orchestrators/sequence"):
        code, body = post(host, path, headers)
        assert code == 403 and "from another origin" in body["error"], body
    assert count(host) == before


def test_a_write_from_the_hosts_own_pages_or_a_plain_client_goes_through(host: DevHost) -> None:
    own = {"Origin": host.url, "Sec-Fetch-Site": "same-origin"}
    assert post(host, "/api/start/sequence", own)[0] == 202
    assert post(host, "/api/start/sequence", {})[0] == 202  # curl, the SDK's durable client
    assert post(host, "/api/start/sequence", {"Sec-Fetch-Site": "none"})[0] == 202  # typed by the user


def test_reads_from_another_site_are_refused_but_following_a_link_is_not(host: DevHost) -> None:
    embedded = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
    assert host.exchange("GET", "/dashboard/api/orchestrations", headers=embedded)[0] == 403
    link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert host.exchange("GET", "/dashboard", headers=link)[0] == 200


@pytest.mark.parametrize(
    ("name", "served"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("[::1]", True),
        ("dashboard.localhost", True),
        ("tunnel.example", True),  # --allow-host
        ("evil.example", False),
        ("127.0.0.1.nip.io", False),
        ("10.1.2.3", False),
    ],
)
def test_only_local_names_and_the_bound_address_are_served(host: DevHost, name: str, served: bool) -> None:
    """A DNS-rebound name points at 127.0.0.1 too: only the Host header tells it apart."""
    code, _, body = host.exchange("GET", "/dashboard/api/orchestrations", headers={"Host": f"{name}:{host.port}"})
    if served:
        assert code == 200
    else:
        assert code == 403 and json.loads(body)["error"].startswith(f"Host '{name}:{host.port}' is not served here")


def test_origins_allowed_by_host_cors_in_local_settings_may_call(tmp_path: Path) -> None:
    (tmp_path / "protocol_app.py").write_text((APPS / "protocol_app.py").read_text())
    settings = {"IsEncrypted": False, "Values": {}, "Host": {"CORS": "http://localhost:3000"}}
    (tmp_path / "local.settings.json").write_text(json.dumps(settings))
    host = DevHost("protocol_app", tmp_path, tmp_path / "db.sqlite", tmp_path / "host.log").start()
    try:
        frontend = {"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}
        code, headers, _ = host.exchange(
            "OPTIONS",
            "/api/start/sequence",
            headers={
                **frontend,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert code == 204 and headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert headers["Access-Control-Allow-Methods"] == "POST"
        code, headers, _ = host.exchange("POST", "/api/start/sequence", b"1", frontend)
        assert code == 202 and headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert post(host, "/api/start/sequence", {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})[0] == 403
    finally:
        host.stop()
