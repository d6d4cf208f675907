"""Unanswered questions, grouped by meaning so a supervisor answers each need once.

Greedy leader clustering, most recent question first: a question joins the first group whose
centroid is at least ``threshold`` similar, else it starts a new one. Similarity is the cosine
of the query embeddings the action server stored (the same MiniLM vectors retrieval uses);
where a question has no vector (the keyword fallback was answering), the Jaccard overlap of
its content words stands in. Groups are listed by how many customers asked, then the
unhappiest first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from retrieval.knowledge_store import KnowledgeGap
from retrieval.text import terms

COSINE_THRESHOLD = 0.72
JACCARD_THRESHOLD = 0.5


def vector_of(gap: KnowledgeGap) -> np.ndarray | None:
    if not gap.vector:
        return None
    try:
        vector = np.frombuffer(gap.vector, dtype=np.float16).astype(np.float32)
    except ValueError:
        return None
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else None


@dataclass
class GapGroup:
    gaps: list[KnowledgeGap] = field(default_factory=list)
    _sum: np.ndarray | None = None
    _words: set[str] = field(default_factory=set)

    def similarity(self, vector: np.ndarray | None, words: set[str]) -> float:
        if vector is not None and self._sum is not None and self._sum.shape == vector.shape:
            centroid = self._sum / (float(np.linalg.norm(self._sum)) or 1.0)
            return float(centroid @ vector)
        union = words | self._words
        return len(words & self._words) / len(union) if union else 0.0

    def add(self, gap: KnowledgeGap, vector: np.ndarray | None, words: set[str]) -> None:
        self.gaps.append(gap)
        if vector is not None:
            self._sum = vector.copy() if self._sum is None else self._sum + vector
        self._words |= words

    @property
    def customers(self) -> int:
        return len({g.sender_id for g in self.gaps})

    @property
    def mood(self) -> float:
        return sum(g.mood for g in self.gaps) / len(self.gaps)

    @property
    def last_asked(self) -> datetime:
        return max(g.asked_at for g in self.gaps)

    def to_json(self) -> dict[str, object]:
        examples = list(dict.fromkeys(g.question for g in self.gaps))
        nearest = Counter(g.nearest_id for g in self.gaps if g.nearest_id).most_common(1)
        return {"key": self.gaps[0].id, "question": self.gaps[0].question,
                "examples": examples[:5], "count": len(self.gaps), "customers": self.customers,
                "mood": round(self.mood, 2) + 0.0,  # never "-0.0"
                "upset": sum(1 for g in self.gaps if g.mood <= -0.3),
                "last_asked": self.last_asked.isoformat(),
                "kinds": dict(Counter(g.kind for g in self.gaps)),
                "channels": sorted({g.channel for g in self.gaps if g.channel}),
                "nearest_id": nearest[0][0] if nearest else "",
                "gap_ids": [g.id for g in self.gaps]}


def group_gaps(gaps: list[KnowledgeGap], threshold: float = COSINE_THRESHOLD,
               word_threshold: float = JACCARD_THRESHOLD) -> list[GapGroup]:
    groups: list[GapGroup] = []
    for gap in sorted(gaps, key=lambda g: (-g.asked_at.timestamp(), -g.id)):
        vector, words = vector_of(gap), set(terms(gap.question))
        best, best_score = None, 0.0
        for group in groups:
            score = group.similarity(vector, words)
            limit = threshold if vector is not None and group._sum is not None else word_threshold
            if score >= limit and score > best_score:
                best, best_score = group, score
        if best is None:
            best = GapGroup()
            groups.append(best)
        best.add(gap, vector, words)
    return sorted(groups, key=lambda g: (-g.customers, -len(g.gaps), g.mood,
                                         -g.last_asked.timestamp()))
