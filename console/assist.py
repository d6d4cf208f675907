"""Agent assist: reply suggestions while an agent works a conversation, and canned responses.

**Suggestions** come from the company's historical Q&A, searched with what the customer said
last, and **ranked with the customer's mood** by the same rule the bot uses
(``sentiment.ranking``: relevance × interest × mood fit) — help and remedies first for an upset
customer, promotions last. The web app searches with the keyword retriever (TF-IDF, no model to
load into the web process); the agent edits a suggestion before sending it.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from retrieval.corpus import load_corpus
from retrieval.keyword_retriever import KeywordRetriever
from sentiment.ranking import RankingConfig, mood_affinity, rank
from shopdesk.errors import ConfigError
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

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "answer": self.answer,
                "relevance": round(self.relevance, 3), "fit": round(self.fit, 3),
                "remedy": self.remedy}


class Assistant:
    def __init__(self, settings: Settings, canned_path: Path = CANNED) -> None:
        self._retriever = KeywordRetriever(load_corpus(settings.qa_corpus))
        self._config = RankingConfig(remedy_weight=settings.ranking.get("remedy_weight", 0.6),
                                     promo_weight=settings.ranking.get("promo_weight", 0.2))
        self.canned = load_canned(canned_path)

    def suggest(self, customer_said: list[str], mood: float | None, k: int = 3,
                usage_counts: dict[str, tuple[int, int]] | None = None) -> list[Suggestion]:
        query = " ".join(customer_said[-3:])[-1000:]
        if not query.strip():
            return []
        hits = [h for h in self._retriever.search(query, k=10) if h.score > 0.05]
        counts = usage_counts or {}
        ranked = sorted(rank(hits, mood or 0.0, None, self._config),
                        key=lambda s: -s.final * usage(*counts.get(s.hit.pair.id, (0, 0))))
        return [Suggestion(s.hit.pair.id, s.hit.pair.question, s.hit.pair.answer, s.relevance,
                           s.fit, mood_affinity(s.hit.pair) > 0) for s in ranked[:k]]


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
