"""The composition root: builds every service from the settings, once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from commerce.repository import StoreRepository
from commerce.service import StoreService
from retrieval.answering import AnswerPolicy, QuestionAnswerer
from retrieval.corpus import load_corpus
from retrieval.keyword_retriever import KeywordRetriever
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: StoreService
    qa: QuestionAnswerer


def build_services(settings: Settings, repository: StoreRepository | None = None) -> Services:
    """Build the real services (SQL store, corpus retriever) for the given settings."""
    if repository is None:
        from commerce.seed import seed_database
        from commerce.sql_repository import SqlStoreRepository
        from shopdesk.database import make_engine

        engine = make_engine(settings.database_url)
        if seed_database(engine):
            logger.info("store database was empty: loaded the demo store's seed data")
        repository = SqlStoreRepository(engine)
    return Services(settings=settings, store=StoreService(repository), qa=build_answerer(settings))


def build_answerer(settings: Settings) -> QuestionAnswerer:
    """The hybrid retriever over the built index; keyword search if the index is unusable."""
    if settings.retriever == "hybrid":
        from retrieval.embedders import MiniLmEmbedder
        from retrieval.index_store import IndexError_, load_retriever, load_tuning
        from retrieval.preprocess import SpacyPreprocessor

        try:
            retriever = load_retriever(settings.index_dir, SpacyPreprocessor(), MiniLmEmbedder(),
                                       [settings.qa_corpus])
            retriever.embedder.warm_up()
            retriever.embedder.encode_query("warm up")
            retriever.preprocessor.terms("warm up")
            thresholds = load_tuning()[2]
            policy = AnswerPolicy(**thresholds) if thresholds else AnswerPolicy(0.5, 0.25)
            logger.info("answering from the hybrid index (%d pairs)", len(retriever.pairs))
            return QuestionAnswerer(retriever, policy)
        except IndexError_ as e:
            logger.error("the Q&A index cannot be used (%s); falling back to keyword search", e)
    pairs = load_corpus(settings.qa_corpus)
    logger.info("answering with keyword search over %d Q&A pairs", len(pairs))
    return QuestionAnswerer(KeywordRetriever(pairs))
