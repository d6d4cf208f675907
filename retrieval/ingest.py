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
    """Which pair survives when two pairs say the same thing (same question, same answer)."""

    KEEP_NEWEST = "keep_newest"  # the newer wording of the answer is kept
    KEEP_FIRST = "keep_first"


@dataclass(frozen=True)
class Dropped:
    """A pair left out of the index, and why: it repeats ``kept`` (question and answer)."""

    id: str
    kept: str
    reason: str


@dataclass(frozen=True)
class IngestReport:
    pairs: tuple[QAPair, ...]
    read: int
    exact_duplicates: int
    near_duplicates: int
    redacted: int
    dropped: tuple[Dropped, ...] = ()


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


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def deduplicate(pairs: list[QAPair], policy: DuplicatePolicy, near: float = 0.85
                ) -> tuple[list[QAPair], list[Dropped]]:
    """Drop pairs that repeat another pair: the same or a nearly the same question (word-set
    Jaccard >= ``near``) **and** the same or nearly the same answer. Questions that look alike
    but are answered differently are all kept: each answer stays reachable.

    Returns:
        the kept pairs (in the policy's order) and what was dropped, naming the pair kept.
    """
    ordered = list(pairs)
    if policy is DuplicatePolicy.KEEP_NEWEST:
        ordered.sort(key=lambda p: p.date or "", reverse=True)
    kept: list[QAPair] = []
    questions: list[frozenset[str]] = []
    answers: list[frozenset[str]] = []
    postings: dict[str, list[int]] = defaultdict(list)
    dropped: list[Dropped] = []
    for pair in ordered:
        q_key, a_key = _key(pair.question), _key(pair.answer)
        words, answer_words = frozenset(q_key.split()), frozenset(a_key.split())
        candidates: set[int] = set()
        for word in words:
            candidates.update(postings.get(word, ())[:200])
        twin = None
        for i in sorted(candidates):
            same_q = _jaccard(words, questions[i])
            if same_q >= near and _jaccard(answer_words, answers[i]) >= near:
                twin = (i, same_q)
                break
        if twin is not None:
            i, same_q = twin
            how = "the same question" if same_q == 1.0 else f"a near-identical question ({same_q:.2f})"
            dropped.append(Dropped(pair.id, kept[i].id, f"{how} with the same answer"))
            continue
        for word in words:
            postings[word].append(len(kept))
        questions.append(words)
        answers.append(answer_words)
        kept.append(pair)
    return kept, dropped


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
    kept, dropped = deduplicate(redacted, policy)
    exact = sum(1 for d in dropped if d.reason.startswith("the same question"))
    return IngestReport(tuple(kept), len(raw), exact, len(dropped) - exact, changed, tuple(dropped))
