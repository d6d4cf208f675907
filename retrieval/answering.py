"""Turning retrieval hits into a decision: answer, offer choices, or admit there is none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from retrieval.corpus import QAPair
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
    # Candidates whose relevance is within this distance of the best one count as "both
    # relevant" and may be re-ordered (by mood, interests); the rest keep their place.
    rerank_window: float = 0.08
    # an answer given with a confidence under answer_at + this margin counts as low-confidence
    # (listed on the console's knowledge page for a supervisor to check)
    low_confidence_margin: float = 0.1


@dataclass(frozen=True)
class QAResult:
    decision: Decision
    hits: tuple[Hit, ...]
    # other candidates about as relevant as the answer, in ranked order (may be shown as options)
    alternatives: tuple[Hit, ...] = ()


class QuestionAnswerer:
    def __init__(self, retriever: Retriever, policy: AnswerPolicy | None = None) -> None:
        self._retriever = retriever
        self.policy = policy or AnswerPolicy()

    def pair(self, pair_id: str) -> QAPair | None:
        """A pair by id (e.g. a suggestion the customer clicked)."""
        if hasattr(self._retriever, "pair"):
            return self._retriever.pair(pair_id)
        pairs = getattr(self._retriever, "pairs", None) or []
        return next((p for p in pairs if p.id == pair_id), None)

    def answer(self, question: str,
               rerank: Callable[[list[Hit]], list[Hit]] | None = None) -> QAResult:
        """The decision for ``question``.

        The bands apply to the retriever's best candidate: is the question answerable at all,
        and confidently? ``rerank`` (the customer's mood and interests, ``sentiment.ranking``)
        then re-orders only the candidates whose relevance is within ``rerank_window`` of the
        best — "both relevant" — so it changes which of them is given first, never whether an
        irrelevant pair is given. Without ``rerank`` (or with a neutral one) nothing changes.
        """
        k = self.policy.max_suggestions if rerank is None else max(10, self.policy.max_suggestions)
        hits = self._retriever.search(question, k=k)
        if not hits or hits[0].score < self.policy.suggest_at:
            return QAResult(Decision.NO_ANSWER, ())
        top = hits[0]
        close = [top]
        if rerank is not None:
            close = rerank([h for h in hits if h.closeness >= top.closeness - self.policy.rerank_window])
        if top.score >= self.policy.answer_at:
            return QAResult(Decision.ANSWER, (close[0],),
                            tuple(close[1:self.policy.max_suggestions]))
        ordered = close + [h for h in hits if h not in close]
        good = tuple(h for h in ordered if h.score >= self.policy.suggest_at)
        return QAResult(Decision.SUGGEST, good[: self.policy.max_suggestions])
