"""Turning retrieval hits into a decision: answer, offer choices, or admit there is none."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from retrieval.retriever import Hit, Retriever


class Decision(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class AnswerPolicy:
    """Score bands. Above ``answer_at`` the best pair is given; between the two the top
    three are offered as choices; below ``suggest_at`` the bot says it has no answer."""

    answer_at: float = 0.45
    suggest_at: float = 0.2
    max_suggestions: int = 3


@dataclass(frozen=True)
class QAResult:
    decision: Decision
    hits: tuple[Hit, ...]


class QuestionAnswerer:
    def __init__(self, retriever: Retriever, policy: AnswerPolicy | None = None) -> None:
        self._retriever = retriever
        self.policy = policy or AnswerPolicy()

    def answer(self, question: str) -> QAResult:
        hits = self._retriever.search(question, k=self.policy.max_suggestions)
        if not hits or hits[0].score < self.policy.suggest_at:
            return QAResult(Decision.NO_ANSWER, ())
        if hits[0].score >= self.policy.answer_at:
            return QAResult(Decision.ANSWER, (hits[0],))
        good = tuple(h for h in hits if h.score >= self.policy.suggest_at)
        return QAResult(Decision.SUGGEST, good)
