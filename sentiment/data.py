"""Sentiment training and evaluation data: the VADER human-rated sets and our support messages.

VADER ground truth (Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment
Analysis of Social Media Text", ICWSM 2014): about 23,700 sentences from four domains, each
the mean of at least 20 human ratings on -4 … +4. It ships inside the *source* archive of
``vadersentiment==3.3.2`` on PyPI (not in its wheel). :func:`fetch_vader` gets that archive
with pip (so pip's cache and index settings apply), checks its SHA-256 and keeps the four
ground-truth files under ``~/.cache/shopdesk/data``. This is a setup step; nothing here runs
when the product answers a customer.

Splits are fixed by a hash of each sentence's domain and id (70 % train, 10 % dev, 20 % test),
so they never change between machines or runs. Our own support messages come already split
(``training_data/sentiment/support_{train,dev,test}.jsonl``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shopdesk.errors import ShopdeskError
from shopdesk.settings import PROJECT_ROOT

LABELS = ("negative", "neutral", "positive")
FRUSTRATION_MARKERS = ("repeated_contact", "shouting", "profanity", "churn_threat",
                       "escalation_demand", "sarcasm")
VADER_DOMAINS = {"tweets": "tweets", "movieReviewSnippets": "movies",
                 "amazonReviewSnippets": "amazon", "nytEditorialSnippets": "nyt"}
DOMAINS = ("tweets", "movies", "amazon", "nyt", "support")
VADER_SDIST = "vaderSentiment-3.3.2.tar.gz"
VADER_SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
SUPPORT_DIR = PROJECT_ROOT / "training_data/sentiment"
# A mean human rating within ±0.5 of zero (on -4 … +4) counts as neutral.
NEUTRAL_BAND = 0.5


class SentimentDataError(ShopdeskError):
    pass


@dataclass(frozen=True)
class Example:
    id: str
    domain: str
    split: str
    text: str
    label: str                      # negative / neutral / positive
    rating: float                   # -1 … 1 (VADER mean / 4; support: -1, 0, 1)
    frustration: tuple[str, ...] = field(default=())

    @property
    def clear_polarity(self) -> bool:
        """True when the item is clearly positive or negative (used for binary accuracy)."""
        return self.label != "neutral"


def data_cache() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "shopdesk/data"
    return Path(os.environ.get("SHOPDESK_DATA_CACHE", default)).expanduser()


def label_for_rating(mean_rating: float) -> str:
    if mean_rating > NEUTRAL_BAND:
        return "positive"
    if mean_rating < -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def split_for(domain: str, item_id: str) -> str:
    digest = hashlib.sha256(f"{domain}:{item_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    return "train" if u < 0.7 else "dev" if u < 0.8 else "test"


def fetch_vader(cache: Path | None = None, progress: bool = True) -> Path:
    """The folder holding the four ``*_GroundTruth.txt`` files, downloading them once."""
    folder = (cache or data_cache()) / "vader_icwsm2014"
    wanted = [f"{name}_GroundTruth.txt" for name in VADER_DOMAINS]
    if all((folder / w).is_file() for w in wanted):
        return folder
    if progress:
        print("• Fetching the VADER human-rated sentences (vadersentiment 3.3.2 source, "
              "from PyPI via pip) …", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", tmp, "vadersentiment==3.3.2"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        archive = Path(tmp) / VADER_SDIST
        if done.returncode != 0 or not archive.is_file():
            raise SentimentDataError(
                "could not download the vadersentiment 3.3.2 source archive from the package "
                f"index: {(done.stderr or done.stdout).strip()[-300:]}")
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != VADER_SDIST_SHA256:
            raise SentimentDataError(f"{VADER_SDIST} has SHA-256 {digest}, expected "
                                     f"{VADER_SDIST_SHA256}; refusing to use it")
        staging = Path(tempfile.mkdtemp(dir=folder.parent if folder.parent.exists() else None))
        try:
            with tarfile.open(archive) as outer:
                inner_member = next(m for m in outer.getmembers()
                                    if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
                inner_file = outer.extractfile(inner_member)
                assert inner_file is not None
                with tarfile.open(fileobj=inner_file) as inner:
                    for member in inner.getmembers():
                        name = Path(member.name).name
                        if member.isfile() and (name in wanted or name == "_README_.txt"):
                            source = inner.extractfile(member)
                            assert source is not None
                            (staging / name).write_bytes(source.read())
            folder.parent.mkdir(parents=True, exist_ok=True)
            if folder.exists():
                shutil.rmtree(folder)
            staging.rename(folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def read_vader(folder: Path) -> Iterator[Example]:
    for source, domain in VADER_DOMAINS.items():
        path = folder / f"{source}_GroundTruth.txt"
        for line_no, line in enumerate(path.read_text(encoding="latin-1").splitlines(), 1):
            parts = line.split("\t")
            if len(parts) < 3 or not parts[2].strip():
                continue
            try:
                mean = float(parts[1])
            except ValueError:
                raise SentimentDataError(f"{path.name}:{line_no}: rating {parts[1]!r} is not a "
                                         "number") from None
            item_id = parts[0].strip()
            yield Example(id=f"{domain}-{item_id}", domain=domain, split=split_for(domain, item_id),
                          text=parts[2].strip(), label=label_for_rating(mean),
                          rating=max(-1.0, min(1.0, mean / 4.0)))


def read_support(folder: Path = SUPPORT_DIR) -> Iterator[Example]:
    """Our labelled support messages; every bad line is reported as ``file:line: why``."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for split in ("train", "dev", "test"):
        path = folder / f"support_{split}.jsonl"
        if not path.is_file():
            raise SentimentDataError(f"{path} is missing")
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{line_no}"
            try:
                row = json.loads(line)
                text, label = str(row["text"]).strip(), row["label"]
                markers = tuple(row.get("frustration") or ())
            except (ValueError, KeyError, TypeError) as e:
                problems.append(f"{where}: not a valid record ({e})")
                continue
            if label not in LABELS:
                problems.append(f"{where}: label {label!r} is not one of {', '.join(LABELS)}")
                continue
            if not text:
                problems.append(f"{where}: empty text")
                continue
            unknown = set(markers) - set(FRUSTRATION_MARKERS)
            if unknown:
                problems.append(f"{where}: unknown frustration markers {sorted(unknown)}")
                continue
            key = " ".join(text.lower().split())
            if key in seen:
                problems.append(f"{where}: same text as {seen[key]}")
                continue
            seen[key] = where
            yield Example(id=str(row.get("id") or where), domain="support", split=split,
                          text=text, label=label, rating={"negative": -1.0, "neutral": 0.0,
                                                           "positive": 1.0}[label],
                          frustration=markers)
    if problems:
        raise SentimentDataError("bad support messages:\n  " + "\n  ".join(problems[:20]))


def load_all(progress: bool = True) -> list[Example]:
    return [*read_vader(fetch_vader(progress=progress)), *read_support()]


def inputs_digest(files: list[Path] | None = None) -> str:
    """SHA-256 over the support files (the VADER archive is pinned by its own hash)."""
    h = hashlib.sha256(VADER_SDIST_SHA256.encode())
    for path in files or sorted(SUPPORT_DIR.glob("support_*.jsonl")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()
