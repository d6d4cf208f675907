"""NLU cross-validation with Rasa, cached by the training inputs' hash.

`python -m shopdesk.nlu_eval` prints a per-intent table and the weighted/macro F1,
and writes it to ``reports/nlu_cross_validation.md``. The result for unchanged
training data comes from the cache instead of retraining every fold.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from shopdesk.model_cache import NLU_INPUTS, cache_dir, rasa_bin, rasa_env, training_hash
from shopdesk.settings import PROJECT_ROOT

FOLDS = 5


def cross_validate(force: bool = False, folds: int = FOLDS) -> dict:
    """Rasa's intent report (dict from intent_report.json) for the current training data."""
    key = training_hash(inputs=NLU_INPUTS)
    cached = cache_dir() / f"nlu-cv-{key}-{folds}.json"
    if cached.is_file() and not force:
        return json.loads(cached.read_text())
    with tempfile.TemporaryDirectory() as out:
        cmd = [str(rasa_bin()), "test", "nlu", "--nlu", "training_data/nlu", "--config",
               "config.yml", "--cross-validation", "--folds", str(folds), "--out", out]
        env = rasa_env()
        log = cache_dir() / f"nlu-cv-{key}.log"
        cache_dir().mkdir(parents=True, exist_ok=True)
        print(f"• NLU cross-validation, {folds} folds (trains the intent classifier {folds} "
              "times)...", flush=True)
        with open(log, "wb") as f:
            result = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, stdout=f,
                                    stderr=subprocess.STDOUT)
        report_path = Path(out) / "intent_report.json"
        if result.returncode != 0 or not report_path.is_file():
            raise RuntimeError(f"rasa test nlu failed (exit {result.returncode}); log: {log}")
        report = json.loads(report_path.read_text())
        errors = Path(out) / "intent_errors.json"
        if errors.is_file():
            shutil.copy2(errors, cache_dir() / f"nlu-cv-{key}-errors.json")
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps(report))
    os.replace(tmp, cached)
    return report


def table(report: dict) -> str:
    intents = sorted(k for k, v in report.items() if isinstance(v, dict) and "f1-score" in v
                     and k not in {"micro avg", "macro avg", "weighted avg", "accuracy"})
    lines = ["| intent | precision | recall | F1 | examples |", "|---|---:|---:|---:|---:|"]
    for name in intents:
        r = report[name]
        lines.append(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1-score']:.3f} "
                     f"| {r['support']} |")
    for name in ("macro avg", "weighted avg"):
        if name in report:
            r = report[name]
            lines.append(f"| **{name}** | {r['precision']:.3f} | {r['recall']:.3f} | "
                         f"**{r['f1-score']:.3f}** | {r['support']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="ignore the cached result")
    args = parser.parse_args(argv)
    report = cross_validate(force=args.force)
    text = (f"NLU intent classification, {FOLDS}-fold cross-validation "
            f"(NLU inputs {training_hash(inputs=NLU_INPUTS)})\n\n{table(report)}\n")
    out = PROJECT_ROOT / "reports/nlu_cross_validation.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
