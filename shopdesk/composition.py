"""The composition root: builds every service from the settings, once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from commerce.repository import StoreRepository
from commerce.service import StoreService
from retrieval.answering import QuestionAnswerer
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
    pairs = load_corpus(settings.qa_corpus)
    logger.info("loaded %d Q&A pairs from %s", len(pairs), settings.qa_corpus.name)
    return Services(
        settings=settings,
        store=StoreService(repository),
        qa=QuestionAnswerer(KeywordRetriever(pairs)),
    )
