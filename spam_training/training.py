"""Training: features of every message, out-of-fold scores, a threshold that spares ham, the final model.

The threshold is where wrongly quarantined ham and spam let through cost least together,
with a quarantined ham counted as FALSE_ALARM_COST missed spams: a lost invoice or
reply does real harm, one more spam in the inbox costs a click. It is read off scores
the model gave to messages it was not trained on (k-fold cross-validation), never off
its own training mail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from agents.mail_parsing import parse
from agents.spam_classifier.features import features
from agents.spam_classifier.model import SpamModel
from spam_training.corpus import Example, fold_of

FALSE_ALARM_COST = 10


@dataclass(frozen=True)
class Labelled:
    """A message reduced to its features, with its label."""

    name: str
    keys: frozenset[str]
    is_spam: bool


def featurize(examples: Sequence[Example]) -> list[Labelled]:
    return [Labelled(example.name, features(parse(example.raw)), example.is_spam) for example in examples]


def fit(data: Sequence[Labelled], **metadata: object) -> SpamModel:
    """Count the features of `data` (no threshold chosen yet)."""
    return SpamModel.train(((item.keys, item.is_spam) for item in data), **metadata)


def out_of_fold_scores(data: Sequence[Labelled], folds: Sequence[int]) -> list[float]:
    """Each message scored by a model trained on the other folds."""
    scores = [0.0] * len(data)
    for fold in sorted(set(folds)):
        model = fit([item for item, f in zip(data, folds, strict=False) if f != fold])
        for index, item in enumerate(data):
            if folds[index] == fold:
                scores[index] = model.score(item.keys).score
    return scores


def choose_threshold(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """The middle of the widest run of thresholds with the least cost (FALSE_ALARM_COST x ham flagged + spam missed).

    Costs are shares of each class, so the corpus' five ham to one spam does not decide.
    A threshold flags the scores at or above it.
    """
    spam_total, ham_total = max(1, sum(labels)), max(1, len(labels) - sum(labels))
    spam_at = Counter(score for score, is_spam in zip(scores, labels, strict=False) if is_spam)
    ham_at = Counter(score for score, is_spam in zip(scores, labels, strict=False) if not is_spam)
    ham_flagged, spam_missed, lower = ham_total, 0, 0.0
    ranges: list[tuple[float, float, float]] = []  # (cost, lower, upper): any threshold in (lower, upper]
    for value in sorted({*scores, 1.0}):
        ranges.append((FALSE_ALARM_COST * ham_flagged / ham_total + spam_missed / spam_total, lower, value))
        ham_flagged, spam_missed, lower = ham_flagged - ham_at[value], spam_missed + spam_at[value], value
    best = min(cost for cost, _, _ in ranges)
    runs: list[tuple[float, float]] = []
    for cost, low, high in ranges:
        if cost > best + 1e-12:
            continue
        if runs and runs[-1][1] == low:
            runs[-1] = (runs[-1][0], high)
        else:
            runs.append((low, high))
    low, high = max(runs, key=lambda run: run[1] - run[0])
    return round((low + high) / 2, 4)


def train(data: Sequence[Labelled], folds: int = 10, **metadata: object) -> SpamModel:
    """The model trained on all of `data`, with its threshold chosen from out-of-fold scores."""
    scores = out_of_fold_scores(data, fold_of(data, folds))
    threshold = choose_threshold(scores, [item.is_spam for item in data])
    return fit(data, **metadata).with_threshold(threshold)
