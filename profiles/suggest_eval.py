"""Offline evaluation of the suggestion engine on synthetic customers with known preferences.

Protocol
    For every customer with at least two items of positive summed feedback, a random 20 % of those items
    (at least one) is held out: all of the customer's events on them are removed from the training log,
    and they are the *relevant* items. Models (CF, popularity) are fitted on the training log only. Each
    system ranks the catalogue minus the items the customer already has in the training history.

Metrics (binary relevance, ``k = 5`` by default)
    * hit rate@k = share of customers with at least one relevant item in their top ``k``;
    * NDCG@k = ``DCG / IDCG`` with ``DCG = Σ_{r<k} rel_r / log2(r + 2)`` and ``IDCG`` the DCG of a
      perfect list with ``min(|relevant|, k)`` hits; averaged over customers.

Systems: popularity baseline, item-item CF alone, content alone, and the blend
(:class:`profiles.suggest.SuggestionEngine`).

Tuning: ``--tune`` grids ``alpha × neighbours × shrink`` on a *separate* synthetic data set (catalogue and
customers generated with ``--tune-seed``, default 1) and reports the best by hit@k + NDCG@k. The
defaults in :mod:`profiles.suggest` were chosen that way; the evaluation seed (0) was never used for it.

Run: ``python -m profiles.suggest_eval --customers 500 --seed 0 --plot reports/suggestions_eval.png``.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from profiles.simulate import generate, synthetic_items
from profiles.suggest import (
    DEFAULT_ALPHA,
    DEFAULT_NEIGHBOURS,
    DEFAULT_SHRINK,
    Catalogue,
    ContentScorer,
    Event,
    ItemItemCF,
    PopularityScorer,
    SuggestionEngine,
    histories,
)

HOLDOUT_FRACTION = 0.2
Ranker = Callable[[dict[str, float]], list[str]]


@dataclass(frozen=True)
class SystemResult:
    name: str
    hit: float
    ndcg: float
    customers: int


@dataclass(frozen=True)
class Split:
    train: list[Event]
    relevant: dict[str, set[str]]


def split(events: Sequence[Event], seed: int = 0, fraction: float = HOLDOUT_FRACTION) -> Split:
    """Hold out ``max(1, round(fraction·n))`` of each customer's ``n ≥ 2`` positive items."""
    rng = np.random.default_rng(seed)
    relevant: dict[str, set[str]] = {}
    for customer, items in sorted(histories(events).items()):
        positives = sorted(item for item, weight in items.items() if weight > 0)
        if len(positives) < 2:
            continue
        size = min(len(positives) - 1, max(1, round(fraction * len(positives))))
        relevant[customer] = {positives[i] for i in rng.choice(len(positives), size=size, replace=False)}
    train = [e for e in events if e.item not in relevant.get(e.customer, ())]
    return Split(train, relevant)


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return float(any(item in relevant for item in ranked[:k]))


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """``Σ_{r<k} rel_r/log2(r+2)`` over the ideal DCG of ``min(|relevant|, k)`` hits."""
    dcg = sum(1.0 / math.log2(r + 2) for r, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(r + 2) for r in range(min(len(relevant), k)))
    return dcg / ideal if ideal > 0 else 0.0


def top_k(scores: Mapping[str, float], ids: Sequence[str], seen: Iterable[str], k: int) -> list[str]:
    """The ``k`` best unseen ids by score (missing = 0), ties by id."""
    blocked = set(seen)
    candidates = [i for i in ids if i not in blocked]
    return sorted(candidates, key=lambda i: (-scores.get(i, 0.0), i))[:k]


@dataclass
class Models:
    cf: ItemItemCF
    content: ContentScorer
    popularity: PopularityScorer


def fit_models(catalogue: Catalogue, train: Sequence[Event], neighbours: int, shrink: float) -> Models:
    return Models(
        cf=ItemItemCF(neighbours=neighbours, shrink=shrink).fit(train),
        content=ContentScorer.from_catalogue(catalogue),
        popularity=PopularityScorer().fit(train),
    )


def rankers(catalogue: Catalogue, models: Models, alpha: float, k: int) -> dict[str, Ranker]:
    """One function per system: training history → ranked item ids (seen items excluded)."""
    ids = sorted(item.id for item in catalogue.items)
    pop = models.popularity.score()
    engine = SuggestionEngine(catalogue.items, models.cf, models.content, models.popularity, alpha=alpha)
    return {
        "popularity": lambda h: top_k(pop, ids, h, k),
        "item-item CF": lambda h: top_k(models.cf.score(h), ids, h, k),
        "content": lambda h: top_k(models.content.score(h), ids, h, k),
        "blend": lambda h: [s.item.id for s in engine.suggest(h, k=k, exclude=set(h))],
    }


def score_systems(
    systems: Mapping[str, Ranker], data: Split, k: int, progress: bool = False
) -> list[SystemResult]:
    """Mean hit@k and NDCG@k of every system over the customers with held-out items."""
    train_histories = histories(data.train)
    totals = {name: [0.0, 0.0] for name in systems}
    customers = sorted(data.relevant)
    for customer in tqdm(customers, desc="evaluating", unit="customer", disable=not progress):
        history, relevant = train_histories.get(customer, {}), data.relevant[customer]
        for name, rank in systems.items():
            ranked = rank(history)
            totals[name][0] += hit_at_k(ranked, relevant, k)
            totals[name][1] += ndcg_at_k(ranked, relevant, k)
    n = len(customers)
    return [SystemResult(name, hit / n if n else 0.0, ndcg / n if n else 0.0, n)
            for name, (hit, ndcg) in totals.items()]


def evaluate(
    catalogue: Catalogue,
    events: Sequence[Event],
    k: int = 5,
    seed: int = 0,
    *,
    alpha: float = DEFAULT_ALPHA,
    neighbours: int = DEFAULT_NEIGHBOURS,
    shrink: float = DEFAULT_SHRINK,
    progress: bool = True,
    plot_path: Path | None = None,
) -> list[SystemResult]:
    """Hold-out split, fit on the training part, score the four systems (optionally save the bar plot)."""
    data = split(events, seed)
    models = fit_models(catalogue, data.train, neighbours, shrink)
    results = score_systems(rankers(catalogue, models, alpha, k), data, k, progress)
    if plot_path is not None:
        plot(results, plot_path, k)
    return results


def markdown_table(results: Sequence[SystemResult], k: int = 5) -> str:
    lines = [f"| system | hit@{k} | NDCG@{k} | customers |", "|---|---:|---:|---:|"]
    lines += [f"| {r.name} | {r.hit:.3f} | {r.ndcg:.3f} | {r.customers} |" for r in results]
    return "\n".join(lines)


def plot(results: Sequence[SystemResult], path: Path, k: int = 5) -> Path:
    """Grouped bar chart (hit@k and NDCG@k per system) saved as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    x = np.arange(len(results))
    width = 0.38
    axes.bar(x - width / 2, [r.hit for r in results], width, label=f"hit@{k}")
    axes.bar(x + width / 2, [r.ndcg for r in results], width, label=f"NDCG@{k}")
    axes.set_xticks(x, [r.name for r in results])
    axes.set_ylim(0, 1)
    axes.set_title(f"Suggestions, synthetic customers (n={results[0].customers if results else 0})")
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return path


def tune(
    n_customers: int = 500,
    seed: int = 1,
    k: int = 5,
    alphas: Sequence[float] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8),
    neighbours: Sequence[int] = (20, 50, 100, 300),
    shrinks: Sequence[float] = (0.0, 10.0, 50.0, 100.0, 200.0),
) -> list[tuple[float, int, float, float, float]]:
    """``[(alpha, neighbours, shrink, hit, ndcg)]`` on data generated with ``seed``, best first."""
    catalogue = synthetic_items(seed=seed)
    events, _ = generate(catalogue, n_customers=n_customers, seed=seed)
    data = split(events, seed)
    rows = []
    for n, shrink in itertools.product(neighbours, shrinks):
        models = fit_models(catalogue, data.train, n, shrink)
        for alpha in alphas:
            blend = {"blend": rankers(catalogue, models, alpha, k)["blend"]}
            result = score_systems(blend, data, k)[0]
            rows.append((alpha, n, shrink, result.hit, result.ndcg))
    return sorted(rows, key=lambda r: (-(r[3] + r[4]), r[0], r[1], r[2]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--plot", type=Path, default=Path("reports/suggestions_eval.png"))
    parser.add_argument("--tune", action="store_true", help="grid-search the blend on --tune-seed data")
    parser.add_argument("--tune-seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.tune:
        if args.tune_seed == args.seed:
            parser.error("--tune-seed must differ from the evaluation --seed")
        print("| alpha | neighbours | shrink | hit | NDCG |\n|---:|---:|---:|---:|---:|")
        for alpha, n, shrink, hit, ndcg in tune(args.customers, args.tune_seed, args.k)[:10]:
            print(f"| {alpha} | {n} | {shrink:g} | {hit:.3f} | {ndcg:.3f} |")
        return 0
    catalogue = synthetic_items(seed=args.seed)
    events, _ = generate(catalogue, n_customers=args.customers, seed=args.seed)
    results = evaluate(catalogue, events, k=args.k, seed=args.seed, plot_path=args.plot)
    print(markdown_table(results, args.k))
    print(f"plot: {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
