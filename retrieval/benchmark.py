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

The synthetic corpora's vectors take most of a run (about 40 minutes at 100k on 2 cores), so
they are kept in the model cache under a hash of the texts and the model; a later run reuses
them and prints the build time measured when they were made, marked "(cached)". "hybrid,
PyTorch query encoder (previous)" is the same retriever with queries encoded by PyTorch
instead of the ONNX export, for comparison in the same run.
"""

from __future__ import annotations

import hashlib
import random
import time
import tracemalloc
from pathlib import Path

import numpy as np

from retrieval.bm25 import RankBm25Leg, top_k
from retrieval.corpus import QAPair, load_corpus
from retrieval.dense import DenseIndex
from retrieval.embedders import LONG_TOKENS, MiniLmEmbedder
from retrieval.evaluate import load_queries
from retrieval.features import IndexStats
from retrieval.hybrid import HybridRetriever, pair_text
from retrieval.index_store import dense_vectors, keyword_legs, load_tuning
from retrieval.preprocess import SpacyPreprocessor
from shopdesk.model_cache import cache_dir
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


def _vectors(pairs: list[QAPair], embedder: MiniLmEmbedder
             ) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """Question and question + answer vectors, the seconds they took, and whether they came
    from the cache."""
    digest = hashlib.sha256(f"{embedder.name}|{LONG_TOKENS}".encode())
    for pair in pairs:
        digest.update(pair.question.encode() + b"\0" + pair_text(pair).encode() + b"\0")
    path = Path(cache_dir()).parent / "bench" / f"vectors-{digest.hexdigest()[:20]}.npz"
    if path.is_file():
        with np.load(path) as saved:
            print(f"dense vectors from the cache ({path})", flush=True)
            return saved["questions"], saved["pairs"], float(saved["seconds"]), True
    started = time.perf_counter()
    vectors, pair_vectors = dense_vectors(pairs, embedder, progress=True)
    seconds = time.perf_counter() - started
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, questions=vectors, pairs=pair_vectors, seconds=seconds)
    partial.replace(path)
    return vectors, pair_vectors, seconds, False


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

    vectors, pair_vectors, dense_build, cached = _vectors(pairs, embedder)
    started = time.perf_counter()
    dense = DenseIndex(vectors)
    dense_pair = DenseIndex(pair_vectors)
    stats = IndexStats.measure(vectors, pair_vectors)
    model = load_tuning()[1]
    hybrid = HybridRetriever(pairs, pre, bm25, in_questions, embedder, dense, dense_pair, model,
                             stats=stats)
    torch_embedder = MiniLmEmbedder(device="cpu", onnx_queries=False)
    previous = HybridRetriever(pairs, pre, bm25, in_questions, torch_embedder, dense,
                               dense_pair, model, stats=stats)
    dense_build += time.perf_counter() - started
    print(f"dense vectors (questions, question + answer) and their indexes built in "
          f"{dense_build:.1f} s{' (vectors cached)' if cached else ''}", flush=True)

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

        def previous_query(q: str) -> None:
            previous.search(q, 10)

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
            "hybrid, PyTorch query encoder (previous)": (
                _timed(previous_query, queries), bm25_build + dense_build,
                bm25_mem + vectors.nbytes + pair_vectors.nbytes),
            "rank-bm25 get_scores (baseline)": (_timed(rank_query, rank_queries), rank_build,
                                                rank_mem),
        }
    for name, ((qps, p50, p95), build, mem) in results.items():
        if cached and name.startswith(("dense", "hybrid")):
            name += " (cached vectors)"
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


