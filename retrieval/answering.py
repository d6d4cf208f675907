"""Turning retrieval hits into a decision: answer, offer choices, or admit there is none."""

from __future__ import annotations

from collections.abc import Callable
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

    def answer(self, question: str,
               rerank: Callable[[list[Hit]], list[Hit]] | None = None) -> QAResult:
        """The decision for ``question``.

        ``rerank`` re-orders the candidates that are relevant enough to show (e.g. by the
        customer's mood and interests, see ``sentiment.ranking``); each candidate's own
        relevance still decides whether it may be given as the answer or only offered.
        """
        k = self.policy.max_suggestions if rerank is None else max(10, self.policy.max_suggestions)
        hits = self._retriever.search(question, k=k)
        shown = [h for h in hits if h.score >= self.policy.suggest_at]
        if not shown:
            return QAResult(Decision.NO_ANSWER, ())
        if rerank is not None:
            shown = rerank(shown)
        confident = [h for h in shown if h.score >= self.policy.answer_at]
        if confident:
            return QAResult(Decision.ANSWER, (confident[0],))
        return QAResult(Decision.SUGGEST, tuple(shown[: self.policy.max_suggestions]))
