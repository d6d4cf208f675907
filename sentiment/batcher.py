"""Micro-batching: concurrent callers share one forward pass.

Actions run in worker threads, one per conversation turn. Each asks :class:`MicroBatcher` for
its message's sentiment; a single worker thread collects the requests that arrive within
``max_wait_ms`` of the first (up to ``max_batch``) and scores them together, which is what
makes a GPU worth having. A lone request waits at most ``max_wait_ms``.

The batcher also keeps the retrieval vectors the shared forward pass produced, so the answer
action that follows in the same turn does not encode the message again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future

import numpy as np

from sentiment.model import NEUTRAL_RESULT, SentimentModel, SentimentResult

logger = logging.getLogger(__name__)


class VectorCache:
    """A small thread-safe LRU of text → retrieval vector."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def put_many(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            for text, vector in vectors.items():
                self._items[text] = vector
                self._items.move_to_end(text)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
            return vector


class MicroBatcher:
    def __init__(self, model: SentimentModel, max_batch: int = 32, max_wait_ms: float = 5.0,
                 vectors: VectorCache | None = None) -> None:
        self.model = model
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self.vectors = vectors
        self._queue: queue.Queue[tuple[object, Future[SentimentResult]]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0
        self.items = 0

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="sentiment-batcher",
                                                daemon=True)
                self._worker.start()

    def submit(self, text: object) -> Future[SentimentResult]:
        future: Future[SentimentResult] = Future()
        self._ensure_worker()
        self._queue.put((text, future))
        return future

    def score(self, text: object, timeout: float = 10.0) -> SentimentResult:
        """This message's sentiment; neutral (confidence 0) if the model fails or is slow."""
        try:
            return self.submit(text).result(timeout=timeout)
        except Exception:
            logger.exception("sentiment scoring failed; treating the message as neutral")
            return NEUTRAL_RESULT

    def score_many(self, texts: Sequence[object]) -> list[SentimentResult]:
        futures = [self.submit(t) for t in texts]
        return [f.result() for f in futures]

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch = [first]
            try:
                deadline = time.monotonic() + self.max_wait
                while len(batch) < self.max_batch:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        batch.append(self._queue.get(timeout=remaining))
                    except queue.Empty:
                        break
                self._score(batch)
            except Exception as e:  # never let the worker die with callers waiting
                for _, future in batch:
                    if not future.done():
                        future.set_exception(e)

    def _score(self, batch: list[tuple[object, Future[SentimentResult]]]) -> None:
        texts = [text for text, _ in batch]
        if hasattr(self.model, "score_and_embed"):
            results, vectors = self.model.score_and_embed(texts)  # type: ignore[attr-defined]
            if self.vectors is not None:
                self.vectors.put_many(vectors)
        else:
            results = self.model.score_many(texts)
        self.batches += 1
        self.items += len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
