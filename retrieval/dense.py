"""The dense leg: cosine search over stored corpus embeddings.

Exact search (one matrix-vector product) by default; above ``ANN_THRESHOLD``
documents an HNSW graph from FAISS is built instead (approximate, sub-linear).
"""

from __future__ import annotations

import os

import numpy as np

ANN_THRESHOLD = int(os.environ.get("SHOPDESK_ANN_THRESHOLD", "50000"))


class DenseIndex:
    def __init__(self, vectors: np.ndarray, ann_threshold: int = ANN_THRESHOLD) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._hnsw = None
        if len(self.vectors) > ann_threshold:
            import faiss

            index = faiss.IndexHNSWFlat(self.vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 128
            index.add(self.vectors)
            self._hnsw = index

    @property
    def approximate(self) -> bool:
        return self._hnsw is not None

    def __len__(self) -> int:
        return len(self.vectors)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and cosine similarities of the ``k`` nearest documents, best first."""
        n = len(self.vectors)
        k = min(k, n)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32).reshape(1, -1)
        if self._hnsw is not None:
            scores, idx = self._hnsw.search(q, k)
            keep = idx[0] >= 0
            return idx[0][keep].astype(np.int64), scores[0][keep]
        sims = self.vectors @ q[0]
        idx = np.argpartition(-sims, k - 1)[:k]
        idx = idx[np.argsort(-sims[idx], kind="stable")]
        return idx.astype(np.int64), sims[idx]

    def similarity(self, query: np.ndarray, indices: np.ndarray) -> np.ndarray:
        return self.vectors[indices] @ np.asarray(query, dtype=np.float32)
