"""The evaluation command: tune on dev, report on test, print a table, save a plot."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from retrieval.embedders import MiniLmEmbedder
from retrieval.evaluate import (
    QueryLegs,
    decision_accuracy,
    fit_calibration,
    load_queries,
    metrics,
    ranking,
)
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.index_store import TUNING_FILE, inputs_checksum, load_retriever
from retrieval.preprocess import SpacyPreprocessor
from shopdesk.settings import PROJECT_ROOT, Settings

QA = PROJECT_ROOT / "training_data/qa"
REPORTS = PROJECT_ROOT / "reports"
CANDIDATES = 100
WEIGHTS = [round(w, 2) for w in np.arange(0.0, 1.0001, 0.05)]
RRF_KS = [1, 5, 10, 20, 40, 60, 100]


def _legs(retriever: HybridRetriever, path: Path, label: str) -> list[QueryLegs]:
    queries = load_queries(path)
    return [QueryLegs(q, retriever.legs(q.query, CANDIDATES))
            for q in tqdm(queries, desc=f"{label} queries", unit="q")]


def _score(retriever: HybridRetriever, data: list[QueryLegs], leg: str,
           config: FusionConfig | None = None) -> dict[str, float]:
    return metrics([ranking(retriever, q, leg, config) for q in data], [q.query for q in data])


def _leg_threshold(data: list[QueryLegs], leg: str) -> tuple[float, float]:
    """Best threshold on a single leg's top score for the has-answer decision, and accuracy."""
    tops = []
    for q in data:
        scores = q.legs.bm25 if leg == "bm25" else q.legs.dense
        tops.append((float(scores.max()) if scores.size else 0.0, bool(q.query.relevant)))
    best = (0.0, 0.0)
    for threshold in sorted({t for t, _ in tops}):
        accuracy = sum((t >= threshold) == has for t, has in tops) / len(tops)
        best = max(best, (accuracy, threshold))
    return best[1], best[0]


def _leg_accuracy(data: list[QueryLegs], leg: str, threshold: float) -> float:
    hits = 0
    for q in data:
        scores = q.legs.bm25 if leg == "bm25" else q.legs.dense
        top = float(scores.max()) if scores.size else 0.0
        hits += (top >= threshold) == bool(q.query.relevant)
    return hits / len(data)


def run_evaluation(settings: Settings) -> dict:
    from retrieval.cli import ensure_index

    started = time.monotonic()
    folder = ensure_index(settings, [QA / "faq.csv"])
    retriever = load_retriever(folder, SpacyPreprocessor(), MiniLmEmbedder())
    dev = _legs(retriever, QA / "queries_dev.jsonl", "dev")
    test = _legs(retriever, QA / "queries_test.jsonl", "test")

    # --- tuning on dev only ---------------------------------------------------------------
    convex_dev = {w: _score(retriever, dev, "hybrid", FusionConfig("convex", weight=w))["nDCG@10"]
                  for w in WEIGHTS}
    rrf_dev = {k: _score(retriever, dev, "hybrid", FusionConfig("rrf", rrf_k=k))["nDCG@10"]
               for k in RRF_KS}
    best_w = max(convex_dev, key=lambda w: (convex_dev[w], -abs(w - 0.5)))
    best_k = max(rrf_dev, key=lambda k: (rrf_dev[k], -k))
    convex_cfg = FusionConfig("convex", weight=best_w)
    rrf_cfg = FusionConfig("rrf", rrf_k=best_k)
    chosen = convex_cfg if convex_dev[best_w] >= rrf_dev[best_k] else rrf_cfg
    calibration = fit_calibration(retriever, dev, chosen)
    grid = [round(x, 2) for x in np.arange(0.05, 0.96, 0.05)]
    best_thresholds, best_acc = (0.5, 0.3), -1.0
    for answer_at in grid:
        # the design keeps a middle band (offer three) at least 0.15 wide
        for suggest_at in (g for g in grid if g <= answer_at - 0.15 + 1e-9):
            _, _, utility = decision_accuracy(retriever, dev, chosen, calibration, answer_at,
                                              suggest_at)
            if utility > best_acc:
                best_acc, best_thresholds = utility, (answer_at, suggest_at)
    answer_at, suggest_at = best_thresholds

    # --- report on test -------------------------------------------------------------------
    rows = []
    for leg in ("bm25", "dense"):
        threshold, _ = _leg_threshold(dev, leg)
        rows.append((leg, _score(retriever, test, leg), _leg_accuracy(test, leg, threshold)))
    for name, cfg in ((f"hybrid convex w={best_w}", convex_cfg),
                      (f"hybrid RRF k={best_k}", rrf_cfg)):
        binary, _, _ = decision_accuracy(retriever, test, cfg,
                                         fit_calibration(retriever, dev, cfg), answer_at,
                                         suggest_at)
        rows.append((name + (" (chosen)" if cfg == chosen else ""),
                     _score(retriever, test, "hybrid", cfg), binary))
    _, whole_test, utility_test = decision_accuracy(retriever, test, chosen, calibration,
                                                    answer_at, suggest_at)
    direct = _direct_answers(retriever, test, chosen, calibration, answer_at)

    agreement = _bm25_agreement(retriever, test)

    kinds = sorted({q.query.kind for q in test if q.query.relevant})
    by_kind = {}
    for kind in kinds:
        subset = [q for q in test if q.query.kind == kind]
        by_kind[kind] = (len(subset), _score(retriever, subset, "hybrid", chosen)["nDCG@10"],
                         _score(retriever, subset, "dense")["nDCG@10"],
                         _score(retriever, subset, "bm25")["nDCG@10"])

    header = ("| leg | nDCG@10 | MRR@10 | R@1 | R@5 | R@20 | no-answer acc. |\n"
              "|---|---:|---:|---:|---:|---:|---:|")
    lines = [header] + [
        f"| {name} | {m['nDCG@10']:.3f} | {m['MRR@10']:.3f} | {m['R@1']:.3f} | {m['R@5']:.3f} "
        f"| {m['R@20']:.3f} | {acc:.3f} |" for name, m, acc in rows]
    kind_lines = ["| query kind | n | hybrid nDCG@10 | dense | bm25 |", "|---|---:|---:|---:|---:|"]
    kind_lines += [f"| {k} | {n} | {h:.3f} | {d:.3f} | {b:.3f} |"
                   for k, (n, h, d, b) in by_kind.items()]
    best_single = max(rows[0][1]["nDCG@10"], rows[1][1]["nDCG@10"])
    chosen_row = next(r for r in rows if "(chosen)" in r[0])
    verdict = ("beats" if chosen_row[1]["nDCG@10"] > best_single else "does NOT beat")
    summary = (
        f"Test queries: {len(test)} ({sum(1 for q in test if q.query.relevant)} answerable); "
        f"dev queries: {len(dev)}; corpus: {len(retriever.pairs)} pairs.\n"
        f"Tuned on dev: convex w={best_w} (dev nDCG@10 {convex_dev[best_w]:.3f}), RRF k={best_k} "
        f"(dev nDCG@10 {rrf_dev[best_k]:.3f}); chosen: {chosen.method}.\n"
        f"The chosen hybrid {verdict} the best single leg on test nDCG@10 "
        f"({chosen_row[1]['nDCG@10']:.3f} vs {best_single:.3f}).\n"
        f"Reply decision (answer >= {answer_at}, offer top 3 >= {suggest_at}, else no answer): "
        f"{whole_test:.3f} of test queries get a right reply; {direct[0]} of the "
        f"{sum(1 for q in test if q.query.relevant)} answerable ones get a direct answer, "
        f"{direct[1]} of which are right.\n"
        f"bm25s vs rank-bm25 on the test queries: top-1 identical for {agreement[0]:.1%}, "
        f"mean top-10 overlap {agreement[1]:.1%}.")
    text = "\n".join([summary, "", *lines, "", *kind_lines])
    print("\n" + text + "\n")
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "retrieval_eval.md").write_text(text + "\n")
    _plot(rows, REPORTS / "retrieval_eval.png")
    tuning = {
        "fusion": {"method": chosen.method, "weight": chosen.weight, "rrf_k": chosen.rrf_k,
                   "candidates": chosen.candidates},
        "calibration": {"coef": list(calibration.coef), "intercept": calibration.intercept},
        "thresholds": {"answer_at": answer_at, "suggest_at": suggest_at},
        "tuned_on": {"corpus_checksum": inputs_checksum([QA / "faq.csv"]),
                     "dev_queries": len(dev)},
    }
    TUNING_FILE.write_text(json.dumps(tuning, indent=2) + "\n")
    print(f"Saved {REPORTS / 'retrieval_eval.md'}, {REPORTS / 'retrieval_eval.png'} and "
          f"{TUNING_FILE} in {time.monotonic() - started:.0f} s")
    return tuning


def _direct_answers(retriever: HybridRetriever, data: list[QueryLegs], config: FusionConfig,
                    calibration, answer_at: float) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from retrieval.evaluate import top_features

    given = right = 0
    for q in data:
        if not q.query.relevant:
            continue
        rows = top_features(retriever, q, config)
        if rows and calibration.probability(rows[0][1]) >= answer_at:
            given += 1
            right += rows[0][0] in q.query.relevant
    return given, right


def _bm25_agreement(retriever: HybridRetriever, data: list[QueryLegs]) -> tuple[float, float]:
    """How closely the bm25s leg ranks like rank-bm25's BM25Okapi on the same terms."""
    from retrieval.bm25 import RankBm25Leg, top_k

    pre = retriever.preprocessor
    reference = RankBm25Leg()
    reference.index(list(pre.terms_many(f"{p.question} {p.question} {p.answer}"
                                        for p in retriever.pairs)))
    same_top, overlap, counted = 0, 0.0, 0
    for q in data:
        terms = pre.terms(q.query.query)
        a, _ = top_k(reference.scores(terms), 10)
        b, _ = top_k(retriever.bm25.scores(terms), 10)
        if a.size == 0 and b.size == 0:
            continue
        counted += 1
        same_top += bool(a.size and b.size and a[0] == b[0])
        overlap += len(set(a.tolist()) & set(b.tolist())) / max(len(a), len(b))
    return same_top / max(counted, 1), overlap / max(counted, 1)


def _plot(rows: list, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["nDCG@10", "MRR@10", "R@1", "R@5", "R@20"]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(rows)
    for i, (leg, m, _) in enumerate(rows):
        ax.bar(np.arange(len(names)) + i * width, [m[n] for n in names], width, label=leg)
    ax.set_xticks(np.arange(len(names)) + width * (len(rows) - 1) / 2, names)
    ax.set_ylim(0, 1)
    ax.set_title("Retrieval on the test queries")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
