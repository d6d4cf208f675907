"""``StaffStore`` on SQLAlchemy (the product's one database: SQLite by default, PostgreSQL at
scale). Tables ``console_staff``, ``console_sessions``, ``console_claims`` (one row per claimed
ticket: its primary key is what makes two agents' claims exclusive, in any database) and
``console_audit``; created if missing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Boolean, DateTime, Engine, Integer, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from console.staff_store import AuditEntry, Claim, Role, StaffAccount, StaffSession
from shopdesk.clock import aware
from shopdesk.errors import ConflictError, InvalidRequestError, StoreUnavailableError

T = TypeVar("T")


class StaffBase(DeclarativeBase):
    pass


class StaffRow(StaffBase):
    __tablename__ = "console_staff"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionRow(StaffBase):
    __tablename__ = "console_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ClaimRow(StaffBase):
    __tablename__ = "console_claims"
    ticket: Mapped[str] = mapped_column(String(20), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SuggestionRow(StaffBase):
    __tablename__ = "console_suggestions"
    pair_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    shown: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[int] = mapped_column(Integer, default=0)


class AuditRow(StaffBase):
    __tablename__ = "console_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


def _opt(value: datetime | None) -> datetime | None:
    return aware(value) if value is not None else None


def _account(row: StaffRow) -> StaffAccount:
    return StaffAccount(row.id, row.username, row.name, Role(row.role), row.password_hash,
                        _opt(row.created_at), bool(row.disabled))


def _session(row: SessionRow) -> StaffSession:
    return StaffSession(row.token_hash, row.account_id, row.csrf, _opt(row.created_at),
                        _opt(row.expires_at), _opt(row.last_seen_at))


class SqlStaffStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_schema(self) -> None:
        self._run(lambda _s: StaffBase.metadata.create_all(self._engine))

    @contextmanager
    def _session_scope(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _run(self, work: Callable[[Session], T]) -> T:
        try:
            with self._session_scope() as session:
                return work(session)
        except OperationalError as e:
            raise StoreUnavailableError(f"staff database unavailable: {type(e.orig).__name__}") \
                from e
        except (ConflictError, InvalidRequestError):
            raise
        except IntegrityError:
            raise
        except SQLAlchemyError as e:
            raise StoreUnavailableError(f"staff database error: {type(e).__name__}") from e

    def add_account(self, account: StaffAccount) -> StaffAccount:
        def work(s: Session) -> StaffAccount:
            s.add(StaffRow(id=account.id, username=account.username, name=account.name,
                           role=account.role.value, password_hash=account.password_hash,
                           created_at=account.created_at, disabled=account.disabled))
            s.flush()
            return account
        try:
            return self._run(work)
        except IntegrityError:
            raise InvalidRequestError(f"the username {account.username!r} is taken") from None

    def account(self, account_id: str) -> StaffAccount | None:
        return self._run(lambda s: (lambda r: _account(r) if r else None)(
            s.get(StaffRow, account_id)))

    def account_by_username(self, username: str) -> StaffAccount | None:
        return self._run(lambda s: (lambda r: _account(r) if r else None)(
            s.scalar(select(StaffRow).where(StaffRow.username == username))))

    def accounts(self) -> list[StaffAccount]:
        return self._run(lambda s: [_account(r) for r in
                                    s.scalars(select(StaffRow).order_by(StaffRow.username))])

    def update_account(self, account: StaffAccount) -> StaffAccount:
        def work(s: Session) -> StaffAccount:
            s.execute(update(StaffRow).where(StaffRow.id == account.id).values(
                name=account.name, role=account.role.value, password_hash=account.password_hash,
                disabled=account.disabled))
            return account
        return self._run(work)

    def add_session(self, session: StaffSession) -> None:
        self._run(lambda s: s.add(SessionRow(
            token_hash=session.token_hash, account_id=session.account_id, csrf=session.csrf,
            created_at=session.created_at, expires_at=session.expires_at,
            last_seen_at=session.last_seen_at)))

    def session(self, token_hash: str) -> StaffSession | None:
        return self._run(lambda s: (lambda r: _session(r) if r else None)(
            s.get(SessionRow, token_hash)))

    def touch_session(self, token_hash: str, at: datetime) -> None:
        self._run(lambda s: s.execute(update(SessionRow).where(
            SessionRow.token_hash == token_hash).values(last_seen_at=at)))

    def delete_session(self, token_hash: str) -> None:
        self._run(lambda s: s.execute(delete(SessionRow).where(
            SessionRow.token_hash == token_hash)))

    def delete_sessions_of(self, account_id: str) -> int:
        return self._run(lambda s: int(s.execute(delete(SessionRow).where(
            SessionRow.account_id == account_id)).rowcount or 0))

    def delete_expired_sessions(self, now: datetime) -> int:
        return self._run(lambda s: int(s.execute(delete(SessionRow).where(
            SessionRow.expires_at <= now)).rowcount or 0))

    def claim(self, ticket: str, account_id: str, at: datetime) -> Claim:
        def work(s: Session) -> Claim:
            s.add(ClaimRow(ticket=ticket, account_id=account_id, claimed_at=at))
            s.flush()  # the primary key decides, whoever comes first
            return Claim(ticket, account_id, at)
        try:
            return self._run(work)
        except IntegrityError:
            held = self.claims().get(ticket)
            if held is not None and held.account_id == account_id:
                return held
            raise ConflictError(f"ticket {ticket} is claimed by someone else") from None

    def claims(self) -> dict[str, Claim]:
        return self._run(lambda s: {r.ticket: Claim(r.ticket, r.account_id, aware(r.claimed_at))
                                    for r in s.scalars(select(ClaimRow))})

    def release(self, ticket: str) -> None:
        self._run(lambda s: s.execute(delete(ClaimRow).where(ClaimRow.ticket == ticket)))

    def audit(self, entry: AuditEntry) -> None:
        self._run(lambda s: s.add(AuditRow(
            at=entry.at, account_id=entry.account_id, username=entry.username,
            action=entry.action, target=entry.target[:200], detail=entry.detail[:2000])))

    def audit_log(self, limit: int = 200, account_id: str | None = None) -> list[AuditEntry]:
        def work(s: Session) -> list[AuditEntry]:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if account_id is not None:
                query = query.where(AuditRow.account_id == account_id)
            return [AuditEntry(aware(r.at), r.account_id, r.username, r.action, r.target,
                               r.detail) for r in s.scalars(query)]
        return self._run(work)

    def count_suggestion(self, pair_id: str, used: bool) -> None:
        def work(s: Session) -> None:
            changed = s.execute(update(SuggestionRow).where(SuggestionRow.pair_id == pair_id)
                                .values(shown=SuggestionRow.shown + (0 if used else 1),
                                        used=SuggestionRow.used + (1 if used else 0)))
            if not changed.rowcount:
                s.add(SuggestionRow(pair_id=pair_id, shown=0 if used else 1,
                                    used=1 if used else 0))
        try:
            self._run(work)
        except IntegrityError:  # another process added the row first: count again
            self._run(work)

    def suggestion_counts(self) -> dict[str, tuple[int, int]]:
        return self._run(lambda s: {r.pair_id: (r.shown, r.used)
                                    for r in s.scalars(select(SuggestionRow))})

