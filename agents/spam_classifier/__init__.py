"""A trained, explainable spam classifier: `score_spam(email_text)` gives a score and its evidence.

Framework-free, so the SpamDetectionAgent's function tool, the offline model and any
activity call the same function. The model ships with the app (`model.json.gz`, trained
by `python -m spam_training train`); SPAM_MODEL_PATH points at another one.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypedDict

from agents.mail_parsing import read_text
from agents.spam_classifier.features import features
from agents.spam_classifier.model import Clue, Evidence, SpamModel
from settings import load_spam_model_path

BUNDLED_MODEL = Path(__file__).with_name("model.json.gz")
EVIDENCE_SHOWN = 5


class SpamScore(TypedDict):
    """What `score_spam` answers."""

    verdict: Literal["spam", "legitimate"]
    spam_score: float
    threshold: float
    summary: str
    spam_evidence: list[Evidence]
    ham_evidence: list[Evidence]
    known_features: int
    model: str


@lru_cache(maxsize=4)
def load_model(path: Path = BUNDLED_MODEL) -> SpamModel:
    """The model at `path`, read once per process."""
    return SpamModel.load(path)


def configured_model() -> SpamModel:
    """The model named by SPAM_MODEL_PATH, or the bundled one."""
    return load_model(load_spam_model_path() or BUNDLED_MODEL)


def score_spam(email_text: str, model: SpamModel | None = None) -> SpamScore:
    """Score an email (a raw RFC 822 message, the text the agents are shown, or a bare body).

    Answers the spam score from 0 to 1, the threshold the verdict uses, and the strongest
    evidence each way in plain words, with how often it was seen in training spam and ham.
    A message with a text part and an HTML alternative that says more is scored on each part with
    its headers, and the riskier score is the one answered. The verdict stays the text part's: the
    training ham is plain text, so any HTML read as text looks like spam to the model. When only the
    HTML part scores as spam, the verdict says "legitimate" with that high score, which puts the mail
    in the range where the offline model's rules (reading both parts) decide.
    """
    model = model or configured_model()
    mail = read_text(email_text)
    text, *html = [model.score(features(replace(mail, text=view, alternative=""))) for view in mail.views]
    result = max([text, *html], key=lambda scored: scored.score)
    is_spam = text.score >= model.threshold
    for_spam = [clue for clue in result.clues if clue.probability > 0.5][:EVIDENCE_SHOWN]
    for_ham = [clue for clue in result.clues if clue.probability < 0.5][:EVIDENCE_SHOWN]
    if result is text:
        summary = _summary(text.score, model.threshold, for_spam if is_spam else for_ham, len(text.clues))
    else:
        parts = f"The HTML part scores {result.score:.2f}, the text part {text.score:.2f}"
        if is_spam or result.score < model.threshold:
            summary = f"{parts}. " + _summary(result.score, model.threshold, for_spam, len(result.clues))
        else:
            summary = (
                f"{parts} (spam from {model.threshold:.2f}): the parts disagree, so the score alone does not decide. "
                f"Strongest evidence in the HTML part: " + "; ".join(_explained(for_spam)) + "."
            )
    return {
        "verdict": "spam" if is_spam else "legitimate",
        "spam_score": round(result.score, 3),
        "threshold": model.threshold,
        "summary": summary,
        "spam_evidence": [clue.explain() for clue in for_spam],
        "ham_evidence": [clue.explain() for clue in for_ham],
        "known_features": len(result.clues),
        "model": str(model.metadata.get("description", "naive Bayes spam classifier")),
    }


def _summary(score: float, threshold: float, strongest: list[Clue], known: int) -> str:
    side = "spam" if score >= threshold else "legitimate"
    comparison = ">=" if score >= threshold else "<"
    text = f"Looks {side}: spam score {score:.2f} {comparison} threshold {threshold:.2f}"
    if not known:
        return text + "; none of its words or features were seen in training, so the score says nothing."
    if not strongest:
        return text + "."
    return f"{text}. Strongest evidence: {'; '.join(_explained(strongest))}."


def _explained(clues: list[Clue]) -> list[str]:
    return [f"{item['evidence']} ({item['seen_in']})" for item in (clue.explain() for clue in clues[:3])]
