from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devhost.process import DevHost

APPS = Path(__file__).parent / "devhost" / "apps"


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    """Poll ``condition`` until it holds; the timeout only bounds the wait, and a failure names ``what`` it was for."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            pytest.fail(f"still waiting after {timeout:g} s for {what}")
        time.sleep(0.02)


def module_host(
    factory: pytest.TempPathFactory, app: str, env: dict[str, str] | None = None, args: list[str] | None = None
) -> Iterator[DevHost]:
    """A started host of a test app for a whole test module (its database and log in a folder of its own);
    stopped when the module is done. For a module-scoped fixture: ``yield from module_host(...)``."""
    folder = factory.mktemp(app)
    host = DevHost(app, APPS, folder / "db.sqlite", folder / "host.log", env, args).start()
    yield host
    host.stop()


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
