"""`.funcignore` ships the app and nothing else, whichever tool packs it.

The tree packed is the repository's files plus what a clone, running and testing leave behind (.git, a
virtual environment, node_modules, the local host's data, Azurite's, azd's environment folder with its
.env, caches). What the app is comes from function_app.py's own imports, not from a list kept here.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from devhost.process import REPO
from tests.deploy.packing import CoreToolsIgnore, app_closure, azd_pack, core_tools_pack

LOCAL_LEFTOVERS = [
    ".git/HEAD",
    ".git/objects/pack/pack-1.pack",
    ".venv/pyvenv.cfg",
    ".venv/lib/python3.11/site-packages/agent_framework/__init__.py",
    "venv/pyvenv.cfg",
    "venv/lib/python3.12/site-packages/openai/__init__.py",
    "env/pyvenv.cfg",
    "env/bin/python",
    "api_env/pyvenv.cfg",
    "api_env/lib/python3.11/site-packages/azure/functions/__init__.py",
    ".env",
    "node_modules/.bin/azurite",
    "node_modules/azurite/package.json",
    ".devhost/durable.db",
    ".devhost/data/outbox/1-reply.eml",
    ".azurite/__blobstorage__/blob",
    ".azure/config.json",
    ".azure/dev/.env",
    ".pytest_cache/v/cache/lastfailed",
    "local.settings.json",
    "__pycache__/settings.cpython-311.pyc",
    "agents/__pycache__/catalog.cpython-311.pyc",
    "agents/offline/__pycache__/client.cpython-311.pyc",
    "tests/__pycache__/conftest.cpython-311.pyc",
    "outbox/1-reply.eml",
    "durable.db",
    "durable.db-wal",
]


def tracked_files() -> list[str]:
    """The repository's files: committed, or new and not ignored by .gitignore."""
    listing = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    names = subprocess.run(listing, cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return [name for name in names if (REPO / name).is_file()]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a developer's machine has it after running and testing the app."""
    root = tmp_path_factory.mktemp("checkout")
    for relative in tracked_files():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((REPO / relative).read_bytes())
    for relative in LOCAL_LEFTOVERS:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("local\n")
    return root


def expected_app(root: Path) -> set[str]:
    """function_app.py, the app's modules and packages it imports (every file in them but byte code), host.json,
    requirements.txt."""
    tracked = tracked_files()
    app = {"host.json", "requirements.txt"}
    for name in app_closure(root):
        app |= {f"{name}.py"} if (root / f"{name}.py").is_file() else {f for f in tracked if f.startswith(f"{name}/")}
    return app


def test_the_app_closure_is_the_app_and_not_the_local_host(checkout: Path) -> None:
    closure = app_closure(checkout)
    assert {"function_app", "settings", "observability", "agents", "orchestrations", "activities", "api"} <= closure
    assert not closure & {"devhost", "tests", "bench", "scripts"}, "the app must not import development code"


@pytest.mark.parametrize("pack", [azd_pack, core_tools_pack], ids=["azd deploy", "func azure functionapp publish"])
def test_packing_ships_exactly_the_app(checkout: Path, pack: Callable[[Path], set[str]]) -> None:
    packed, expected = pack(checkout), expected_app(checkout)
    assert not packed - expected, f"would ship what is not the app: {sorted(packed - expected)}"
    assert not expected - packed, f"would leave out part of the app: {sorted(expected - packed)}"


# Core Tools' own unit tests for its matcher (test/Cli/Func.UnitTests/ParserTests/GitIgnoreParserTests.cs),
# so the port above is checked against the behaviour it copies.
UPSTREAM_FUNCIGNORE = """# This is a comment in a .gitignore file!
node_modules
*.log
nonexistent
!/nonexistent/foo
/baz
foo/*.wat
/test1
test2
othernonexistent/**/what
!/othernonexistent/**/what/foo
*.swp
"""


@pytest.mark.parametrize(
    ("path", "accepted"),
    [
        ("test/index.js", True),
        ("wat/test/index.js", True),
        ("/othernonexistent/blah/adsasd/what/foo", True),
        ("test1File.wat", True),
        ("nonexistent/foo", True),
        ("nonexistent/foo/wat", True),
        ("test2", False),
        ("test.swp", False),
        ("node_modules/what.js", False),
        ("foo/bar.wat", False),
        ("othernonexistent/blah/what", False),
        ("nonexistent/bar", False),
        ("test1", False),
    ],
)
def test_core_tools_matcher_port_agrees_with_upstream_tests(path: str, accepted: bool) -> None:
    assert CoreToolsIgnore(UPSTREAM_FUNCIGNORE).accepts(path) is accepted


def test_core_tools_anchors_patterns_and_lets_negations_win() -> None:
    """Why .funcignore names root-level entries and has no `!` lines: this is where Core Tools and gitignore
    rules part ways."""
    matcher = CoreToolsIgnore("__pycache__\n**/__pycache__\n!agents\n")
    assert not matcher.accepts("__pycache__/x.pyc")
    assert matcher.accepts("agents/__pycache__/x.pyc"), "a `!` line re-admits byte code inside the app"
    assert not CoreToolsIgnore("__pycache__\n").accepts("__pycache__/x.pyc")
    assert CoreToolsIgnore("__pycache__\n").accepts("api/__pycache__/x.pyc"), "not anchored here, unlike git"
