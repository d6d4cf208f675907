"""From raw company data to clean Q&A pairs: import, validate, redact, de-duplicate.

Sources are Q&A corpus files (see ``retrieval.corpus``) and historical ticket
transcripts in JSON Lines, one ticket per line::

    {"ticket_id": "T-1001", "date": "2025-03-02", "category": "returns",
     "messages": [{"from": "customer", "text": "..."}, {"from": "agent", "text": "..."}]}

Each customer turn (consecutive customer messages joined) followed by the agent's
reply becomes a pair. Every bad line is reported with file and line number.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from retrieval.corpus import MAX_FIELD_CHARS, CorpusError, QAPair, load_corpus
from shopdesk.redact import redact

_NORMAL = re.compile(r"[a-z0-9]+")


class DuplicatePolicy(StrEnum):
    """Which pair survives when two questions are the same or nearly the same."""

    KEEP_NEWEST = "keep_newest"  # agents' newer answers supersede old ones
    KEEP_FIRST = "keep_first"


@dataclass(frozen=True)
class IngestReport:
    pairs: tuple[QAPair, ...]
    read: int
    exact_duplicates: int
    near_duplicates: int
    redacted: int


def load_tickets(path: Path) -> list[QAPair]:
    problems: list[str] = []
    pairs: list[QAPair] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 text (byte {e.start})") from e
    except OSError as e:
        raise CorpusError(f"{path}: cannot read: {e.strerror}") from e
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            ticket = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not valid JSON ({e.msg})")
            continue
        messages = ticket.get("messages") if isinstance(ticket, dict) else None
        if not isinstance(messages, list) or not isinstance(ticket.get("ticket_id"), str | int):
            problems.append(f"{where}: needs ticket_id and a list of messages")
            continue
        question: list[str] = []
        turn = 0
        for message in messages:
            if not isinstance(message, dict) or message.get("from") not in ("customer", "agent") \
                    or not isinstance(message.get("text"), str):
                problems.append(f"{where}: each message needs from (customer|agent) and text")
                break
            text = " ".join(message["text"].split())
            if message["from"] == "customer":
                question.append(text)
            elif question and text:
                turn += 1
                pairs.append(QAPair(
                    id=f"ticket-{ticket['ticket_id']}-{turn}",
                    question=" ".join(question)[:MAX_FIELD_CHARS], answer=text[:MAX_FIELD_CHARS],
                    category=str(ticket.get("category") or ""), source="ticket",
                    date=str(ticket.get("date") or "")))
                question = []
    if problems:
        raise CorpusError(f"{path}: {len(problems)} bad line(s)", problems)
    return pairs


def load_source(path: Path | str) -> list[QAPair]:
    path = Path(path)
    if path.name.endswith((".tickets.jsonl", ".tickets.ndjson")):
        return load_tickets(path)
    return load_corpus(path)


def _key(text: str) -> str:
    return " ".join(_NORMAL.findall(text.lower()))


def _redact_pair(pair: QAPair) -> QAPair:
    return dataclasses.replace(pair, question=redact(pair.question), answer=redact(pair.answer))


def deduplicate(pairs: list[QAPair], policy: DuplicatePolicy, near: float = 0.85
                ) -> tuple[list[QAPair], int, int]:
    """Drop exact and near-duplicate questions (word-set Jaccard >= ``near``)."""
    ordered = list(pairs)
    if policy is DuplicatePolicy.KEEP_NEWEST:
        ordered.sort(key=lambda p: p.date or "", reverse=True)
    kept: list[QAPair] = []
    seen_exact: set[str] = set()
    word_sets: list[frozenset[str]] = []
    postings: dict[str, list[int]] = defaultdict(list)
    exact = near_count = 0
    for pair in ordered:
        key = _key(pair.question)
        if key in seen_exact:
            exact += 1
            continue
        words = frozenset(key.split())
        candidates: set[int] = set()
        for word in words:
            candidates.update(postings.get(word, ())[:200])
        if words and any(
            len(words & word_sets[i]) / len(words | word_sets[i]) >= near for i in candidates
        ):
            near_count += 1
            continue
        seen_exact.add(key)
        for word in words:
            postings[word].append(len(kept))
        word_sets.append(words)
        kept.append(pair)
    return kept, exact, near_count


def ingest(sources: Iterable[Path | str],
           policy: DuplicatePolicy = DuplicatePolicy.KEEP_NEWEST) -> IngestReport:
    """Load every source, redact personal data, and de-duplicate.

    Raises:
        CorpusError: a source is missing or has bad rows (all of them are listed).
    """
    raw: list[QAPair] = []
    for source in sources:
        raw.extend(load_source(source))
    if not raw:
        raise CorpusError("no Q&A pairs in the given sources")
    redacted = [_redact_pair(p) for p in raw]
    changed = sum(1 for a, b in zip(raw, redacted, strict=True) if a != b)
    kept, exact, near_count = deduplicate(redacted, policy)
    return IngestReport(tuple(kept), len(raw), exact, near_count, changed)
