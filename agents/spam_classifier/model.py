"""The spam model: how often each feature occurred in training spam and ham, and how to combine them.

The scoring is the one SpamBayes made standard (Gary Robinson's method): every feature
gets a spam probability from its document frequencies in spam and ham, shrunk towards
0.5 when it was seen rarely; the strongest features (at most MAX_CLUES) are combined by
Fisher's chi-square method into one score from 0 (ham) to 1 (spam). Its strengths for
this app: each feature's part in the verdict is a statement a person can check ("the
word 'click': in 50 % of training spam, 1.3 % of ham"); the class sizes of the corpus do
not bias it; and mail with little known evidence lands near 0.5, not at a confident extreme.

The model is plain JSON (gzip), loaded in milliseconds with the standard library.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

from agents.spam_classifier.features import describe

FORMAT = "spam-classifier/1"
STRENGTH = 0.45  # Robinson's s: how many messages' worth of weight the 0.5 prior has
MIN_STRENGTH = 0.1  # features with |p - 0.5| below this are not evidence
MAX_CLUES = 150
MIN_DOCUMENTS = 3  # features seen in fewer training messages are not kept


class Evidence(TypedDict):
    """A clue as the classifier's answer words it."""

    evidence: str
    points_to: Literal["spam", "ham"]
    seen_in: str


@dataclass(frozen=True)
class Clue:
    """One feature's part in a score."""

    key: str
    probability: float
    spam_share: float
    ham_share: float

    def explain(self) -> Evidence:
        return {
            "evidence": describe(self.key),
            "points_to": "spam" if self.probability > 0.5 else "ham",
            "seen_in": f"{_percent(self.spam_share)} of training spam, {_percent(self.ham_share)} of training ham",
        }


@dataclass(frozen=True)
class Score:
    """A message's score and the clues behind it, strongest first."""

    score: float
    clues: tuple[Clue, ...]


@dataclass(frozen=True)
class SpamModel:
    """Feature counts per class, the spam threshold, and where they came from."""

    spam_count: int
    ham_count: int
    counts: dict[str, tuple[int, int]]  # feature -> (spam messages with it, ham messages with it)
    threshold: float = 0.5
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def train(cls, examples: Iterable[tuple[frozenset[str], bool]], **metadata: Any) -> SpamModel:
        """Count every feature per class; keep the ones seen often enough to be evidence."""
        spam_features: Counter[str] = Counter()
        ham_features: Counter[str] = Counter()
        spam = ham = 0
        for keys, is_spam in examples:
            if is_spam:
                spam += 1
                spam_features.update(keys)
            else:
                ham += 1
                ham_features.update(keys)
        if not spam or not ham:
            raise ValueError(f"training needs both spam and ham messages; got {spam} spam and {ham} ham")
        model = cls(spam, ham, {})
        kept = {}
        for key in spam_features.keys() | ham_features.keys():
            pair = (spam_features[key], ham_features[key])
            if sum(pair) >= MIN_DOCUMENTS and abs(model._probability(*pair) - 0.5) >= MIN_STRENGTH:
                kept[key] = pair
        return cls(spam, ham, dict(sorted(kept.items())), metadata=metadata)

    def with_threshold(self, threshold: float, **metadata: Any) -> SpamModel:
        return SpamModel(self.spam_count, self.ham_count, self.counts, threshold, {**self.metadata, **metadata})

    def score(self, keys: Iterable[str]) -> Score:
        """Combine the strongest known features into a score from 0 (ham) to 1 (spam)."""
        clues = []
        for key in set(keys):
            if key in self.counts:
                spam, ham = self.counts[key]
                clues.append(Clue(key, self._probability(spam, ham), spam / self.spam_count, ham / self.ham_count))
        clues.sort(key=lambda clue: (-abs(clue.probability - 0.5), clue.key))
        clues = clues[:MAX_CLUES]
        if not clues:
            return Score(0.5, ())
        spamminess = 1.0 - _chi2_survival(-2.0 * sum(math.log(1.0 - c.probability) for c in clues), 2 * len(clues))
        hamminess = 1.0 - _chi2_survival(-2.0 * sum(math.log(c.probability) for c in clues), 2 * len(clues))
        return Score((spamminess - hamminess + 1.0) / 2.0, tuple(clues))

    def _probability(self, spam: int, ham: int) -> float:
        """Robinson's f(w): the feature's spam probability, shrunk towards 0.5 by how rarely it was seen."""
        spam_ratio, ham_ratio = spam / self.spam_count, ham / self.ham_count
        p = spam_ratio / (spam_ratio + ham_ratio) if spam_ratio + ham_ratio else 0.5
        seen = spam + ham
        return (STRENGTH * 0.5 + seen * p) / (STRENGTH + seen)

    def save(self, path: Path) -> None:
        document = {
            "format": FORMAT,
            "spam_count": self.spam_count,
            "ham_count": self.ham_count,
            "threshold": self.threshold,
            "metadata": self.metadata,
            "counts": self.counts,
        }
        data = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        path.write_bytes(gzip.compress(data, mtime=0))

    @classmethod
    def load(cls, path: Path) -> SpamModel:
        """Read a saved model; a file that is not one fails with a message naming it."""
        try:
            document = json.loads(gzip.decompress(Path(path).read_bytes()))
            if document.get("format") != FORMAT:
                raise ValueError(f"format is {document.get('format')!r}, expected {FORMAT!r}")
            return cls(
                int(document["spam_count"]),
                int(document["ham_count"]),
                {key: (int(s), int(h)) for key, (s, h) in document["counts"].items()},
                float(document["threshold"]),
                dict(document.get("metadata") or {}),
            )
        except (OSError, ValueError, KeyError, TypeError, EOFError) as error:
            raise ValueError(f"{path} is not a usable spam model: {error}") from error


def _chi2_survival(chi2: float, degrees: int) -> float:
    """P(X >= chi2) for a chi-square variable with an even number of degrees of freedom, in log space."""
    half = chi2 / 2.0
    if half <= 0:
        return 1.0
    logs = [-half + i * math.log(half) - math.lgamma(i + 1) for i in range(degrees // 2)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(value - top) for value in logs))


def _percent(share: float) -> str:
    """12 %, 7.2 %, 0.04 % or none: two significant digits, so a rare feature does not read as 0 %."""
    if share == 0:
        return "none"
    return f"{share * 100:.0f} %" if share >= 0.1 else f"{share * 100:.2g} %"
