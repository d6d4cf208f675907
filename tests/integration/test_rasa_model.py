"""Rasa's own checks on our training data and model: validation, test stories, NLU CV."""

from __future__ import annotations

import subprocess

import pytest

from shopdesk.model_cache import RASA_DATA, ensure_model, rasa_bin, rasa_env
from shopdesk.nlu_eval import FOLDS, cross_validate, table
from shopdesk.settings import PROJECT_ROOT

pytestmark = [pytest.mark.integration]

# Issue 12 targets 0.92 (measured: see README). Cross-validation moves by about ±0.02 when
# the data or the fold split changes, so the test guards against regressions below 0.90.
F1_TARGET = 0.90


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(rasa_bin()), *args], cwd=PROJECT_ROOT, env=rasa_env(), text=True,
                          capture_output=True, timeout=timeout)


def test_rasa_data_validate() -> None:
    result = rasa("data", "validate", "--domain", "bot/domain", "--config", "config.yml",
                  "--data", *RASA_DATA)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_rasa_test_stories(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = ensure_model()
    result = rasa("test", "core", "--model", str(model), "--stories", "tests/rasa/test_stories.yml",
                  "--fail-on-prediction-errors", "--out", str(tmp_path))
    summary = [line for line in (result.stdout + result.stderr).splitlines()
               if "Correct:" in line or "F1-Score" in line or "Accuracy" in line]
    print("\n".join(summary))
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, detail[-4000:] or result.stderr[-3000:]


def test_nlu_cross_validation_f1(capsys: pytest.CaptureFixture[str]) -> None:
    report = cross_validate()
    weighted = report["weighted avg"]["f1-score"]
    with capsys.disabled():
        print(f"\nNLU {FOLDS}-fold cross-validation\n{table(report)}\n")
    assert weighted >= F1_TARGET, table(report)
