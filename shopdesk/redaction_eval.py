"""How well personal data is redacted: `python -m shopdesk.redaction_eval` (`make redaction-eval`).

On ``training_data/privacy/redaction_sample.jsonl`` (300 chat messages, 232 labelled items of
e-mail, phone, card and address, 100 messages with look-alikes only: order numbers, tracking
numbers, prices, dates, product codes):

* an item is **found** when the redactor's spans cover at least 80 % of its non-space
  characters (what is left cannot identify anyone), whatever type the redactor gave it;
* a redactor span is a **false alarm** when it overlaps no labelled item;
* precision, recall and the recall-weighted F2 = 5·P·R / (4·P + R) per type and overall.
  Recall weighs more because a leaked card number costs far more than a hidden order number.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from shopdesk.redact import Span, find
from shopdesk.settings import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "training_data/privacy/redaction_sample.jsonl"
KINDS = ("email", "phone", "card", "address")


@dataclass(frozen=True)
class Gold:
    kind: str
    start: int
    end: int


def gold_spans(text: str, items: list[dict[str, str]]) -> list[Gold]:
    spans: list[Gold] = []
    used: Counter[tuple[int, int]] = Counter()
    for item in items:
        start = text.find(item["value"])
        while start != -1 and used[(start, start + len(item["value"]))]:
            start = text.find(item["value"], start + 1)
        if start == -1:
            raise ValueError(f"{item['value']!r} is not in {text!r}")
        used[(start, start + len(item["value"]))] += 1
        spans.append(Gold(item["type"], start, start + len(item["value"])))
    return spans


def covered(gold: Gold, text: str, found: list[Span]) -> bool:
    wanted = [i for i in range(gold.start, gold.end) if not text[i].isspace()]
    hit = sum(1 for i in wanted if any(s.start <= i < s.end for s in found))
    return bool(wanted) and hit / len(wanted) >= 0.8


def f_beta(p: float, r: float, beta: float = 2.0) -> float:
    return 0.0 if p + r == 0 else (1 + beta**2) * p * r / (beta**2 * p + r)


def evaluate(path: Path = SAMPLE) -> dict[str, dict[str, float]]:
    tp: Counter[str] = Counter()
    total: Counter[str] = Counter()
    false_alarms: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"]
        gold = gold_spans(text, row.get("pii") or [])
        found = find(text)
        for g in gold:
            total[g.kind] += 1
            tp[g.kind] += covered(g, text, found)
        for s in found:
            predicted[s.kind] += 1
            if not any(s.start < g.end and g.start < s.end for g in gold):
                false_alarms[s.kind] += 1
    report = {}
    for kind in (*KINDS, "all"):
        t = sum(total.values()) if kind == "all" else total[kind]
        found_ok = sum(tp.values()) if kind == "all" else tp[kind]
        pred = sum(predicted.values()) if kind == "all" else predicted[kind]
        fa = sum(false_alarms.values()) if kind == "all" else false_alarms[kind]
        recall = found_ok / t if t else 1.0
        precision = (pred - fa) / pred if pred else 1.0
        report[kind] = {"items": t, "found": found_ok, "false_alarms": fa,
                        "precision": precision, "recall": recall,
                        "f2": f_beta(precision, recall)}
    return report


def table(report: dict[str, dict[str, float]]) -> str:
    lines = ["| type | items | found | false alarms | precision | recall | F2 |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for kind, r in report.items():
        lines.append(f"| {kind} | {r['items']} | {r['found']} | {r['false_alarms']} | "
                     f"{r['precision']:.3f} | {r['recall']:.3f} | {r['f2']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args(argv)
    print(table(evaluate(args.sample)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
