"""The sentiment service the actions use: score a turn, update the mood, rank, word replies."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from retrieval.retriever import Hit
from sentiment.batcher import MicroBatcher, VectorCache
from sentiment.frustration import FrustrationHead
from sentiment.model import NEUTRAL_RESULT, SentimentModel, SentimentResult
from sentiment.mood import MoodConfig, MoodState, update
from sentiment.ranking import RankingConfig, reranker
from sentiment.signals import FrustrationSignals, detect

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnMood:
    result: SentimentResult
    signals: FrustrationSignals
    state: MoodState

    def record(self) -> dict[str, Any]:
        """What is stored with the conversation for this turn (the ``sentiment`` slot)."""
        return {**self.result.to_dict(), "turn": self.state.turn,
                "mood": round(self.state.mood, 4), "frustration": round(self.state.frustration, 4),
                "signals": self.signals.names(), "tone": str(self.state.tone),
                "escalate": self.state.escalate, "reasons": list(self.state.reasons)}


@dataclass
class SentimentService:
    model: SentimentModel
    mood_config: MoodConfig = field(default_factory=MoodConfig)
    ranking_config: RankingConfig = field(default_factory=RankingConfig)
    vectors: VectorCache = field(default_factory=VectorCache)
    batcher: MicroBatcher | None = None
    frustration: FrustrationHead | None = None  # learned detector over the shared vector

    def __post_init__(self) -> None:
        if self.batcher is None:
            self.batcher = MicroBatcher(self.model, vectors=self.vectors)

    def score(self, text: str) -> SentimentResult:
        assert self.batcher is not None
        return self.batcher.score(text)

    def observe(self, text: str, earlier: Sequence[str], previous: Any) -> TurnMood:
        """Score one customer message and move the conversation's mood on by one turn.

        ``previous`` is the stored mood state (anything malformed starts afresh).
        """
        state = MoodState.from_slot(previous)
        if not isinstance(text, str) or not text.strip():
            return TurnMood(NEUTRAL_RESULT, FrustrationSignals(), state)
        result = self.score(text)
        signals = detect(text, earlier)
        if self.frustration is not None and self.frustration.frustrated(self.vectors.get(text)):
            signals = replace(signals, sounds_frustrated=True)
        # An unsure model moves the mood less than a confident one.
        weight = 0.5 + 0.5 * result.confidence
        new_state = update(state, result.score * weight, signals, self.mood_config)
        return TurnMood(result, signals, new_state)

    def rerank(self, mood: float, interests: Mapping[str, float] | None = None
               ) -> Callable[[list[Hit]], list[Hit]]:
        return reranker(mood, interests, self.ranking_config)
