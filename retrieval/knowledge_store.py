"""What the team adds to the knowledge between index builds, kept in the product's database:

- **gaps**: questions the bot could not answer, or answered with low confidence (the action
  server records them, redacted, with the customer's mood and the query's vector for grouping);
- **articles**: Q&A pairs a supervisor wrote or edited in the console and published — the
  action server lays them over the built index without a restart (``retrieval.live``);
- **agent answers**: what a person replied to what the customer had just said (the console
  records them; agent assist suggests them next time).

``KnowledgeStore`` has an in-memory and a SQL implementation (tables ``knowledge_gaps``,
``knowledge_articles``, ``knowledge_agent_answers``) and one contract test for both. Rows
that belong to a conversation carry its ``sender_id``, so erasing a customer removes them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy import Boolean, DateTime, Engine, Float, Integer, LargeBinary, String, Text, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from shopdesk.clock import aware
from shopdesk.errors import InvalidRequestError, StoreUnavailableError

T = TypeVar("T")
MAX_QUESTION = 500
MAX_ANSWER = 4000


@dataclass(frozen=True)
class KnowledgeGap:
    id: int
    asked_at: datetime
    question: str  # redacted
    kind: str  # "no_answer", "suggest" (only close questions offered) or "low_confidence"
    confidence: float
    nearest_id: str  # the best candidate pair, "" when there was none
    mood: float  # the conversation's mood when it was asked (-1 … 1)
    channel: str
    sender_id: str
    vector: bytes = b""  # float16 query embedding ("" without the hybrid index)
    resolved_by: str | None = None  # the article that answers it, "" when dismissed
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Article:
    id: str  # a new id, or the id of the corpus pair it replaces
    question: str
    answer: str
    category: str
    author: str
    updated_at: datetime
    revision: int = 0
    retired: bool = False

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "question": self.question, "answer": self.answer,
                "category": self.category, "author": self.author,
                "updated_at": self.updated_at.isoformat(), "revision": self.revision,
                "retired": self.retired}


@dataclass(frozen=True)
class AgentAnswer:
    id: int
    at: datetime
    asked: str  # what the customer had said, redacted
    answer: str  # what the person replied, redacted
    staff: str
    sender_id: str


def check_article(question: str, answer: str, category: str) -> tuple[str, str, str]:
    """The article's fields, tidied; InvalidRequestError saying what is wrong."""
    if not all(isinstance(x, str) for x in (question, answer, category)):
        raise InvalidRequestError("question, answer and category must be text")
    question, answer = " ".join(question.split()), answer.replace("\x00", "").strip()
    category = " ".join(category.split())[:60]
    if not 5 <= len(question) <= MAX_QUESTION:
        raise InvalidRequestError(f"Write the question in 5 to {MAX_QUESTION} characters.")
    if not 10 <= len(answer) <= MAX_ANSWER:
        raise InvalidRequestError(f"Write the answer in 10 to {MAX_ANSWER} characters.")
    return question, answer, category


class KnowledgeStore(Protocol):
    def record_gap(self, gap: KnowledgeGap) -> KnowledgeGap: ...

    def gaps(self, open_only: bool = True, limit: int = 2000) -> list[KnowledgeGap]:
        """The most recent first."""
        ...

    def resolve_gaps(self, ids: Iterable[int], article_id: str, at: datetime) -> int:
        """Mark gaps answered by ``article_id`` ("" = dismissed); returns how many changed."""
        ...

    def publish(self, article: Article) -> Article:
        """Insert or replace the article by id; it gets the next revision and is live again."""
        ...

    def retire(self, article_id: str, at: datetime) -> Article: ...

    def articles(self, include_retired: bool = False) -> list[Article]:
        """By id."""
        ...

    def version(self) -> str:
        """Changes whenever an article is published or retired (cheap to ask often)."""
        ...

    def record_agent_answer(self, answer: AgentAnswer) -> AgentAnswer: ...

    def agent_answers(self, limit: int = 5000) -> list[AgentAnswer]:
        """The most recent first."""
        ...


class InMemoryKnowledgeStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gaps: list[KnowledgeGap] = []
        self._articles: dict[str, Article] = {}
        self._answers: list[AgentAnswer] = []
        self._revision = 0

    def record_gap(self, gap: KnowledgeGap) -> KnowledgeGap:
        with self._lock:
            stored = replace(gap, id=len(self._gaps) + 1)
            self._gaps.append(stored)
            return stored

    def gaps(self, open_only: bool = True, limit: int = 2000) -> list[KnowledgeGap]:
        with self._lock:
            found = [g for g in self._gaps if not open_only or g.resolved_by is None]
        return sorted(found, key=lambda g: (-g.asked_at.timestamp(), -g.id))[:limit]

    def resolve_gaps(self, ids: Iterable[int], article_id: str, at: datetime) -> int:
        wanted, changed = set(ids), 0
        with self._lock:
            for i, gap in enumerate(self._gaps):
                if gap.id in wanted and gap.resolved_by is None:
                    self._gaps[i] = replace(gap, resolved_by=article_id, resolved_at=at)
                    changed += 1
        return changed

    def publish(self, article: Article) -> Article:
        with self._lock:
            self._revision += 1
            stored = replace(article, revision=self._revision, retired=False)
            self._articles[article.id] = stored
            return stored

    def retire(self, article_id: str, at: datetime) -> Article:
        with self._lock:
            article = self._articles.get(article_id)
            if article is None:
                raise InvalidRequestError(f"There is no published article {article_id[:40]!r}.")
            self._revision += 1
            stored = replace(article, retired=True, updated_at=at, revision=self._revision)
            self._articles[article_id] = stored
            return stored

    def articles(self, include_retired: bool = False) -> list[Article]:
        with self._lock:
            return [a for _, a in sorted(self._articles.items()) if include_retired or not a.retired]

    def version(self) -> str:
        with self._lock:
            return f"{len(self._articles)}:{self._revision}"

    def record_agent_answer(self, answer: AgentAnswer) -> AgentAnswer:
        with self._lock:
            stored = replace(answer, id=len(self._answers) + 1)
            self._answers.append(stored)
            return stored

    def agent_answers(self, limit: int = 5000) -> list[AgentAnswer]:
        with self._lock:
            return sorted(self._answers, key=lambda a: (-a.at.timestamp(), -a.id))[:limit]


class KnowledgeBase(DeclarativeBase):
    pass


class GapRow(KnowledgeBase):
    __tablename__ = "knowledge_gaps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    question: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    nearest_id: Mapped[str] = mapped_column(String(200))
    mood: Mapped[float] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(40))
    sender_id: Mapped[str] = mapped_column(String(255), index=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ArticleRow(KnowledgeBase):
    __tablename__ = "knowledge_articles"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(60))
    author: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(Integer, index=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class AgentAnswerRow(KnowledgeBase):
    __tablename__ = "knowledge_agent_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    asked: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    staff: Mapped[str] = mapped_column(String(120))
    sender_id: Mapped[str] = mapped_column(String(255), index=True)


def _gap(r: GapRow) -> KnowledgeGap:
    return KnowledgeGap(r.id, aware(r.asked_at), r.question, r.kind, r.confidence, r.nearest_id,
                        r.mood, r.channel, r.sender_id, bytes(r.vector or b""), r.resolved_by,
                        aware(r.resolved_at) if r.resolved_at else None)


def _article(r: ArticleRow) -> Article:
    return Article(r.id, r.question, r.answer, r.category, r.author, aware(r.updated_at),
                   r.revision, bool(r.retired))


class SqlKnowledgeStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_schema(self) -> None:
        self._run(lambda _s: KnowledgeBase.metadata.create_all(self._engine))

    def _run(self, work: Callable[[Session], T]) -> T:
        try:
            with self._sessions.begin() as session:
                return work(session)
        except SQLAlchemyError as e:
            raise StoreUnavailableError(f"knowledge store error: {type(e).__name__}") from e

    def record_gap(self, gap: KnowledgeGap) -> KnowledgeGap:
        def work(s: Session) -> KnowledgeGap:
            row = GapRow(asked_at=gap.asked_at, question=gap.question[:MAX_QUESTION],
                         kind=gap.kind, confidence=gap.confidence, nearest_id=gap.nearest_id[:200],
                         mood=gap.mood, channel=gap.channel[:40], sender_id=gap.sender_id[:255],
                         vector=gap.vector, resolved_by=gap.resolved_by,
                         resolved_at=gap.resolved_at)
            s.add(row)
            s.flush()
            return replace(gap, id=row.id)
        return self._run(work)

    def gaps(self, open_only: bool = True, limit: int = 2000) -> list[KnowledgeGap]:
        def work(s: Session) -> list[KnowledgeGap]:
            query = select(GapRow).order_by(GapRow.asked_at.desc(), GapRow.id.desc()).limit(limit)
            if open_only:
                query = query.where(GapRow.resolved_by.is_(None))
            return [_gap(r) for r in s.scalars(query)]
        return self._run(work)

    def resolve_gaps(self, ids: Iterable[int], article_id: str, at: datetime) -> int:
        wanted = sorted({int(i) for i in ids})

        def work(s: Session) -> int:
            rows = s.scalars(select(GapRow).where(GapRow.id.in_(wanted),
                                                  GapRow.resolved_by.is_(None))).all()
            for row in rows:
                row.resolved_by, row.resolved_at = article_id, at
            return len(rows)
        return self._run(work) if wanted else 0

    def publish(self, article: Article) -> Article:
        def work(s: Session) -> Article:
            revision = int(s.scalar(select(func.max(ArticleRow.revision))) or 0) + 1
            row = s.get(ArticleRow, article.id)
            if row is None:
                row = ArticleRow(id=article.id)
                s.add(row)
            row.question, row.answer, row.category = article.question, article.answer, article.category
            row.author, row.updated_at = article.author, article.updated_at
            row.revision, row.retired = revision, False
            return replace(article, revision=revision, retired=False)
        return self._run(work)

    def retire(self, article_id: str, at: datetime) -> Article:
        def work(s: Session) -> Article:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise InvalidRequestError(f"There is no published article {article_id[:40]!r}.")
            row.revision = int(s.scalar(select(func.max(ArticleRow.revision))) or 0) + 1
            row.retired, row.updated_at = True, at
            return _article(row)
        return self._run(work)

    def articles(self, include_retired: bool = False) -> list[Article]:
        def work(s: Session) -> list[Article]:
            query = select(ArticleRow).order_by(ArticleRow.id)
            if not include_retired:
                query = query.where(ArticleRow.retired.is_(False))
            return [_article(r) for r in s.scalars(query)]
        return self._run(work)

    def version(self) -> str:
        def work(s: Session) -> str:
            count, top = s.execute(select(func.count(ArticleRow.id),
                                          func.max(ArticleRow.revision))).one()
            return f"{int(count or 0)}:{int(top or 0)}"
        return self._run(work)

    def record_agent_answer(self, answer: AgentAnswer) -> AgentAnswer:
        def work(s: Session) -> AgentAnswer:
            row = AgentAnswerRow(at=answer.at, asked=answer.asked[:2000], answer=answer.answer[:MAX_ANSWER],
                                 staff=answer.staff[:120], sender_id=answer.sender_id[:255])
            s.add(row)
            s.flush()
            return replace(answer, id=row.id)
        return self._run(work)

    def agent_answers(self, limit: int = 5000) -> list[AgentAnswer]:
        def work(s: Session) -> list[AgentAnswer]:
            rows = s.scalars(select(AgentAnswerRow).order_by(AgentAnswerRow.at.desc(),
                                                             AgentAnswerRow.id.desc()).limit(limit))
            return [AgentAnswer(r.id, aware(r.at), r.asked, r.answer, r.staff, r.sender_id)
                    for r in rows]
        return self._run(work)
