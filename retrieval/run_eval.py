"""`make eval`: every corpus × every system in one table, fitted on development queries only.

Corpora (``training_data/qa``): our demo store's, and third-party FAQs written by other
companies (``external/corpora.json``). A corpus has the role ``tune`` or ``holdout``:

* tuning corpora give their development queries (ours: ``queries_dev.jsonl``; a third-party
  one: a fixed half of its queries, chosen by a hash of the query id) to fit the relevance
  model, the answer bands and the comparison fusion; their other queries are reported;
* a hold-out corpus is never used to fit or choose anything; all its queries are reported,
  apart from the others.

Before anything runs, the queries are checked against ``queries.sha256`` (frozen before any
tuning). A leave-one-corpus-out row refits everything without each tuning corpus and scores
that corpus, so every tuning corpus is also seen once as an unseen one.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from retrieval.evaluate import (
    KINDS,
    NAMES,
    SYSTEMS,
    Bands,
    LabelledQuery,
    QueryLegs,
    choose_bands,
    decisions,
    fit_model,
    load_queries,
    outcomes,
    query_legs,
    ranking_metrics,
)
from retrieval.hybrid import FusionConfig, HybridRetriever
from retrieval.index_store import (
    TUNING_FILE,
    IndexError_,
    build_index,
    check_index,
    inputs_checksum,
    load_retriever,
)
from retrieval.scoring import RelevanceModel
from shopdesk.clock import Clock
from shopdesk.errors import ShopdeskError
from shopdesk.settings import PROJECT_ROOT, Settings

QA = PROJECT_ROOT / "training_data/qa"
EXTERNAL = QA / "external"
FROZEN = QA / "queries.sha256"
REPORTS = PROJECT_ROOT / "reports"
CANDIDATES = 50
MAX_WRONG_ON_DEV = 0.04  # the bands keep wrong direct answers at or under 4 % of dev queries
GOALS = {"hit@1": 0.75, "MRR@10": 0.82, "no-answer acc.": 0.85}
GOAL_WRONG = 0.05
COLUMNS = ("hit@1", "MRR@10", "nDCG@10", "no-answer acc.", "wrong direct", "right direct",
           "right reply")


class EvaluationError(ShopdeskError):
    pass


@dataclass
class EvalCorpus:
    name: str
    faq: Path
    role: str  # "tune" or "holdout"
    domain: str
    dev: list[LabelledQuery]
    test: list[LabelledQuery]


def check_frozen() -> None:
    """Refuse to evaluate on queries that changed since they were frozen."""
    if not FROZEN.is_file():
        raise EvaluationError(f"{FROZEN} is missing: the labelled queries must be frozen")
    for line in FROZEN.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        path = QA / name
        actual = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
        if actual != digest:
            raise EvaluationError(f"{path} changed since the queries were frozen "
                                  f"({FROZEN}); queries are never edited after tuning started")


def _half(query: LabelledQuery) -> str:
    return "dev" if hashlib.sha1(query.id.encode()).digest()[0] % 2 == 0 else "test"


def corpora() -> list[EvalCorpus]:
    out = [EvalCorpus("pinecrest (ours)", QA / "faq.csv", "tune", "outdoor clothing retail",
                      load_queries(QA / "queries_dev.jsonl"),
                      load_queries(QA / "queries_test.jsonl"))]
    registry = json.loads((EXTERNAL / "corpora.json").read_text())["corpora"]
    for name, info in registry.items():
        queries = load_queries(EXTERNAL / name / "queries.jsonl")
        if info["role"] == "holdout":
            dev, test = [], queries
        else:
            dev = [q for q in queries if _half(q) == "dev"]
            test = [q for q in queries if _half(q) == "test"]
        out.append(EvalCorpus(name, EXTERNAL / name / "faq.csv", info["role"], info["domain"],
                              dev, test))
    return out


def _retriever(corpus: EvalCorpus, clock: Clock, models: tuple) -> HybridRetriever:
    preprocessor, embedder = models
    folder = PROJECT_ROOT / "var/eval" / corpus.name.split()[0] / "index"
    try:
        check_index(folder, [corpus.faq])
    except IndexError_:
        print(f"• building the index of {corpus.name} ({corpus.faq})", flush=True)
        build_index([corpus.faq], folder, preprocessor, embedder, clock)
    return load_retriever(folder, preprocessor, embedder, [corpus.faq])


@dataclass
class Prepared:
    corpus: EvalCorpus
    dev: list[QueryLegs]
    test: list[QueryLegs]


def _prepare(corpus: EvalCorpus, clock: Clock, models: tuple) -> Prepared:
    retriever = _retriever(corpus, clock, models)
    legs = [query_legs(retriever, q, CANDIDATES)
            for q in tqdm(corpus.dev + corpus.test, desc=f"{corpus.name}: queries", unit="q")]
    return Prepared(corpus, legs[:len(corpus.dev)], legs[len(corpus.dev):])


@dataclass
class Fitted:
    model: RelevanceModel
    convex: FusionConfig
    bands: dict[str, Bands]


def fit_all(tuning: Sequence[Prepared]) -> Fitted:
    """Everything that is chosen, chosen on the development queries of ``tuning`` only."""
    model = fit_model([p.dev for p in tuning])
    pooled = [q for p in tuning for q in p.dev]
    weights = [round(w, 2) for w in np.arange(0.0, 1.0001, 0.05)]

    def mean_ndcg(config: FusionConfig) -> float:
        return float(np.mean([ranking_metrics(p.dev, outcomes(p.dev, "convex", config=config))
                              ["nDCG@10"] for p in tuning]))

    convex = max((FusionConfig("convex", weight=w) for w in weights),
                 key=lambda c: (mean_ndcg(c), -abs(c.weight - 0.5)))
    bands = {s: choose_bands(pooled, outcomes(pooled, s, model, convex), MAX_WRONG_ON_DEV)
             for s in SYSTEMS}
    return Fitted(model, convex, bands)


def score(data: Sequence[QueryLegs], system: str, fitted: Fitted) -> dict[str, float]:
    results = outcomes(data, system, fitted.model, fitted.convex)
    return {**ranking_metrics(data, results), **decisions(data, results, fitted.bands[system])}


def _row(label: str, m: dict[str, float]) -> str:
    return f"| {label} | " + " | ".join(f"{m[c]:.3f}" for c in COLUMNS) + " |"


def _mean(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    return {c: float(np.mean([r[c] for r in rows])) for c in COLUMNS}


def run_evaluation(settings: Settings, clock: Clock) -> dict:
    started = time.monotonic()
    check_frozen()
    from retrieval.embedders import MiniLmEmbedder
    from retrieval.preprocess import SpacyPreprocessor

    models = (SpacyPreprocessor(), MiniLmEmbedder())  # loaded once, shared by every corpus
    prepared = [_prepare(c, clock, models) for c in corpora()]
    tuning = [p for p in prepared if p.corpus.role == "tune"]
    holdout = [p for p in prepared if p.corpus.role == "holdout"]
    fitted = fit_all(tuning)

    header = ("| corpus (queries) | system | " + " | ".join(COLUMNS) + " |\n"
              "|---|---|" + "---:|" * len(COLUMNS))
    lines = [header]
    results: dict[tuple[str, str], dict[str, float]] = {}
    for p in prepared:
        tag = "hold-out" if p.corpus.role == "holdout" else "tuning"
        for system in SYSTEMS:
            m = score(p.test, system, fitted)
            results[(p.corpus.name, system)] = m
            label = f"{p.corpus.name}, {tag} ({len(p.test)})"
            name = f"**{NAMES[system]}**" if system == "ours" else NAMES[system]
            lines.append(f"| {label} | {name} | " + " | ".join(f"{m[c]:.3f}" for c in COLUMNS)
                         + " |")

    # leave one tuning corpus out: fit on the others, score it as an unseen corpus
    loco_lines = [header]
    loco: list[dict[str, float]] = []
    for left_out in tuning:
        others = [p for p in tuning if p is not left_out]
        refit = fit_all(others)
        m = score(left_out.test, "ours", refit)
        base = score(left_out.test, "pair", refit)
        loco.append(m)
        loco_lines.append(f"| {left_out.corpus.name} ({len(left_out.test)}) | ours, fitted "
                          f"without it | " + " | ".join(f"{m[c]:.3f}" for c in COLUMNS) + " |")
        loco_lines.append(f"| {left_out.corpus.name} ({len(left_out.test)}) | baseline, bands "
                          f"without it | " + " | ".join(f"{base[c]:.3f}" for c in COLUMNS) + " |")

    summary_lines = ["| corpora | system | " + " | ".join(COLUMNS) + " |",
                     "|---|---|" + "---:|" * len(COLUMNS)]
    groups = [("tuning corpora, mean of test parts", tuning)]
    groups += [(f"hold-out: {p.corpus.name}", [p]) for p in holdout]
    verdicts = []
    for label, group in groups:
        for system in SYSTEMS:
            m = _mean([results[(p.corpus.name, system)] for p in group])
            summary_lines.append(f"| {label} | {NAMES[system]} | "
                                 + " | ".join(f"{m[c]:.3f}" for c in COLUMNS) + " |")
        ours = _mean([results[(p.corpus.name, "ours")] for p in group])
        base = _mean([results[(p.corpus.name, "pair")] for p in group])
        met = [f"{k} {ours[k]:.3f} {'≥' if ours[k] >= v else '<'} {v}" for k, v in GOALS.items()]
        met.append(f"wrong direct {ours['wrong direct']:.3f} "
                   f"{'≤' if ours['wrong direct'] <= GOAL_WRONG else '>'} {GOAL_WRONG}")
        ahead = [k for k in ("hit@1", "MRR@10", "no-answer acc.") if ours[k] > base[k]]
        ahead += ["wrong direct"] if ours["wrong direct"] < base["wrong direct"] else []
        verdicts.append(f"{label}: " + "; ".join(met)
                        + f". Ahead of the baseline on: {', '.join(ahead) or 'nothing'}.")
    loco_mean = _mean(loco)
    summary_lines.append("| tuning corpora, each left out | ours, fitted without that corpus | "
                         + " | ".join(f"{loco_mean[c]:.3f}" for c in COLUMNS) + " |")
    verdicts.append("Leave-one-corpus-out, mean over the tuning corpora: "
                    + ", ".join(f"{c} {loco_mean[c]:.3f}" for c in COLUMNS) + ".")

    kind_lines = ["| query kind | n | baseline hit@1 | ours hit@1 |", "|---|---:|---:|---:|"]
    every = [q for p in prepared for q in p.test]
    for kind in KINDS[:-1]:
        subset = [q for q in every if q.query.kind == kind and q.query.relevant]
        if subset:
            base = ranking_metrics(subset, outcomes(subset, "pair"))["hit@1"]
            ours = ranking_metrics(subset, outcomes(subset, "ours", fitted.model))["hit@1"]
            kind_lines.append(f"| {kind} | {len(subset)} | {base:.3f} | {ours:.3f} |")

    band_text = ", ".join(f"{s}: answer ≥ {b.answer_at:.3f}, offer ≥ {b.suggest_at:.3f}"
                          for s, b in fitted.bands.items())
    intro = (f"Fitted on the development queries of {', '.join(p.corpus.name for p in tuning)} "
             f"({sum(len(p.dev) for p in tuning)} queries); hold-out, never fitted on: "
             f"{', '.join(p.corpus.name for p in holdout) or 'none'}. Candidates: top "
             f"{CANDIDATES} of BM25, question cosine and pair cosine. Bands chosen on the pooled "
             f"development queries for the most valuable replies (right direct answer or honest "
             f"no-answer 1, right pair among three 0.5, wrong direct answer -1) with at most "
             f"{MAX_WRONG_ON_DEV:.0%} wrong direct answers ({band_text}). Convex fusion weight "
             f"(comparison): {fitted.convex.weight}.")
    text = "\n".join([intro, "", "Goals:", *[f"- {v}" for v in verdicts], "",
                      "### Summary", "", *summary_lines, "",
                      "### Every corpus × every system (test queries)", "", *lines, "",
                      "### Leave one tuning corpus out", "", *loco_lines, "",
                      "### By query kind (answerable test queries of every corpus)", "",
                      *kind_lines])
    print("\n" + text + "\n")
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "retrieval_eval.md").write_text(text + "\n")
    _plot(prepared, results, REPORTS / "retrieval_eval.png")
    tuning_data = {
        "fusion": {"method": "convex", "weight": fitted.convex.weight, "rrf_k": 60.0,
                   "candidates": CANDIDATES},
        "model": fitted.model.to_json(),
        "thresholds": {"answer_at": round(fitted.bands["ours"].answer_at, 4),
                       "suggest_at": round(fitted.bands["ours"].suggest_at, 4)},
        "tuned_on": {"corpora": [p.corpus.name for p in tuning],
                     "dev_queries": sum(len(p.dev) for p in tuning),
                     "holdout_never_used": [p.corpus.name for p in holdout],
                     "corpus_checksums": {p.corpus.name: inputs_checksum([p.corpus.faq])
                                          for p in tuning}},
    }
    TUNING_FILE.write_text(json.dumps(tuning_data, indent=2) + "\n")
    print(f"Saved {REPORTS / 'retrieval_eval.md'}, {REPORTS / 'retrieval_eval.png'} and "
          f"{TUNING_FILE} in {time.monotonic() - started:.0f} s")
    return tuning_data


def _plot(prepared: Sequence[Prepared], results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [p.corpus.name + (" (hold-out)" if p.corpus.role == "holdout" else "")
             for p in prepared]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.8 / len(SYSTEMS)
    for ax, metric in zip(axes, ("hit@1", "right reply"), strict=True):
        for i, system in enumerate(SYSTEMS):
            values = [results[(p.corpus.name, system)][metric] for p in prepared]
            ax.bar(np.arange(len(prepared)) + i * width, values, width,
                   label=NAMES[system] if ax is axes[0] else None)
        ax.set_xticks(np.arange(len(prepared)) + width * (len(SYSTEMS) - 1) / 2, names,
                      rotation=15, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(f"{metric} on the test queries")
    fig.legend(loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
