"""The retrieval seam: what every retriever promises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from retrieval.corpus import QAPair


@dataclass(frozen=True)
class Hit:
    pair: QAPair
    score: float  # in [0, 1]: how likely this pair answers the query (calibrated for the top hit)
    relevance: float = -1.0  # in [0, 1], comparable across one query's hits; -1: same as score

    @property
    def closeness(self) -> float:
        """Relevance to compare candidates of one query with (the fused score if known)."""
        return self.relevance if self.relevance >= 0 else self.score


class Retriever(Protocol):
    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` best pairs for ``query``, best first; never raises on odd input."""
        ...
