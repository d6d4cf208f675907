"""Suggestions for a conversation: the engine of ``profiles.suggest`` over the shop's articles
(historical Q&A pairs) and products, fed by every consenting customer's implicit feedback.

The collaborative-filtering model is refitted from the store at most every ``refresh_s``
seconds (a background-free, lazy refresh on the next request), so suggestions follow what
customers click without a training job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence

import numpy as np

from profiles.suggest import (
    Catalogue,
    ContentScorer,
    Event,
    Item,
    ItemItemCF,
    PopularityScorer,
    Suggestion,
    SuggestionEngine,
)
from retrieval.corpus import QAPair
from sentiment.ranking import mood_affinity, topic_of


def article_items(pairs: Sequence[QAPair]) -> list[Item]:
    return [Item(p.id, "article", topic_of(p), p.question, promotional=mood_affinity(p) < 0)
            for p in pairs]


class Personaliser:
    def __init__(self, items: Sequence[Item], embeddings: np.ndarray, store: object,
                 refresh_s: float = 300.0) -> None:
        self.catalogue = Catalogue(tuple(items), np.asarray(embeddings, dtype=np.float32))
        self._store = store
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._engine: SuggestionEngine | None = None
        self._fitted_at = 0.0
        self.by_id = {item.id: item for item in items}

    def engine(self) -> SuggestionEngine:
        with self._lock:
            if self._engine is None or time.monotonic() - self._fitted_at > self._refresh_s:
                events = [Event(c, i, w) for c, i, w in self._store.feedback()  # type: ignore[attr-defined]
                          if i in self.by_id]
                self._engine = SuggestionEngine(
                    self.catalogue.items, ItemItemCF().fit(events),
                    ContentScorer.from_catalogue(self.catalogue), PopularityScorer().fit(events))
                self._fitted_at = time.monotonic()
            return self._engine

    def suggest(self, history: dict[str, float], interests: dict[str, float], mood: float,
                k: int = 3, exclude: Iterable[str] = (), bad_topics: Iterable[str] = ()
                ) -> list[Suggestion]:
        return self.engine().suggest(history, interests, mood, k, set(exclude), set(bad_topics))
