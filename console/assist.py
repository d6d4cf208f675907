"""Agent assist: reply suggestions while an agent works a conversation, and canned responses.

**Suggestions** come from the company's historical Q&A, the articles supervisors published in
the console, and **past agent answers** (what a person replied to what a customer had just
said, ``KnowledgeStore.agent_answers``; the most recent wording of each answer, at least 20
characters), searched with what the customer said last, and **ranked with the customer's mood**
by the same rule the bot uses (``sentiment.ranking``: relevance × interest × mood fit) — help
and remedies first for an upset customer, promotions last. The web app searches with the
keyword retriever (TF-IDF, no model to load into the web process); the agent edits a suggestion
before sending it.

**What agents do with them feeds back**: every suggestion shown and every one used is counted
(``StaffStore.count_suggestion``), and a pair's score is multiplied by its smoothed use rate,

    usage(shown, used) = 0.5 + (used + 1) / (shown + 2)        (1.0 with no history; 0.5 … 1.5)

so replies agents keep choosing rise, and ones they keep passing over sink — never by more than
half, so relevance and mood still lead.

**Canned responses** are the company's own wording with shortcuts
(``training_data/console/canned.yml``): ``/sorry`` in the reply box expands.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from retrieval.corpus import QAPair, load_corpus
from retrieval.keyword_retriever import KeywordRetriever
from retrieval.knowledge_store import AgentAnswer, KnowledgeStore
from retrieval.live import as_pair
from sentiment.ranking import RankingConfig, mood_affinity, rank
from shopdesk.errors import ConfigError, StoreUnavailableError
from shopdesk.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)
CANNED = PROJECT_ROOT / "training_data/console/canned.yml"


@dataclass(frozen=True)
class Suggestion:
    id: str
    question: str
    answer: str
    relevance: float
    fit: float
    remedy: bool
    source: str = "help centre"  # "help centre", "published" (console) or "agent answer"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "answer": self.answer,
                "relevance": round(self.relevance, 3), "fit": round(self.fit, 3),
                "remedy": self.remedy, "source": self.source}


MIN_AGENT_ANSWER = 20
SOURCES = {"console": "published", "agent": "agent answer"}


def agent_pairs(answers: list[AgentAnswer]) -> list[QAPair]:
    """Past agent answers as Q&A pairs: the newest wording of each distinct answer."""
    pairs, seen = [], set()
    for a in answers:  # newest first
        key = " ".join(a.answer.lower().split())
        if len(key) < MIN_AGENT_ANSWER or not a.asked.strip() or key in seen:
            continue
        seen.add(key)
        pairs.append(QAPair(f"agent-{a.id}", a.asked, a.answer, "agent answer", source="agent",
                            date=a.at.date().isoformat()))
    return pairs


class Assistant:
    def __init__(self, settings: Settings, canned_path: Path = CANNED,
                 knowledge: KnowledgeStore | None = None, check_every: float = 5.0) -> None:
        self.corpus = load_corpus(settings.qa_corpus)
        self._knowledge = knowledge
        self._check_every = check_every
        self._checked = float("-inf")
        self._version: tuple[str, tuple[int, ...]] | None = None
        self._retriever = KeywordRetriever(self.corpus)
        self._config = RankingConfig(remedy_weight=settings.ranking.get("remedy_weight", 0.6),
                                     promo_weight=settings.ranking.get("promo_weight", 0.2))
        self.canned = load_canned(canned_path)

    def refresh(self, force: bool = False) -> KeywordRetriever:
        """The search over the corpus, the published articles and past agent answers; built
        again when either changed (checked at most every ``check_every`` seconds). An answer
        that disappeared counts as a change (an erased customer's answers leave the suggestions
        at the next check), so the answers are compared by all their ids, not the newest one."""
        now = time.monotonic()
        if self._knowledge is None or (not force and now - self._checked < self._check_every):
            return self._retriever
        self._checked = now
        try:
            answers = self._knowledge.agent_answers(limit=2000)
            version = (self._knowledge.version(), tuple(a.id for a in answers))
            if version != self._version:
                articles = self._knowledge.articles()
                replaced = {a.id for a in articles}
                self._retriever = KeywordRetriever(
                    [p for p in self.corpus if p.id not in replaced]
                    + [as_pair(a) for a in articles] + agent_pairs(answers))
                self._version = version
        except StoreUnavailableError as e:
            logger.warning("agent assist: knowledge store unavailable (%s)", e)
        return self._retriever

    def pair(self, pair_id: str) -> QAPair | None:
        """A pair of the corpus, a published article or an agent answer, by id."""
        return next((p for p in self.refresh().pairs if p.id == pair_id), None)

    def search(self, text: str, k: int = 10) -> list[QAPair]:
        return [h.pair for h in self.refresh().search(text, k=k)]

    def suggest(self, customer_said: list[str], mood: float | None, k: int = 3,
                usage_counts: dict[str, tuple[int, int]] | None = None) -> list[Suggestion]:
        query = " ".join(customer_said[-3:])[-1000:]
        if not query.strip():
            return []
        hits = [h for h in self.refresh().search(query, k=10) if h.score > 0.05]
        counts = usage_counts or {}
        ranked = sorted(rank(hits, mood or 0.0, None, self._config),
                        key=lambda s: -s.final * usage(*counts.get(s.hit.pair.id, (0, 0))))
        return [Suggestion(s.hit.pair.id, s.hit.pair.question, s.hit.pair.answer, s.relevance,
                           s.fit, mood_affinity(s.hit.pair) > 0,
                           SOURCES.get(s.hit.pair.source, "help centre")) for s in ranked[:k]]


def usage(shown: int, used: int) -> float:
    """How much agents' past choices lift (or lower) a suggestion: 1.0 without history."""
    return min(1.5, max(0.5, 0.5 + (used + 1) / (max(shown, used) + 2)))


def load_canned(path: Path) -> list[dict[str, str]]:
    """The canned responses; ConfigError naming the file for anything malformed."""
    if not path.is_file():
        return []
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({e.__class__.__name__})") from None
    canned = []
    for i, item in enumerate(items if isinstance(items, list) else [None]):
        if not (isinstance(item, dict) and isinstance(item.get("shortcut"), str)
                and item["shortcut"].startswith("/") and isinstance(item.get("text"), str)):
            raise ConfigError(f"{path}: entry {i + 1} needs a 'shortcut' starting with / and a "
                              "'text'")
        canned.append({"shortcut": item["shortcut"].strip(), "text": item["text"].strip()})
    return canned
