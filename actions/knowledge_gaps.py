"""Questions the bot could not answer (or answered with low confidence), kept for the console's
knowledge page: redacted, with the conversation's mood, channel and the query's embedding (so
the console can group them by meaning without loading a model)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa_sdk import Tracker

from actions.base import mood_of
from retrieval.answering import Decision, QAResult
from retrieval.knowledge_store import MAX_QUESTION, KnowledgeGap
from shopdesk.errors import StoreUnavailableError
from shopdesk.redact import redact

logger = logging.getLogger(__name__)


def gap_kind(result: QAResult, low_confidence_below: float) -> str | None:
    """"no_answer", "suggest", "low_confidence", or None for a confident answer."""
    if result.decision is Decision.NO_ANSWER:
        return "no_answer"
    if result.decision is Decision.SUGGEST:
        return "suggest"
    if result.hits and result.hits[0].score < low_confidence_below:
        return "low_confidence"
    return None


def note_gap(services: Any, tracker: Tracker, question: str, result: QAResult) -> None:
    store = services.knowledge
    if store is None or not question.strip() or question.lstrip().startswith("/"):
        return
    policy = services.qa.policy
    kind = gap_kind(result, policy.answer_at + policy.low_confidence_margin)
    if kind is None:
        return
    embedder = getattr(getattr(services.qa, "_retriever", None), "embedder", None)
    vector = b""
    if embedder is not None:
        try:
            vector = np.asarray(embedder.encode_query(question), dtype=np.float16).tobytes()
        except Exception as e:  # an encoder failure costs the grouping, not the reply
            logger.warning("no vector for a knowledge gap (%s)", type(e).__name__)
    top = result.hits[0] if result.hits else None
    try:
        store.record_gap(KnowledgeGap(
            0, services.clock(), redact(question)[:MAX_QUESTION], kind,
            round(top.score, 4) if top else 0.0, top.pair.id if top else "",
            mood_of(tracker), str(tracker.get_latest_input_channel() or ""), tracker.sender_id,
            vector))
    except StoreUnavailableError as e:
        logger.warning("knowledge gap not recorded (%s)", e)
