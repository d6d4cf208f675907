"""Speed benchmark of the retrieval legs on synthetic corpora (10k and 100k Q&A pairs).

For each size it builds the BM25 leg (spaCy terms + bm25s), the dense leg (MiniLM
embeddings of the questions, and of question + answer) and rank-bm25's BM25Okapi, then
times single-threaded queries (query preprocessing and encoding included): queries/s, p50
and p95 latency. "hybrid" is the shipped :class:`HybridRetriever` end to end: three candidate
lists, every signal, the relevance model. The legs are built by the same functions as an
index (``keyword_legs``, ``dense_vectors``), so "build s" of the dense leg counts both vector
lists. Memory is the size of each leg's index structures. rank-bm25 ``get_scores`` runs side
by side in the same process as the baseline. Results are printed as a table and saved to
``reports/retrieval_bench.md``.
"""

from __future__ import annotations

import random
import time
import tracemalloc

import numpy as np

from retrieval.bm25 import RankBm25Leg, top_k
from retrieval.corpus import QAPair, load_corpus
from retrieval.dense import DenseIndex
from retrieval.embedders import MiniLmEmbedder
from retrieval.evaluate import load_queries
from retrieval.features import IndexStats
from retrieval.hybrid import HybridRetriever
from retrieval.index_store import dense_vectors, keyword_legs, load_tuning
from retrieval.preprocess import SpacyPreprocessor
from shopdesk.settings import PROJECT_ROOT

QA = PROJECT_ROOT / "training_data/qa"


def synthetic_corpus(size: int, seed: int = 13) -> list[QAPair]:
    """Pairs that look like the demo corpus: its sentences, shuffled and recombined."""
    base = load_corpus(QA / "faq.csv")
    rng = random.Random(seed)
    q_words = [w for p in base for w in p.question.split()]
    a_sentences = [s.strip() for p in base for s in p.answer.split(". ") if s.strip()]
    pairs = []
    for i in range(size):
        template = rng.choice(base).question.rstrip("?").split()
        for _ in range(rng.randint(1, 3)):  # swap a few words so every pair is different
            template[rng.randrange(len(template))] = rng.choice(q_words)
        answer = ". ".join(rng.sample(a_sentences, rng.randint(1, 3)))
        pairs.append(QAPair(f"syn-{i:06d}", " ".join(template) + "?", answer))
    return pairs


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2] * 1000
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
    return len(samples) / sum(samples), p50, p95


def _timed(fn, queries: list[str]) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    fn(queries[0])  # warm-up
    samples = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def _bench_size(size: int, pre: SpacyPreprocessor, embedder: MiniLmEmbedder,
                queries: list[str]) -> list[tuple]:
    import torch
    from threadpoolctl import threadpool_limits

    rows: list[tuple] = []
    print(f"\n== {size:,} synthetic pairs ==", flush=True)
    pairs = synthetic_corpus(size)

    started = time.perf_counter()
    bm25, in_questions, terms = keyword_legs(pairs, pre)  # exactly what an index build does
    bm25_build = time.perf_counter() - started
    bm25_mem = sum(a.nbytes for a in bm25._bm25.scores.values()  # type: ignore[union-attr]
                   if isinstance(a, np.ndarray))
    print(f"bm25s leg built in {bm25_build:.1f} s", flush=True)

    started = time.perf_counter()
    vectors, pair_vectors = dense_vectors(pairs, embedder, progress=True)
    dense = DenseIndex(vectors)
    hybrid = HybridRetriever(pairs, pre, bm25, in_questions, embedder, dense,
                             DenseIndex(pair_vectors), load_tuning()[1],
                             stats=IndexStats.measure(vectors, pair_vectors))
    dense_build = time.perf_counter() - started
    print(f"dense vectors (questions, question + answer) built in {dense_build:.1f} s",
          flush=True)

    tracemalloc.start()
    started = time.perf_counter()
    reference = RankBm25Leg()
    reference.index(terms)
    rank_build = time.perf_counter() - started
    rank_mem = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    with threadpool_limits(limits=1), _torch_threads(torch, 1):
        def bm25_query(q: str) -> None:
            top_k(bm25.scores(pre.terms(q)), 10)

        def dense_query(q: str) -> None:
            dense.search(embedder.encode_query(q), 10)

        def hybrid_query(q: str) -> None:
            hybrid.search(q, 10)

        def rank_query(q: str) -> None:
            top_k(reference.scores(pre.terms(q)), 10)

        rank_queries = queries[: max(20, min(len(queries), 2_000_000 // size))]
        results = {
            "BM25 leg (spaCy + bm25s)": (_timed(bm25_query, queries), bm25_build, bm25_mem),
            f"dense leg (MiniLM, {'HNSW' if dense.approximate else 'exact'})":
                (_timed(dense_query, queries), dense_build,
                                           vectors.nbytes),
            "hybrid (shipped: 3 lists + relevance model)": (
                _timed(hybrid_query, queries), bm25_build + dense_build,
                bm25_mem + vectors.nbytes + pair_vectors.nbytes),
            "rank-bm25 get_scores (baseline)": (_timed(rank_query, rank_queries), rank_build,
                                                rank_mem),
        }
    for name, ((qps, p50, p95), build, mem) in results.items():
        rows.append((size, name, build, qps, p50, p95, mem))
    speedup = results["BM25 leg (spaCy + bm25s)"][0][0] / \
        results["rank-bm25 get_scores (baseline)"][0][0]
    rows.append((size, "BM25 leg throughput ÷ rank-bm25", None, speedup, None, None, None))

    return rows


def run_benchmark(sizes: list[int], n_queries: int = 200) -> None:
    queries = [q.query for q in load_queries(QA / "queries_test.jsonl")]
    queries = (queries * (n_queries // max(len(queries), 1) + 1))[:n_queries]
    pre = SpacyPreprocessor()
    embedder = MiniLmEmbedder()
    embedder.warm_up()
    rows: list[tuple] = []
    for size in sizes:
        rows.extend(_bench_size(size, pre, embedder, queries))
        _report(rows)  # after every size, so a long run still leaves its results


def _report(rows: list[tuple]) -> None:
    lines = ["| pairs | system | build s | queries/s | p50 ms | p95 ms | index MB |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    for size, name, build, qps, p50, p95, mem in rows:
        if build is None:
            lines.append(f"| {size:,} | **{name}** | | **{qps:.0f}×** | | | |")
        else:
            lines.append(f"| {size:,} | {name} | {build:.1f} | {qps:.1f} | {p50:.1f} | {p95:.1f} "
                         f"| {mem / 1e6:.1f} |")
    text = "Single-threaded queries, query preprocessing and encoding included.\n\n" + \
        "\n".join(lines)
    print("\n" + text)
    out = PROJECT_ROOT / "reports"
    out.mkdir(exist_ok=True)
    (out / "retrieval_bench.md").write_text(text + "\n")


class _torch_threads:  # noqa: N801 - used as a context manager
    def __init__(self, torch, n: int) -> None:  # type: ignore[no-untyped-def]
        self.torch, self.n = torch, n

    def __enter__(self) -> None:
        self.previous = self.torch.get_num_threads()
        self.torch.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        self.torch.set_num_threads(self.previous)


