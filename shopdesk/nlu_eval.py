"""NLU evaluation: cross-validation, the independent hold-out set, entities, a plain baseline.

`python -m shopdesk.nlu_eval` (``make nlu-eval``) prints, and writes to ``reports/nlu.md``:

* Rasa's 5-fold cross-validation on ``training_data/nlu`` (per intent, weighted/macro F1);
* the trained model on ``tests/nlu/holdout.jsonl`` — 592 messages written independently of the
  training data and never trained on — per intent, next to a plain baseline trained on the same
  examples in the same run (TF-IDF word and character n-grams into a logistic regression);
* entity extraction on the hold-out: precision / recall / F1 per entity type.

Results for unchanged inputs come from the cache instead of retraining.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from shopdesk.errors import ShopdeskError
from shopdesk.model_cache import NLU_INPUTS, cache_dir, rasa_bin, rasa_env, training_hash
from shopdesk.settings import PROJECT_ROOT

FOLDS = 5
HOLDOUT = PROJECT_ROOT / "tests/nlu/holdout.jsonl"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)|\[([^\]]+)\]\{[^}]*\}")


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


def load_holdout(path: Path = HOLDOUT) -> list[dict]:
    """The hold-out messages, after checking they are the frozen ones."""
    frozen = (path.parent / "holdout.sha256").read_text().split()[0]
    if hashlib.sha256(path.read_bytes()).hexdigest() != frozen:
        raise ShopdeskError(f"{path} changed after it was frozen; it is a fixed yardstick")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _annotated(example: dict) -> str:
    """One hold-out message in Rasa's markup: entities as [value](type), left to right."""
    text = example["text"]
    spans: list[tuple[int, int, str]] = []
    for entity in example.get("entities") or []:
        value = entity["value"]
        start = 0
        while True:
            at = text.find(value, start)
            if at < 0:
                break
            end = at + len(value)
            free = all(end <= s or at >= e for s, e, _ in spans)
            bounded = ((at == 0 or not text[at - 1].isalnum())
                       and (end == len(text) or not text[end].isalnum()))
            if free and bounded:
                spans.append((at, end, entity["entity"]))
                break
            start = at + 1
    out, last = [], 0
    for start, end, kind in sorted(spans):
        out.append(text[last:start].replace("[", "(").replace("]", ")"))
        out.append(f"[{text[start:end]}]({kind})")
        last = end
    out.append(text[last:].replace("[", "(").replace("]", ")"))
    return "".join(out)


def holdout_yaml(examples: list[dict]) -> str:
    by_intent: dict[str, list[str]] = {}
    for e in examples:
        by_intent.setdefault(e["intent"], []).append(_annotated(e))
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines += [f"  - intent: {intent}", "    examples: |"]
        lines += [f"      - {' '.join(t.split())}" for t in texts]
    return "\n".join(lines) + "\n"


def evaluate_holdout(model: Path, force: bool = False) -> dict:
    """Intent and entity reports of the trained model on the hold-out set (cached)."""
    examples = load_holdout()
    key = hashlib.sha256(model.read_bytes() + HOLDOUT.read_bytes()).hexdigest()[:16]
    cached = cache_dir() / f"nlu-holdout-{key}.json"
    if cached.is_file() and not force:
        return json.loads(cached.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "holdout.yml"
        data.write_text(holdout_yaml(examples), encoding="utf-8")
        out = Path(tmp) / "out"
        print(f"• NLU hold-out: the trained model on {len(examples)} unseen messages...",
              flush=True)
        log = cache_dir() / f"nlu-holdout-{key}.log"
        with open(log, "wb") as f:
            result = subprocess.run(
                [str(rasa_bin()), "test", "nlu", "--model", str(model), "--nlu", str(data),
                 "--out", str(out)], cwd=PROJECT_ROOT, env=rasa_env(), stdout=f,
                stderr=subprocess.STDOUT)
        if result.returncode != 0 or not (out / "intent_report.json").is_file():
            raise RuntimeError(f"rasa test nlu failed (exit {result.returncode}); log: {log}")
        found = {"intents": json.loads((out / "intent_report.json").read_text()), "entities": {}}
        for report in out.glob("*Extractor_report.json"):
            found["entities"][report.name.removesuffix("_report.json")] = json.loads(
                report.read_text())
        errors = out / "intent_errors.json"
        found["errors"] = json.loads(errors.read_text()) if errors.is_file() else []
    tmp_file = cached.with_suffix(".tmp")
    tmp_file.write_text(json.dumps(found))
    os.replace(tmp_file, cached)
    return found


def training_examples(folder: Path = PROJECT_ROOT / "training_data/nlu") -> list[tuple[str, str]]:
    """(text, intent) of every NLU training example, entity markup removed."""
    import yaml

    pairs = []
    for path in sorted(folder.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    pairs.append((_ANNOTATION.sub(lambda m: m.group(1) or m.group(3), text),
                                  block["intent"]))
    return pairs


def baseline_report(examples: list[dict]) -> dict:
    """The plain baseline: TF-IDF word 1-2-grams and character 2-5-grams into a logistic
    regression, trained on the same training examples, scored on the hold-out."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import classification_report
    from sklearn.pipeline import make_pipeline, make_union

    train = training_examples()
    model = make_pipeline(
        make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        LogisticRegression(max_iter=3000, C=10.0))
    model.fit([t for t, _ in train], [i for _, i in train])
    predicted = model.predict([e["text"] for e in examples])
    return classification_report([e["intent"] for e in examples], predicted, output_dict=True,
                                 zero_division=0)


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


def comparison(ours: dict, baseline: dict) -> str:
    intents = sorted(k for k, v in ours.items() if isinstance(v, dict) and "f1-score" in v
                     and k not in {"micro avg", "macro avg", "weighted avg", "accuracy"})
    lines = ["| intent | ours P | ours R | **ours F1** | baseline F1 | messages |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in [*intents, "macro avg", "weighted avg"]:
        r, b = ours.get(name), baseline.get(name) or {}
        if not isinstance(r, dict):
            continue
        bold = "**" if name.endswith("avg") else ""
        lines.append(f"| {bold}{name}{bold} | {r['precision']:.3f} | {r['recall']:.3f} | "
                     f"**{r['f1-score']:.3f}** | {b.get('f1-score', 0.0):.3f} | {r['support']} |")
    return "\n".join(lines)


def entity_table(reports: dict) -> str:
    lines = ["| extractor | entity | precision | recall | F1 | in the hold-out |",
             "|---|---|---:|---:|---:|---:|"]
    for extractor, report in sorted(reports.items()):
        for name, r in sorted(report.items()):
            if not isinstance(r, dict) or "f1-score" not in r or name in {
                    "micro avg", "macro avg", "accuracy", "no_entity"}:
                continue
            lines.append(f"| {extractor} | {name} | {r['precision']:.3f} | {r['recall']:.3f} | "
                         f"{r['f1-score']:.3f} | {r['support']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="ignore the cached result")
    args = parser.parse_args(argv)
    from shopdesk.model_cache import ensure_model

    report = cross_validate(force=args.force)
    examples = load_holdout()
    held = evaluate_holdout(ensure_model(), force=args.force)
    text = (f"NLU intent classification, {FOLDS}-fold cross-validation "
            f"(NLU inputs {training_hash(inputs=NLU_INPUTS)})\n\n{table(report)}\n\n"
            f"Hold-out: {len(examples)} messages written independently, never trained on "
            "(tests/nlu), the trained model next to a plain TF-IDF + logistic regression "
            f"baseline trained on the same examples\n\n"
            f"{comparison(held['intents'], baseline_report(examples))}\n\n"
            f"Entities on the hold-out\n\n{entity_table(held['entities'])}\n")
    out = PROJECT_ROOT / "reports/nlu.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
