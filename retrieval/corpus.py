"""The historical Q&A corpus: its format, and a loader that reports bad rows precisely.

Format (CSV with a header row, or JSON Lines with one object per line):

=========  ========  ==========================================================
column     required  meaning
=========  ========  ==========================================================
id         yes       unique, stable identifier (e.g. ``qa-0042``)
question   yes       the customer's question as it was asked
answer     yes       the answer an agent gave / the FAQ answer
category   no        topic, e.g. ``shipping``
tags       no        ``;``-separated keywords
product    no        product name or SKU the pair is about
source     no        where the pair came from (``faq``, ``ticket``, ...)
date       no        ISO date the answer was written
=========  ========  ==========================================================
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from shopdesk.errors import ShopdeskError

MAX_FIELD_CHARS = 20_000


class CorpusError(ShopdeskError):
    """The corpus file cannot be used; ``problems`` lists each bad row as 'file:line: why'."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "".join(f"\n  {p}" for p in self.problems[:20])
        more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(message + detail + more)


@dataclass(frozen=True)
class QAPair:
    id: str
    question: str
    answer: str
    category: str = ""
    tags: tuple[str, ...] = ()
    product: str = ""
    source: str = ""
    date: str = ""


def _pair_from(raw: dict[str, object], where: str, problems: list[str]) -> QAPair | None:
    def text(key: str) -> str:
        value = raw.get(key)
        if value is None:
            return ""
        if not isinstance(value, (str, int, float)):
            problems.append(f"{where}: field {key!r} must be text")
            return ""
        return " ".join(str(value).replace("\x00", " ").split())

    pair_id, question, answer = text("id"), text("question"), text("answer")
    missing = [k for k, v in (("id", pair_id), ("question", question), ("answer", answer)) if not v]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)}")
        return None
    too_long = [k for k in ("question", "answer") if len(text(k)) > MAX_FIELD_CHARS]
    if too_long:
        problems.append(f"{where}: {', '.join(too_long)} longer than {MAX_FIELD_CHARS} characters")
        return None
    tags_raw = raw.get("tags") or ""
    tags = tuple(t.strip() for t in (tags_raw if isinstance(tags_raw, list) else
                                     str(tags_raw).split(";")) if str(t).strip())
    return QAPair(pair_id, question, answer, text("category"), tags, text("product"),
                  text("source"), text("date"))


def load_corpus(path: Path | str) -> list[QAPair]:
    """Load and validate a corpus file.

    Raises:
        CorpusError: the file is missing, unreadable, of an unknown type, or has bad rows.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"Q&A corpus not found: {path}")
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text (byte {e.start})") from e
    except OSError as e:
        raise CorpusError(f"{path}: cannot read: {e.strerror}") from e
    problems: list[str] = []
    pairs: list[QAPair] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(content.splitlines())
        if not reader.fieldnames or not {"id", "question", "answer"} <= set(reader.fieldnames):
            raise CorpusError(f"{path}:1: header must include id, question and answer")
        for row in reader:
            pair = _pair_from(row, f"{path}:{reader.line_num}", problems)
            if pair:
                pairs.append(pair)
    elif path.suffix.lower() in {".jsonl", ".ndjson"}:
        for number, line in enumerate(content.splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{path}:{number}: not valid JSON ({e.msg})")
                continue
            if not isinstance(raw, dict):
                problems.append(f"{path}:{number}: each line must be a JSON object")
                continue
            pair = _pair_from(raw, f"{path}:{number}", problems)
            if pair:
                pairs.append(pair)
    else:
        raise CorpusError(f"{path}: unknown corpus type; use .csv or .jsonl")
    seen: dict[str, int] = {}
    for index, pair in enumerate(pairs):
        if pair.id in seen:
            problems.append(f"{path}: duplicate id {pair.id!r}")
        seen[pair.id] = index
    if problems:
        raise CorpusError(f"{path}: {len(problems)} bad row(s)", problems)
    if not pairs:
        raise CorpusError(f"{path}: the corpus has no Q&A pairs")
    return pairs
