"""The retrieval seam: what every retriever promises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from retrieval.corpus import QAPair


@dataclass(frozen=True)
class Hit:
    pair: QAPair
    score: float  # in [0, 1]; higher is more relevant


class Retriever(Protocol):
    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The ``k`` best pairs for ``query``, best first; never raises on odd input."""
        ...
