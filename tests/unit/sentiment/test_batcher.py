"""Micro-batching: concurrent requests share forward passes; failures degrade to neutral."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sentiment.batcher import MicroBatcher, VectorCache
from sentiment.model import SentimentResult, VaderSentiment


class RecordingModel:
    """VADER, slowed down like a forward pass, recording the batches it is given."""

    name = "recording"

    def __init__(self) -> None:
        self.inner = VaderSentiment()
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def warm_up(self) -> None:
        return None

    def score_and_embed(self, texts: Sequence[object]):  # type: ignore[no-untyped-def]
        with self.lock:
            self.batches.append(len(texts))
        time.sleep(0.02)
        return self.inner.score_many(texts), {t: np.ones(3) for t in texts if isinstance(t, str)}

    def score_many(self, texts: Sequence[object]) -> list[SentimentResult]:
        return self.score_and_embed(texts)[0]


def test_concurrent_requests_are_batched_and_answered_in_order() -> None:
    model = RecordingModel()
    cache = VectorCache()
    batcher = MicroBatcher(model, max_batch=16, max_wait_ms=10, vectors=cache)
    texts = [f"message {i} is great" if i % 2 else f"message {i} is awful" for i in range(64)]
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(batcher.score, texts))
    assert sum(model.batches) == 64
    assert len(model.batches) < 32, f"expected shared batches, got {model.batches}"
    assert max(model.batches) <= 16
    for text, result in zip(texts, results, strict=True):
        assert (result.score > 0) == ("great" in text)
    assert cache.get(texts[0]) is not None


def test_a_failing_model_gives_neutral_not_an_exception() -> None:
    class Broken(RecordingModel):
        def score_and_embed(self, texts):  # type: ignore[no-untyped-def]
            raise RuntimeError("CUDA out of memory")

    batcher = MicroBatcher(Broken(), max_wait_ms=1)
    result = batcher.score("I'm so angry")
    assert result.label == "neutral" and result.confidence == 0.0
    # and the worker survives for the next request
    assert batcher.score("again").label == "neutral"


def test_vector_cache_is_bounded() -> None:
    cache = VectorCache(size=3)
    cache.put_many({str(i): np.zeros(2) for i in range(10)})
    assert cache.get("0") is None and cache.get("9") is not None
