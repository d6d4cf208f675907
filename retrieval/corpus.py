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

Other column names that mean the same are mapped automatically, case and spaces ignored
(``q``/``a``, ``Question``/``Answer``, ``title``/``body``, ``prompt``/``response``, … — see
:data:`COLUMN_NAMES`). Without an ``id`` column each pair gets a stable id from a hash of its
question. A file whose columns cannot be mapped is refused with the columns found and expected.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from shopdesk.errors import ShopdeskError

MAX_FIELD_CHARS = 20_000

# what each field may be called in a company's file (compared lower-case, without spaces/_/-)
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "qid", "faqid", "pairid", "questionid", "key"),
    "question": ("question", "questions", "q", "query", "title", "prompt", "faq", "ask",
                 "questiontext", "customerquestion", "input", "utterance"),
    "answer": ("answer", "answers", "a", "response", "reply", "body", "solution",
               "answertext", "agentanswer", "output", "content"),
    "category": ("category", "topic", "section", "group", "intent", "categories"),
    "tags": ("tags", "keywords", "labels"),
    "product": ("product", "sku", "item"),
    "source": ("source", "origin", "channel"),
    "date": ("date", "updated", "updatedat", "modified", "lastupdated", "createdat", "created"),
}


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def map_columns(found: list[str], where: str) -> dict[str, str]:
    """Our field -> the file's column, for the columns a file has.

    Raises:
        CorpusError: no question or answer column, or two columns that mean the same field.
    """
    mapping: dict[str, str] = {}
    for field, names in COLUMN_NAMES.items():
        matches = [c for c in found if _squash(c) in names]
        if len(matches) > 1:
            raise CorpusError(f"{where}: columns {', '.join(map(repr, matches))} all look like "
                              f"the {field!r} column; rename all but one")
        if matches:
            mapping[field] = matches[0]
    missing = [f for f in ("question", "answer") if f not in mapping]
    if missing:
        shown = ", ".join(repr(c) for c in found[:20]) or "none"
        raise CorpusError(
            f"{where}: no {' or '.join(missing)} column. Columns found: {shown}. Expected "
            "'question' and 'answer' (or q/a, title/body, prompt/response, …), optionally "
            "id, category, tags, product, source, date")
    return mapping


def _renamed(raw: dict[str, object], mapping: dict[str, str]) -> dict[str, object]:
    return {field: raw.get(column) for field, column in mapping.items()}


def _stable_id(stem: str, question: str, taken: set[str]) -> str:
    base = f"{stem}-{hashlib.sha1(question.encode()).hexdigest()[:10]}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


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
        content = path.read_text(encoding="utf-8-sig")  # a spreadsheet export may start with a BOM
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text (byte {e.start})") from e
    except OSError as e:
        raise CorpusError(f"{path}: cannot read: {e.strerror}") from e
    problems: list[str] = []
    pairs: list[QAPair] = []
    generated: set[str] = set()

    def add(raw: dict[str, object], mapping: dict[str, str], where: str) -> None:
        row = _renamed(raw, mapping)
        if "id" not in mapping and isinstance(row.get("question"), str | int | float):
            question = " ".join(str(row["question"]).split())
            row["id"] = _stable_id(path.stem, question, generated)
            generated.add(str(row["id"]))
        pair = _pair_from(row, where, problems)
        if pair:
            pairs.append(pair)

    if path.suffix.lower() == ".csv":
        try:
            header = content.split("\n", 1)[0]
            dialect = csv.Sniffer().sniff(header, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(content.splitlines(), dialect=dialect)
        if not reader.fieldnames:
            raise CorpusError(f"{path}:1: no header row (expected question, answer, …)")
        mapping = map_columns([c or "" for c in reader.fieldnames], f"{path}:1")
        for row in reader:
            add(row, mapping, f"{path}:{reader.line_num}")
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
            try:
                mapping = map_columns([str(k) for k in raw], f"{path}:{number}")
            except CorpusError as e:
                problems.append(str(e))
                continue
            add(raw, mapping, f"{path}:{number}")
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
