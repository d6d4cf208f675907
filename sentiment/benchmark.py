"""Speed: messages per second and per-message latency, our model next to VADER and TextBlob.

For batch size ``b`` the messages are scored ``b`` at a time; a message's latency is the time
its batch took (what a customer waits when ``b`` messages arrive together). The micro-batcher
row sends every message from ``concurrency`` threads at once, as concurrent conversations do.
All systems run in the same process, on the same messages, one after the other.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np


@dataclass
class SpeedRow:
    system: str
    precision: str
    batch: int | str
    messages_per_s: float
    p50_ms: float
    p95_ms: float


def _time_batches(score: Callable[[Sequence[str]], object], texts: list[str],
                  batch: int) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        t0 = time.perf_counter()
        score(texts[start:start + batch])
        elapsed = (time.perf_counter() - t0) * 1000
        latencies.extend([elapsed] * len(texts[start:start + batch]))
    return time.perf_counter() - started, latencies


def _row(system: str, precision: str, batch: int | str, total_s: float, n: int,
         latencies: list[float]) -> SpeedRow:
    return SpeedRow(system, precision, batch, n / total_s, statistics.median(latencies),
                    float(np.percentile(latencies, 95)))


def run(texts: list[str], models: dict[str, object], lexicons: dict[str, Callable],
        batches: Sequence[int] = (1, 8, 32), concurrency: int = 16) -> list[SpeedRow]:
    """``models``: precision → SentimentModel; ``lexicons``: name → scorer over a list."""
    from sentiment.batcher import MicroBatcher

    rows: list[SpeedRow] = []
    for precision, model in models.items():
        model.score_many(texts[:8])  # warm-up
        for b in batches:
            total, lat = _time_batches(model.score_many, texts, b)
            rows.append(_row("ours (MiniLM + LoRA)", precision, b, total, len(texts), lat))
        batcher = MicroBatcher(model, max_batch=32, max_wait_ms=5)
        batcher.score("warm up")

        def one(text: str, batcher: MicroBatcher = batcher) -> float:
            t0 = time.perf_counter()
            batcher.score(text)
            return (time.perf_counter() - t0) * 1000

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            lat = list(pool.map(one, texts))
        rows.append(_row("ours (MiniLM + LoRA)", precision,
                         f"micro-batched, {concurrency} concurrent", time.perf_counter() - started,
                         len(texts), lat))
    for name, scorer in lexicons.items():
        scorer(texts[:8])
        total, lat = _time_batches(lambda chunk, s=scorer: [s([t]) for t in chunk], texts, 1)
        rows.append(_row(name, "lexicon", 1, total, len(texts), lat))
    return rows


def table(rows: list[SpeedRow]) -> str:
    lines = ["| system | precision | batch | messages/s | p50 ms | p95 ms |",
             "|---|---|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.system} | {r.precision} | {r.batch} | {r.messages_per_s:,.1f} | "
                     f"{r.p50_ms:.2f} | {r.p95_ms:.2f} |")
    return "\n".join(lines)
