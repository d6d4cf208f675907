"""TF-IDF cosine search over past questions and their answers.

The simplest honest search of the corpus, with no model; the hybrid BM25 +
embedding retriever replaces it behind the same ``Retriever`` interface. A new
question is compared mostly with past *questions* (how customers phrase things),
and partly with the whole pair (so answers' vocabulary still counts).
"""

from __future__ import annotations

import math
from collections import Counter

from retrieval.corpus import QAPair
from retrieval.retriever import Hit
from retrieval.text import terms

QUESTION_SHARE = 0.7


class KeywordRetriever:
    def __init__(self, pairs: list[QAPair]) -> None:
        self._pairs = list(pairs)
        self.pairs = self._pairs
        questions = [Counter(terms(p.question)) for p in self._pairs]
        whole = [Counter(terms(f"{p.question} {p.answer} {p.category}")) for p in self._pairs]
        df: Counter[str] = Counter()
        for doc in whole:
            df.update(doc.keys())
        n = len(whole)
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self._question_vectors = [self._weigh(d) for d in questions]
        self._pair_vectors = [self._weigh(d) for d in whole]

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
        for pair, qv, pv in zip(self._pairs, self._question_vectors, self._pair_vectors,
                                strict=True):
            on_question = sum(w * qv.get(t, 0.0) for t, w in q.items())
            on_pair = sum(w * pv.get(t, 0.0) for t, w in q.items())
            score = QUESTION_SHARE * on_question + (1 - QUESTION_SHARE) * on_pair
            if score > 0:
                scored.append(Hit(pair, min(1.0, score)))
        scored.sort(key=lambda h: (-h.score, h.pair.id))
        return scored[:k]
