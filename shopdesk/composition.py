"""The composition root: builds every service from the settings, once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from commerce.repository import StoreRepository
from commerce.service import StoreService
from profiles.service import ProfileService
from retrieval.answering import AnswerPolicy, QuestionAnswerer
from retrieval.corpus import load_corpus
from retrieval.keyword_retriever import KeywordRetriever
from retrieval.knowledge_store import KnowledgeStore
from sentiment.alert_monitor import AlertMonitor
from sentiment.service import SentimentService
from shopdesk.clock import Clock, system_clock
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """Everything an action or handler needs; ``clock`` is the one clock they all share."""

    settings: Settings
    store: StoreService
    qa: QuestionAnswerer
    clock: Clock
    sentiment: SentimentService = field(default_factory=lambda: default_sentiment())
    profiles: ProfileService = field(default_factory=lambda: ProfileService(None))
    alerts: AlertMonitor | None = None
    # questions the bot could not answer, and the articles supervisors published (console)
    knowledge: KnowledgeStore | None = None


def default_sentiment() -> SentimentService:
    """The VADER lexicon behind the sentiment service: no model to load (tests, fallback)."""
    from sentiment.model import VaderSentiment

    return SentimentService(VaderSentiment())


def build_store(settings: Settings, clock: Clock) -> StoreService:
    """The store on its SQL database (seeded with the demo store when empty), or on the
    company's Shopify or WooCommerce store (``SHOPDESK_STORE``) with our support records
    (handoffs, feedback, ratings, photos) still in the SQL database."""
    return StoreService(build_store_repository(settings, clock), clock)


def build_store_repository(settings: Settings, clock: Clock) -> StoreRepository:
    from commerce.seed import seed_database
    from commerce.sql_repository import SqlStoreRepository
    from shopdesk.database import make_engine

    engine = make_engine(settings.database_url)
    backend = settings.store_backend
    if backend.kind == "sql":
        if seed_database(engine, clock()):
            logger.info("store database was empty: loaded the demo store's seed data")
        return SqlStoreRepository(engine)
    support = SqlStoreRepository(engine)
    support.create_schema()
    if backend.kind == "shopify":
        from commerce import shopify_repository as shopify

        logger.info("orders come from the Shopify store at %s", backend.url)
        return shopify.ShopifyStoreRepository(shopify.make_http(backend, clock), support,
                                                 clock)
    from commerce import woocommerce_repository as woocommerce

    logger.info("orders come from the WooCommerce store at %s", backend.url)
    return woocommerce.WooCommerceStoreRepository(woocommerce.make_http(backend, clock), support,
                                                         clock)


def build_alerts(settings: Settings, clock: Clock) -> AlertMonitor:
    """The spike alerts: kept in the database for the console, posted to the webhook."""
    from sentiment.alert_monitor import WebhookNotifier
    from sentiment.alert_store import SqlAlertStore
    from sentiment.alerts import AlertSettings
    from shopdesk.database import make_engine

    store = SqlAlertStore(make_engine(settings.database_url))
    store.create_schema()
    webhook = settings.alert_webhook_url.reveal()
    notify = WebhookNotifier(webhook, settings.store_name) if webhook else None
    return AlertMonitor(clock, AlertSettings(**settings.alerts), notify=notify, store=store)


def build_services(settings: Settings, repository: StoreRepository | None = None,
                   clock: Clock = system_clock) -> Services:
    """Build the real services (SQL store, corpus retriever) for the given settings.

    ``clock`` is handed to every service that needs the time; the wall clock by default.
    """
    store = build_store(settings, clock) if repository is None else StoreService(repository, clock)
    knowledge = build_knowledge(settings)
    qa = build_answerer(settings, knowledge)
    alerts = build_alerts(settings, clock)
    return Services(settings=settings, store=store, qa=qa, clock=clock, alerts=alerts,
                    knowledge=knowledge,
                    sentiment=build_sentiment(settings, qa),
                    profiles=build_profiles(settings, clock, qa))


def build_profiles(settings: Settings, clock: Clock,
                   qa: QuestionAnswerer | None = None) -> ProfileService:
    """The profile store on the shared database (migrated to the latest schema), or none.

    Without ``SHOPDESK_PROFILE_KEY`` (or with ``SHOPDESK_PROFILES=off``) the bot runs without
    personalisation; if the database cannot be migrated now, the service degrades the same way.
    """
    if not settings.profiles:
        logger.info("profiles are switched off (SHOPDESK_PROFILES=off)")
        return ProfileService(None)
    if not settings.profile_key:
        logger.warning("SHOPDESK_PROFILE_KEY is not set: running without profiles")
        return ProfileService(None)
    from profiles.crypto import FieldCipher
    from profiles.migrate import upgrade
    from profiles.store import SqlProfileStore
    from shopdesk.database import make_engine

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    except Exception as e:  # database down at start-up: no personalisation, say so in the log
        logger.error("profile store unavailable (%s); running without personalisation", e)
        return ProfileService(None)
    store = SqlProfileStore(engine, FieldCipher(settings.profile_key.reveal()), clock)
    return ProfileService(store, clock, personaliser=build_personaliser(store, qa))


def build_personaliser(store: object, qa: QuestionAnswerer | None) -> object:
    """Suggestions over the Q&A articles, with the question embeddings the hybrid index already
    holds (or hashed bag-of-words vectors when the index is not in use)."""
    from profiles.personalise import Personaliser, article_items
    from retrieval.embedders import HashEmbedder

    retriever = getattr(qa, "_retriever", None)
    pairs = list(getattr(retriever, "pairs", []) or [])
    if not pairs:
        return None
    dense = getattr(retriever, "dense", None)
    if dense is not None and len(dense) == len(pairs):
        vectors = dense.vectors  # the index's question embeddings: nothing to encode again
    else:
        vectors = HashEmbedder().encode([p.question for p in pairs])
    return Personaliser(article_items(pairs), vectors, store)


def build_sentiment(settings: Settings, qa: QuestionAnswerer | None = None) -> SentimentService:
    """The transformer sentiment model, sharing the retrieval encoder when there is one.

    Sharing means one forward pass per message: the sentiment model computes the message's
    retrieval vector on the way and leaves it in a cache the query encoder reads first.
    """
    from sentiment.batcher import VectorCache
    from sentiment.model import VaderSentiment, load_model
    from sentiment.mood import MoodConfig
    from sentiment.ranking import RankingConfig

    mood = MoodConfig(**settings.mood)  # type: ignore[arg-type]
    ranking = RankingConfig(**settings.ranking)
    vectors = VectorCache()
    if settings.sentiment_model == "vader":
        return SentimentService(VaderSentiment(), mood, ranking, vectors)
    embedder = getattr(getattr(qa, "_retriever", None), "embedder", None)
    shared = getattr(embedder, "sentence_transformer", None)
    share = settings.sentiment_precision != "int8" and shared is not None
    model = load_model(settings.sentiment_precision, encoder=shared if share else None)
    if share and hasattr(embedder, "use_vector_cache") and not isinstance(model, VaderSentiment):
        embedder.use_vector_cache(vectors)
        logger.info("sentiment shares the retrieval encoder (one forward pass per message)")
    logger.info("sentiment model: %s", getattr(model, "name", type(model).__name__))
    from sentiment.frustration import FrustrationHead

    head = None if isinstance(model, VaderSentiment) else FrustrationHead.load()
    if head is None:
        logger.info("no learned frustration detector: frustration comes from the rule signals")
    return SentimentService(model, mood, ranking, vectors, frustration=head)


def build_knowledge(settings: Settings) -> KnowledgeStore | None:
    """The knowledge gaps and published articles in the product's database (None if it cannot
    be reached now: the bot answers from the built index alone and records no gaps)."""
    from retrieval.knowledge_store import SqlKnowledgeStore
    from shopdesk.database import make_engine
    from shopdesk.errors import StoreUnavailableError

    store = SqlKnowledgeStore(make_engine(settings.database_url))
    try:
        store.create_schema()
    except StoreUnavailableError as e:
        logger.error("knowledge store unavailable (%s); published articles are not used", e)
        return None
    return store


def build_answerer(settings: Settings, knowledge: KnowledgeStore | None = None) -> QuestionAnswerer:
    """The hybrid retriever over the built index; keyword search if the index is unusable. With
    a knowledge store, the articles published in the console are laid over it (no restart)."""
    from retrieval.live import LiveRetriever

    qa = _built_answerer(settings)
    if knowledge is not None:
        return QuestionAnswerer(LiveRetriever(qa._retriever, knowledge), qa.policy)  # type: ignore[arg-type]
    return qa


def _built_answerer(settings: Settings) -> QuestionAnswerer:
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
