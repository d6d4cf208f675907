"""Index files on disk: build atomically, load with checks.

An index is a folder::

    manifest.json   format version, checksum of the corpus inputs, models, counts, file hashes
    pairs.jsonl          the redacted, de-duplicated Q&A pairs
    bm25/                bm25s matrices over question (twice) + answer terms
    bm25_question/       bm25s matrices over question terms (which query terms a question has)
    embeddings.npy       question embeddings (float32, L2-normalised)
    embeddings_pair.npy  question + answer embeddings

It is built in a temporary folder next to the target and swapped in with renames,
so a crash never leaves a half-written index. Loading refuses an index whose format,
inputs or files do not match, with a message saying how to rebuild it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.bm25 import SparseBm25Leg
from retrieval.corpus import QAPair
from retrieval.dense import DenseIndex
from retrieval.embedders import Embedder
from retrieval.features import IndexStats
from retrieval.hybrid import FusionConfig, HybridRetriever, pair_text
from retrieval.ingest import DuplicatePolicy, IngestReport, ingest
from retrieval.preprocess import Preprocessor
from retrieval.scoring import RelevanceModel
from shopdesk.clock import Clock
from shopdesk.errors import ShopdeskError

logger = logging.getLogger(__name__)
FORMAT_VERSION = 2
REBUILD = "rebuild it with `make index` (or `.venv/bin/python -m retrieval.cli build`)"
TUNING_FILE = Path(__file__).resolve().parent / "tuning.json"


class IndexError_(ShopdeskError):  # noqa: N801 - avoid shadowing the builtin IndexError
    """The index is missing, stale, from another format, or corrupt."""


def inputs_checksum(sources: Sequence[Path | str]) -> str:
    digest = hashlib.sha256()
    for source in sources:
        path = Path(source)
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def load_tuning() -> tuple[FusionConfig, RelevanceModel, dict]:
    """The candidate settings, relevance model and answer bands fitted by ``make eval`` on the
    development queries of the tuning corpora (hand-set defaults if it was never run)."""
    if not TUNING_FILE.is_file():
        return FusionConfig(), RelevanceModel(), {}
    try:
        data = json.loads(TUNING_FILE.read_text())
        fusion = FusionConfig(**data.get("fusion", {}))
        model = RelevanceModel.from_json(data["model"])
        return fusion, model, dict(data.get("thresholds", {}))
    except (ValueError, KeyError, TypeError) as e:
        logger.warning("%s is unusable (%s); using the built-in relevance model until "
                       "`make eval` fits it again", TUNING_FILE, e)
        return FusionConfig(), RelevanceModel(), {}


def keyword_legs(pairs: Sequence[QAPair], preprocessor: Preprocessor, progress: bool = False
                 ) -> tuple[SparseBm25Leg, SparseBm25Leg, list[list[str]]]:
    """BM25 over question (twice) + answer terms, the question terms alone, and the documents'
    term lists (for a reference BM25 to compare with)."""
    from tqdm import tqdm

    question_terms = list(tqdm(preprocessor.terms_many(p.question for p in pairs),
                               total=len(pairs), desc="terms: questions", disable=not progress,
                               unit="pair"))
    answer_terms = list(tqdm(preprocessor.terms_many(p.answer for p in pairs), total=len(pairs),
                             desc="terms: answers", disable=not progress, unit="pair"))
    documents = [q + q + a for q, a in zip(question_terms, answer_terms, strict=True)]
    bm25 = SparseBm25Leg()
    bm25.index(documents)
    in_questions = SparseBm25Leg()
    in_questions.index(question_terms)
    return bm25, in_questions, documents


def dense_vectors(pairs: Sequence[QAPair], embedder: Embedder, progress: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The question vectors and the question + answer vectors."""
    if progress:
        print(f"Embedding {len(pairs)} questions, then each question with its answer, "
              f"with {embedder.name}...", flush=True)
    questions = embedder.encode([p.question for p in pairs], batch_size=64, progress=progress)
    whole = embedder.encode([pair_text(p) for p in pairs], batch_size=32, progress=progress,
                            long=True)
    return questions, whole


def build_index(sources: Sequence[Path | str], target: Path, preprocessor: Preprocessor,
                embedder: Embedder, clock: Clock,
                policy: DuplicatePolicy = DuplicatePolicy.KEEP_NEWEST,
                progress: bool = True) -> IngestReport:
    """Build the index for ``sources`` into ``target`` (replacing it only when complete);
    the manifest records ``clock``'s time as the build time."""

    started = time.monotonic()
    report = ingest(sources, policy)
    pairs = list(report.pairs)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        bm25, in_questions, _ = keyword_legs(pairs, preprocessor, progress)
        bm25.save(tmp / "bm25")
        in_questions.save(tmp / "bm25_question")
        question_vectors, pair_vectors = dense_vectors(pairs, embedder, progress)
        np.save(tmp / "embeddings.npy", question_vectors)
        np.save(tmp / "embeddings_pair.npy", pair_vectors)
        stats = IndexStats.measure(question_vectors, pair_vectors)
        with open(tmp / "pairs.jsonl", "w", encoding="utf-8") as f:
            for pair in pairs:
                f.write(json.dumps(dataclasses.asdict(pair), ensure_ascii=False) + "\n")
        files = {str(p.relative_to(tmp)): _file_hash(p) for p in sorted(tmp.rglob("*"))
                 if p.is_file()}
        manifest = {
            "format_version": FORMAT_VERSION,
            "inputs_checksum": inputs_checksum(sources),
            "sources": [str(s) for s in sources],
            "preprocessor": preprocessor.name,
            "embedder": embedder.name,
            "pairs": len(pairs),
            "read": report.read,
            "exact_duplicates": report.exact_duplicates,
            "near_duplicates": report.near_duplicates,
            "dropped": [dataclasses.asdict(d) for d in report.dropped],
            "redacted_pairs": report.redacted,
            "stats": dataclasses.asdict(stats),
            "built_at": clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "build_seconds": round(time.monotonic() - started, 2),
            "files": files,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise IndexError_(f"no retrieval index in {folder}; {REBUILD}")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IndexError_(f"the index manifest {path} is corrupt; {REBUILD}") from e
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexError_(f"the index in {folder} has format {manifest.get('format_version')!r}"
                          f" but this version reads format {FORMAT_VERSION}; {REBUILD}")
    return manifest


def check_index(folder: Path, sources: Sequence[Path | str] | None = None,
                verify_files: bool = True) -> dict:
    """The manifest, after checking the index matches ``sources`` and is intact."""
    manifest = read_manifest(folder)
    if sources is not None and manifest.get("inputs_checksum") != inputs_checksum(sources):
        raise IndexError_(f"the index in {folder} was built from other corpus files than "
                          f"{', '.join(map(str, sources))} (they changed since); {REBUILD}")
    if verify_files:
        for name, expected in manifest.get("files", {}).items():
            path = Path(folder) / name
            if not path.is_file() or _file_hash(path) != expected:
                raise IndexError_(f"index file {path} is missing or corrupt; {REBUILD}")
    return manifest


def load_retriever(folder: Path, preprocessor: Preprocessor, embedder: Embedder,
                   sources: Sequence[Path | str] | None = None) -> HybridRetriever:
    manifest = check_index(folder, sources)
    if manifest.get("embedder") != embedder.name:
        raise IndexError_(f"the index was embedded with {manifest.get('embedder')}, not "
                          f"{embedder.name}; {REBUILD}")
    try:
        pairs = []
        for line in (Path(folder) / "pairs.jsonl").read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            raw["tags"] = tuple(raw.get("tags") or ())
            pairs.append(QAPair(**raw))
        vectors = np.load(Path(folder) / "embeddings.npy")
        pair_vectors = np.load(Path(folder) / "embeddings_pair.npy")
        bm25 = SparseBm25Leg.load(Path(folder) / "bm25")
        in_questions = SparseBm25Leg.load(Path(folder) / "bm25_question")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexError_(f"cannot read the index in {folder} ({e}); {REBUILD}") from e
    if not len(vectors) == len(pair_vectors) == len(pairs):
        raise IndexError_(f"the index in {folder} is inconsistent; {REBUILD}")
    try:
        stats = IndexStats(**manifest["stats"])
    except (KeyError, TypeError) as e:
        raise IndexError_(f"the index in {folder} has no corpus statistics; {REBUILD}") from e
    fusion, model, _ = load_tuning()
    return HybridRetriever(pairs, preprocessor, bm25, in_questions, embedder,
                           DenseIndex(vectors), DenseIndex(pair_vectors), model, fusion, stats)
