"""Offline evaluation of the sentiment spike alerts (``sentiment.alerts``): ``make alerts-eval``.

Simulated streams stand in for a shop's traffic: six topics with their own volumes (a daily
cycle, quiet nights) and their own normal share of negative messages, which drifts slowly; into
each stream three spikes are injected on random topics — the negative share rises by 0.10
("small"), 0.20 ("medium") or 0.40 ("large") for one to four hours, with up to 50 % more
messages (angry customers write more). Every alert is matched to the spikes:

* **recall**: spikes an alert opened for on the same key, between the spike's start and two
  hours after its end, counted over the *visible* spikes — those with at least
  ``VISIBLE`` messages while they last (a night-time spike of five messages on a quiet topic is
  not a trend anyone could see; recall over every spike is printed too); **delay**: minutes
  from the spike's start to the alert;
* **precision**: alerts that match a spike, of all alerts; **false alerts per day**.

Thresholds are chosen on one set of streams (``TUNING_SEEDS``: best F1 of precision and recall,
then the shortest median delay) and reported on another (``REPORT_SEEDS``) that no choice saw.
Beside it, in the same run and chosen the same way, the plain rule a team would write first: an
alert when a bucket's negative share is over a fixed level with a minimum of messages.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sentiment.alerts import AlertEvent, AlertSettings, SpikeDetector
from shopdesk.settings import PROJECT_ROOT

TOPICS = ("orders", "shipping", "returns", "payments", "products", "account")
SIZES = {"small": 0.10, "medium": 0.20, "large": 0.40}
DAYS = 3
BUCKET_MIN = 15
TUNING_SEEDS = range(0, 30)
REPORT_SEEDS = range(2000, 2030)  # 1000-1029 were looked at while building; not used since
GRACE = timedelta(hours=2)
VISIBLE = 20
START = datetime(2030, 1, 7, tzinfo=UTC)  # the simulated streams' own calendar


@dataclass(frozen=True)
class Spike:
    key: str
    start: datetime
    end: datetime
    size: str
    messages: int = 0   # on its key while it lasts


@dataclass
class Stream:
    buckets: list[tuple[datetime, dict[str, tuple[int, int]]]]  # (bucket end, counts per key)
    spikes: list[Spike]


def simulate(seed: int) -> Stream:
    rng = random.Random(seed)
    per_day = 24 * 60 // BUCKET_MIN
    volume = {t: rng.uniform(0.6, 9.0) for t in TOPICS}        # messages per bucket at peak
    rate = {t: rng.uniform(0.05, 0.35) for t in TOPICS}        # normal negative share
    spikes = []
    for size in rng.sample(list(SIZES) * 2, 3):
        topic = rng.choice(TOPICS)
        start = START + timedelta(days=1, minutes=BUCKET_MIN * rng.randrange(per_day * (DAYS - 1) - 16))
        spikes.append(Spike(f"topic:{topic}", start,
                            start + timedelta(minutes=BUCKET_MIN * rng.randint(4, 16)), size))
    buckets = []
    for b in range(per_day * DAYS):
        begin = START + timedelta(minutes=BUCKET_MIN * b)
        hour = begin.hour + begin.minute / 60
        daily = 0.15 + 0.85 * max(0.0, math.sin(math.pi * (hour - 6) / 18)) if hour >= 6 else 0.15
        counts = {}
        for topic in TOPICS:
            rate[topic] = min(0.6, max(0.02, rate[topic] + rng.gauss(0, 0.003)))  # slow drift
            lam, p = volume[topic] * daily, rate[topic]
            for spike in spikes:
                if spike.key == f"topic:{topic}" and spike.start <= begin < spike.end:
                    p = min(0.95, p + SIZES[spike.size])
                    lam *= 1.0 + 0.5 * rng.random()
            n = _poisson(rng, lam)
            counts[f"topic:{topic}"] = (n, sum(rng.random() < p for _ in range(n)))
        buckets.append((begin + timedelta(minutes=BUCKET_MIN), counts))
    spikes = [Spike(s.key, s.start, s.end, s.size,
                    sum(c[s.key][0] for end, c in buckets if s.start < end <= s.end))
              for s in spikes]
    return Stream(buckets, spikes)


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class PlainRule:
    """The first thing a team would write: a bucket over ``level`` negative with at least
    ``min_messages`` messages opens an alert; a bucket at or under it closes it."""

    def __init__(self, level: float, min_messages: int) -> None:
        self.level, self.min_messages = level, min_messages
        self.open: set[str] = set()

    def add_bucket(self, end: datetime, counts: dict[str, tuple[int, int]]) -> list[AlertEvent]:
        events = []
        for key, (n, k) in counts.items():
            if n == 0:
                continue
            high = k / n > self.level
            if key not in self.open and high and n >= self.min_messages:
                self.open.add(key)
                events.append(AlertEvent("opened", key, end, k / n, self.level, n))
            elif key in self.open and not high:
                self.open.discard(key)
                events.append(AlertEvent("closed", key, end, k / n, self.level, n))
        return events


@dataclass(frozen=True)
class Score:
    recall: float                        # over the visible spikes
    recall_all: float                    # over every spike
    precision: float
    false_per_day: float
    delay_min: float                     # median, over detected spikes
    by_size: dict[str, tuple[float, float]]  # size -> (recall, median delay)

    @property
    def f1(self) -> float:
        total = self.recall + self.precision
        return 0.0 if total == 0 else 2 * self.recall * self.precision / total


def score(make: Callable[[], object], streams: Iterable[Stream]) -> Score:
    found: dict[str, list[float | None]] = {size: [] for size in SIZES}
    hidden: list[bool] = []              # spikes too small to see: detected?
    alerts = matched = 0
    days = 0.0
    for stream in streams:
        detector = make()
        opened = [e for end, counts in stream.buckets
                  for e in detector.add_bucket(end, counts) if e.kind == "opened"]  # type: ignore[attr-defined]
        days += DAYS
        alerts += len(opened)
        matched += sum(any(e.key == s.key and s.start <= e.at <= s.end + GRACE
                           for s in stream.spikes) for e in opened)
        for spike in stream.spikes:
            hits = [e.at for e in opened
                    if e.key == spike.key and spike.start <= e.at <= spike.end + GRACE]
            if spike.messages < VISIBLE:
                hidden.append(bool(hits))
                continue
            found[spike.size].append(
                (min(hits) - spike.start).total_seconds() / 60 if hits else None)
    every = [d for ds in found.values() for d in ds]
    delays = [d for d in every if d is not None]
    return Score(
        recall=len(delays) / max(len(every), 1),
        recall_all=(len(delays) + sum(hidden)) / max(len(every) + len(hidden), 1),
        precision=matched / alerts if alerts else 0.0,
        false_per_day=(alerts - matched) / days,
        delay_min=statistics.median(delays) if delays else float("nan"),
        by_size={size: (sum(d is not None for d in ds) / max(len(ds), 1),
                        statistics.median([d for d in ds if d is not None])
                        if any(d is not None for d in ds) else float("nan"))
                 for size, ds in found.items()})


def choose(candidates: dict[str, Callable[[], object]], streams: list[Stream]
           ) -> tuple[str, Score]:
    """The candidate with the best F1 on ``streams`` (then the shortest median delay)."""
    scored = {name: score(make, streams) for name, make in candidates.items()}
    best = max(scored, key=lambda n: (round(scored[n].f1, 3), -scored[n].delay_min))
    return best, scored[best]


def ours_grid() -> dict[str, Callable[[], object]]:
    grid = {}
    for threshold, shift, volume in itertools.product((2.0, 3.0, 4.5, 6.0, 8.0),
                                                      (0.1, 0.15, 0.2, 0.3), (5, 10, 20)):
        settings = AlertSettings(bucket_minutes=BUCKET_MIN, threshold=threshold, shift=shift,
                                 min_volume=volume)
        grid[f"CUSUM h={threshold:g} shift={shift:g} volume≥{volume}"] = (
            lambda s=settings: SpikeDetector(s))
    return grid


def plain_grid() -> dict[str, Callable[[], object]]:
    return {f"share > {level:.2f}, ≥{n} messages": (lambda lv=level, m=n: PlainRule(lv, m))
            for level in (0.4, 0.5, 0.6, 0.7) for n in (3, 5, 8)}


def main(out_dir: Path = PROJECT_ROOT / "reports") -> None:
    print(f"• simulating {len(TUNING_SEEDS)} tuning and {len(REPORT_SEEDS)} report streams "
          f"({DAYS} days each, {len(TOPICS)} topics, 3 spikes per stream)…", flush=True)
    tuning = [simulate(seed) for seed in TUNING_SEEDS]
    report = [simulate(seed) for seed in REPORT_SEEDS]
    shipped = AlertSettings()
    rows = []
    for label, grid in (("plain rule (baseline)", plain_grid()), ("CUSUM over EWMA (ours)",
                                                                   ours_grid())):
        print(f"• choosing the {label} thresholds on the tuning streams ({len(grid)} settings)…",
              flush=True)
        name, tuned = choose(grid, tuning)
        rows.append((label, name, tuned, score(grid[name], report)))
    rows.append(("shipped defaults (ours)", f"h={shipped.threshold:g} shift={shipped.shift:g} "
                 f"volume≥{shipped.min_volume}", score(lambda: SpikeDetector(shipped), tuning),
                 score(lambda: SpikeDetector(shipped), report)))
    lines = ["| detector | chosen setting | tuning F1 | report recall (visible) | report "
             "precision | false alerts / day | median delay (min) | recall small / medium / "
             "large | recall (every spike) |",
             "|---|---|---:|---:|---:|---:|---:|---|---:|"]
    for label, name, tuned, held in rows:
        sizes = " / ".join(f"{held.by_size[s][0]:.2f}" for s in SIZES)
        lines.append(f"| {label} | {name} | {tuned.f1:.3f} | {held.recall:.3f} | "
                     f"{held.precision:.3f} | {held.false_per_day:.2f} | {held.delay_min:.0f} | "
                     f"{sizes} | {held.recall_all:.3f} |")
    table = "\n".join(lines)
    print("\nSpike alerts on the report streams (thresholds chosen on the tuning streams):\n")
    print(table)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "alerts_eval.md").write_text(
        "# Sentiment spike alerts — `make alerts-eval`\n\n" + table + "\n", encoding="utf-8")
    _plot(rows, out_dir / "alerts_eval.png")
    print(f"\n• table: {out_dir / 'alerts_eval.md'}; plot: {out_dir / 'alerts_eval.png'}")


def _plot(rows: list[tuple[str, str, Score, Score]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    sizes = list(SIZES)
    for i, (label, _, _, held) in enumerate(rows):
        xs = [x + i * 0.25 for x in range(len(sizes))]
        left.bar(xs, [held.by_size[s][0] for s in sizes], width=0.25, label=label)
        right.bar(xs, [held.by_size[s][1] for s in sizes], width=0.25, label=label)
    for axis, title in ((left, "recall by spike size"), (right, "median delay (minutes)")):
        axis.set_xticks([x + 0.25 for x in range(len(sizes))], sizes)
        axis.set_title(title)
    left.legend(fontsize=8)
    fig.suptitle("Sentiment spike alerts on the report streams")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
