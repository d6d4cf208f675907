"""The built index with the console's published articles laid over it, kept current without a
restart.

A supervisor publishes an article in the console (``KnowledgeStore.publish``); the action
server asks the store's ``version()`` at most every ``check_every`` seconds, and when it
changed, merges the live articles into the retriever: an article whose id is a corpus pair's
replaces that pair, a new id is added, a retired edit brings the corpus pair back. The merge
keeps the built index's vectors and term lists and only encodes the articles, so it takes
well under a second for the demo corpus. If the store cannot be read, the last good
retriever keeps answering.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from retrieval.bm25 import SparseBm25Leg
from retrieval.corpus import QAPair
from retrieval.dense import DenseIndex
from retrieval.hybrid import HybridRetriever, pair_text
from retrieval.keyword_retriever import KeywordRetriever
from retrieval.knowledge_store import Article, KnowledgeStore
from retrieval.retriever import Hit
from shopdesk.errors import StoreUnavailableError

logger = logging.getLogger(__name__)


def as_pair(article: Article) -> QAPair:
    return QAPair(article.id, article.question, article.answer, article.category,
                  source="console", date=article.updated_at.date().isoformat())


class _Terms:
    """Each base pair's question and answer terms, computed once (the first merge)."""

    def __init__(self) -> None:
        self._cache: dict[str, list[str]] = {}

    def many(self, preprocessor: Any, texts: list[str]) -> list[list[str]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, preprocessor.terms_many(missing), strict=True))
        return [self._cache[t] for t in texts]


def merge_hybrid(base: HybridRetriever, articles: list[Article], terms: _Terms) -> HybridRetriever:
    replaced = {a.id for a in articles}
    keep = [i for i, p in enumerate(base.pairs) if p.id not in replaced]
    added = [as_pair(a) for a in articles]
    pairs = [base.pairs[i] for i in keep] + added
    questions = terms.many(base.preprocessor, [p.question for p in pairs])
    answers = terms.many(base.preprocessor, [p.answer for p in pairs])
    bm25, in_questions = SparseBm25Leg(), SparseBm25Leg()
    bm25.index([q + q + a for q, a in zip(questions, answers, strict=True)])
    in_questions.index(questions)
    index = np.asarray(keep, dtype=np.int64)
    vectors, pair_vectors = base.dense.vectors[index], base.dense_pair.vectors[index]
    if added:
        vectors = np.vstack([vectors, base.embedder.encode([p.question for p in added])])
        pair_vectors = np.vstack([pair_vectors, base.embedder.encode(
            [pair_text(p) for p in added], long=True)])
    return HybridRetriever(pairs, base.preprocessor, bm25, in_questions, base.embedder,
                           DenseIndex(vectors), DenseIndex(pair_vectors), base.model, base.config,
                           base.stats)


class LiveRetriever:
    """A ``Retriever`` over the built index plus the published articles.

    ``pairs``, ``dense`` and ``embedder`` stay the built index's (the personaliser's items and
    the shared encoder); ``search`` uses the current merge.
    """

    def __init__(self, base: HybridRetriever | KeywordRetriever, store: KnowledgeStore,
                 check_every: float = 2.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.base = base
        self.pairs = base.pairs
        self.dense = getattr(base, "dense", None)
        self.embedder = getattr(base, "embedder", None)
        self._store = store
        self._check_every = check_every
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._terms = _Terms()
        self._current: HybridRetriever | KeywordRetriever = base
        self._version: str | None = None
        self._checked = float("-inf")
        self._by_id: dict[str, QAPair] = {}

    def _merge(self, articles: list[Article]) -> HybridRetriever | KeywordRetriever:
        if not articles:
            return self.base
        if isinstance(self.base, HybridRetriever):
            return merge_hybrid(self.base, articles, self._terms)
        replaced = {a.id for a in articles}
        return KeywordRetriever([p for p in self.base.pairs if p.id not in replaced]
                                + [as_pair(a) for a in articles])

    def refresh(self, force: bool = False) -> HybridRetriever | KeywordRetriever:
        """The current retriever, merged again if the published articles changed."""
        now = self._monotonic()
        if not force and now - self._checked < self._check_every:
            return self._current
        with self._lock:
            if not force and now - self._checked < self._check_every:
                return self._current
            self._checked = now
            try:
                version = self._store.version()
                if version != self._version:
                    articles = self._store.articles()
                    started = time.monotonic()
                    self._current = self._merge(articles)
                    self._by_id = {p.id: p for p in getattr(self._current, "pairs", [])}
                    self._version = version
                    logger.info("knowledge: %d published article(s) live (merged in %.2f s)",
                                len(articles), time.monotonic() - started)
            except StoreUnavailableError as e:
                logger.warning("knowledge store unavailable (%s); answering from the last "
                               "good index", e)
            return self._current

    def search(self, query: str, k: int = 5) -> list[Hit]:
        return self.refresh().search(query, k)

    def pair(self, pair_id: str) -> QAPair | None:
        self.refresh()
        return self._by_id.get(pair_id) or next((p for p in self.base.pairs if p.id == pair_id),
                                                None)
