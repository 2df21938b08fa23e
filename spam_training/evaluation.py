"""How well the spam check works on mail it has not seen: k-fold cross-validation and a run through the flow.

Every figure comes from messages scored by a model that did not train on them, with a
threshold chosen without them (nested cross-validation): the outer folds measure, the
inner folds of each training part choose the threshold, exactly as `train` does.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.mail_parsing import ParsedMail, from_fields, parse, render
from agents.spam_classifier import score_spam
from agents.spam_classifier.features import features
from agents.spam_classifier.model import SpamModel
from spam_training.corpus import Example, fold_of
from spam_training.training import Labelled, train

SPAM_PROMPT = "Is this email spam?\n\n{email}"
"""The question the spam flow asks (orchestrations/spam_detection.py)."""


@dataclass
class Tally:
    """Decisions on spam and ham, and the figures docs/spam-classifier.md reports."""

    spam: int = 0
    ham: int = 0
    spam_caught: int = 0
    ham_flagged: int = 0

    def add(self, is_spam: bool, flagged: bool) -> None:
        if is_spam:
            self.spam += 1
            self.spam_caught += flagged
        else:
            self.ham += 1
            self.ham_flagged += flagged

    def row(self, label: str) -> str:
        total = self.spam + self.ham
        correct = self.spam_caught + self.ham - self.ham_flagged
        return (
            f"{label:<44} {_pct(correct, total):>9} {_pct(self.spam_caught, self.spam):>12} "
            f"{_pct(self.ham - self.ham_flagged, self.ham):>9}   {self.ham_flagged} of {self.ham} ham flagged, "
            f"{self.spam - self.spam_caught} of {self.spam} spam missed"
        )


HEADER = f"{'':<44} {'accuracy':>9} {'spam recall':>12} {'ham kept':>9}"


def cross_validate(
    examples: Sequence[Example], data: Sequence[Labelled], folds: int, inner_folds: int
) -> dict[str, Tally]:
    """Nested k-fold figures for the classifier on raw mail, on the bare fields, and for the offline model."""
    fields_only = [features(_fields_view(example.raw)) for example in examples]
    outer = fold_of(data, folds)
    tallies = {
        "classifier, raw message": Tally(),
        "classifier, body + sender + subject only": Tally(),
        "offline model (classifier + rules)": Tally(),
    }
    for fold in range(folds):
        model = train([item for item, f in zip(data, outer, strict=False) if f != fold], inner_folds)
        for index, example in enumerate(examples):
            if outer[index] != fold:
                continue
            tallies["classifier, raw message"].add(example.is_spam, _flags(model, data[index].keys))
            tallies["classifier, body + sender + subject only"].add(example.is_spam, _flags(model, fields_only[index]))
            tallies["offline model (classifier + rules)"].add(example.is_spam, offline_verdict(example, model))
    return tallies


def offline_verdict(example: Example, model: SpamModel) -> bool:
    """What the offline SpamDetectionAgent answers for this message, with `model` as its classifier."""
    from agents.offline.reading import email_text
    from agents.offline.skills import SPAM, Turn

    prompt = SPAM_PROMPT.format(email=render(parse(example.raw), email_id=example.name))
    turn = Turn(instructions="", prompt=prompt, tool_results={"score_spam": score_spam(email_text(prompt), model)})
    return bool(SPAM.answer(turn).is_spam)  # type: ignore[attr-defined]


def flow_sample(
    examples: Sequence[Example],
    data: Sequence[Labelled],
    folds: int,
    inner_folds: int,
    size: int,
    progress: Callable[[str], None] = print,
) -> Tally:
    """Send held-out raw messages through spam_detection_orchestration on the local host and read its verdicts.

    The host loads a model trained without fold 0 (SPAM_MODEL_PATH); the sample is up to half spam, the rest
    ham, of fold 0, sent as {"raw": ...} like any client would.
    """
    from devhost.process import REPO, DevHost

    outer = fold_of(data, folds)
    model = train(
        [item for item, f in zip(data, outer, strict=False) if f != 0], inner_folds, description="held-out evaluation"
    )
    held_out = [example for example, f in zip(examples, outer, strict=False) if f == 0]
    spam = [e for e in held_out if e.is_spam][: size // 2]
    sample = spam + [e for e in held_out if not e.is_spam][: size - len(spam)]
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="spam-eval-") as folder:
        work = Path(folder)
        model.save(work / "model.json.gz")
        settings = {
            "SPAM_MODEL_PATH": str(work / "model.json.gz"),
            "LOCAL_DATA_DIR": str(work / "data"),
            "SMTP_HOST": "",
            "CONTENT_STORAGE_CONNECTION_STRING": "",
            "OFFLINE_MODEL_LATENCY_MS": "0",
        }
        host = DevHost("function_app", REPO, work / "durable.db", work / "host.log", settings).start()
        try:
            started = time.monotonic()
            instances = [(example, _start(host, example)) for example in sample]
            agreed = 0
            for example, instance_id in instances:
                status = host.wait_for(instance_id, timeout=120)
                if status["runtimeStatus"] != "Completed":
                    raise RuntimeError(
                        f"{example.name}: flow {instance_id} ended {status['runtimeStatus']}: {status['output']}"
                    )
                flagged = bool(status["output"]["is_spam"])
                tally.add(example.is_spam, flagged)
                agreed += flagged == offline_verdict(example, model)
            progress(
                f"  {len(sample)} flows completed in {time.monotonic() - started:.1f} s; the flow's verdict matches "
                f"the offline model run in-process on {agreed} of {len(sample)}"
            )
        finally:
            host.stop()
    return tally


def _start(host: object, example: Example) -> str:
    code, reply = host.request("POST", "/api/spam-detection/run", {"raw": as_text(example.raw)})  # type: ignore[attr-defined]
    if code != 202:
        raise RuntimeError(f"{example.name}: the spam route answered {code}: {json.dumps(reply)[:500]}")
    return str(reply["id"])


def as_text(raw: bytes) -> str:
    """Raw bytes as a JSON client sends them: UTF-8 when they are, else each byte as its Latin-1 character."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _fields_view(raw: bytes) -> ParsedMail:
    mail = parse(raw)
    return from_fields(mail.text, mail.sender, mail.subject)


def _flags(model: SpamModel, keys: frozenset[str]) -> bool:
    return model.score(keys).score >= model.threshold


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"
