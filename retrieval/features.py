"""What the scorer knows about one candidate pair for one query: signals that mean the same on
every corpus.

Raw BM25 scores grow with a corpus's size and wording, and cosines drift with its style, so
the scorer never sees them alone: each signal is bounded and absolute (a cosine, the
idf-weighted share of the query's terms found in the pair), relative to the query's other
candidates (the gap to the best cosine, BM25 as a share of the best BM25, the lead over the
runner-up), or relative to the corpus itself (:class:`IndexStats`, measured on the index at
build time without any labels: how close a pair's own question is to its pair vector, how
close neighbouring pairs are). A model fitted on some companies' corpora then carries over to
another's — chosen by leave-one-corpus-out and checked on a hold-out corpus by ``make eval``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FEATURES = (
    "cos_question",      # cosine of the query to the pair's question
    "cos_pair",          # cosine of the query to the question + answer text
    "gap_question",      # best cos_question among the candidates minus this one's (>= 0)
    "gap_pair",          # the same for cos_pair
    "lead_pair",         # this cos_pair minus the best *other* candidate's (the margin)
    "bm25_share",        # BM25 score / best BM25 score among the candidates (0 when none)
    "coverage_pair",     # idf-weighted share of the query's terms found in question or answer
    "coverage_question", # ... found in the question
    "pair_vs_neighbours",      # cos_pair minus the corpus's typical nearest-neighbour pair cosine
    "question_vs_neighbours",  # cos_question minus the typical nearest-neighbour question cosine
    "pair_vs_self",      # cos_pair minus the typical cosine of a pair's own question to it
    "lead_question",     # cos_question minus the best other candidate's
    "lead_bm25",         # bm25_share minus the best other candidate's
    "lead_coverage",     # coverage_pair minus the best other candidate's
)


@dataclass(frozen=True)
class IndexStats:
    """The corpus's own scale, measured on its index at build time (medians, no labels)."""

    self_match: float = 0.8     # cosine of each pair's question to its question + answer vector
    question_nn: float = 0.6    # cosine of a question to its nearest other question
    pair_nn: float = 0.65       # cosine of a pair vector to its nearest other pair vector

    @classmethod
    def measure(cls, questions: np.ndarray, pairs: np.ndarray, sample: int = 1000,
                seed: int = 13) -> IndexStats:
        n = len(questions)
        if n < 2:
            return cls()
        rows = np.random.default_rng(seed).choice(n, size=min(n, sample), replace=False)

        def nearest(vectors: np.ndarray) -> float:
            best = np.empty(len(rows), dtype=np.float64)
            for start in range(0, len(rows), 256):
                chunk = rows[start:start + 256]
                sims = vectors[chunk] @ vectors.T
                sims[np.arange(len(chunk)), chunk] = -1.0
                best[start:start + len(chunk)] = sims.max(axis=1)
            return float(np.median(best))

        return cls(float(np.median((questions * pairs).sum(axis=1))), nearest(questions),
                   nearest(pairs))


@dataclass
class Candidates:
    """One query's candidate pairs and every signal the scorer uses, aligned by position."""

    indices: np.ndarray
    cos_question: np.ndarray
    cos_pair: np.ndarray
    bm25: np.ndarray
    coverage_pair: np.ndarray
    coverage_question: np.ndarray
    bm25_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    question_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pair_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.indices.size)

    @property
    def dense(self) -> np.ndarray:
        """The question-only cosine (the dense leg of the convex fusion)."""
        return self.cos_question


def _lead(scores: np.ndarray) -> np.ndarray:
    """Each score minus the best of the others."""
    if scores.size < 2:
        return scores.copy()
    order = np.argsort(-scores, kind="stable")
    best, second = scores[order[0]], scores[order[1]]
    others_best = np.full(scores.shape, best, dtype=np.float64)
    others_best[order[0]] = second
    return scores - others_best


def matrix(c: Candidates, stats: IndexStats) -> np.ndarray:
    """The feature matrix (candidates × :data:`FEATURES`)."""
    if len(c) == 0:
        return np.zeros((0, len(FEATURES)), dtype=np.float64)
    cos_question = c.cos_question.astype(np.float64)
    cos_pair = c.cos_pair.astype(np.float64)
    best_bm25 = float(c.bm25.max())
    bm25_share = c.bm25 / best_bm25 if best_bm25 > 0 else np.zeros(len(c), dtype=np.float64)
    coverage = c.coverage_pair.astype(np.float64)
    return np.column_stack([
        cos_question,
        cos_pair,
        cos_question.max() - cos_question,
        cos_pair.max() - cos_pair,
        _lead(cos_pair),
        bm25_share,
        coverage,
        c.coverage_question,
        cos_pair - stats.pair_nn,
        cos_question - stats.question_nn,
        cos_pair - stats.self_match,
        _lead(cos_question),
        _lead(bm25_share.astype(np.float64)),
        _lead(coverage),
    ]).astype(np.float64)
