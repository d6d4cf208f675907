"""TF-IDF cosine search over questions (weighted) and answers.

The simplest honest search of the corpus, with no model; the hybrid BM25 +
embedding retriever replaces it behind the same ``Retriever`` interface.
"""

from __future__ import annotations

import math
from collections import Counter

from retrieval.corpus import QAPair
from retrieval.retriever import Hit
from retrieval.text import terms

_QUESTION_WEIGHT = 2


class KeywordRetriever:
    def __init__(self, pairs: list[QAPair]) -> None:
        self._pairs = list(pairs)
        docs = [
            Counter(terms(p.question) * _QUESTION_WEIGHT + terms(p.answer) + terms(p.category))
            for p in self._pairs
        ]
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        n = len(docs)
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self._vectors = [self._weigh(doc) for doc in docs]

    def _weigh(self, counts: Counter[str]) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * self._idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def search(self, query: str, k: int = 5) -> list[Hit]:
        if not isinstance(query, str) or k <= 0:
            return []
        q = self._weigh(Counter(terms(query)))
        if not q:
            return []
        scored = []
        for pair, vec in zip(self._pairs, self._vectors, strict=True):
            score = sum(w * vec.get(t, 0.0) for t, w in q.items())
            if score > 0:
                scored.append(Hit(pair, min(1.0, score)))
        scored.sort(key=lambda h: (-h.score, h.pair.id))
        return scored[:k]
