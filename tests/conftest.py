from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devhost.process import DevHost

APPS = Path(__file__).parent / "devhost" / "apps"


@pytest.fixture
def devhost_factory(tmp_path: Path) -> Iterator[Callable[..., DevHost]]:
    """Start hosts for an app module (a test app by default, ``function_app`` at the repo root with root=REPO)."""
    hosts: list[DevHost] = []

    def start(app: str, root: Path = APPS, env: dict[str, str] | None = None) -> DevHost:
        name = f"{app}-{len(hosts)}"  # each host its own database, as two hosts may not share one
        host = DevHost(app, root, tmp_path / f"{name}.db", tmp_path / f"{name}.log", env).start()
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.stop()
