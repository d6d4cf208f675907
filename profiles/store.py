"""The shared user-profile store: the interface and its SQL implementation.

One customer, many channels: every identity (web session, e-mail, Slack/Telegram/Messenger/
WhatsApp id, order number) points at one customer row. Identity values and interaction texts
are encrypted (:mod:`profiles.crypto`); interaction texts are redacted before they are stored.

Concurrency: interest weights are added with one atomic upsert per call, new identities rely
on the unique (channel, lookup) constraint (a racing duplicate re-reads the winner), and merge
and erasure each run in one transaction, so parallel turns lose no update and nothing is left
half-merged or half-deleted. SQLite runs with WAL and a busy timeout; PostgreSQL is selected by
``SHOPDESK_DATABASE_URL``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from profiles.crypto import FieldCipher
from profiles.models import ConsentRow, CustomerRow, IdentityRow, InteractionRow, InterestRow, MoodRow
from profiles.records import (
    CONVERSATION_CHANNELS,
    PURPOSES,
    Consent,
    Export,
    Identity,
    Interaction,
    MoodPoint,
    check_customer_id,
    check_identity,
    check_topic,
    clip,
)
from shopdesk.clock import Clock
from shopdesk.clock import aware as _aware
from shopdesk.errors import InvalidRequestError, NotFoundError, StoreUnavailableError
from shopdesk.redact import redact

logger = logging.getLogger(__name__)


class ProfileStore(Protocol):
    def resolve(self, channel: str, value: str, verified: bool = False) -> str:
        """The customer this identity belongs to, created on first sight."""
        ...

    def find(self, channel: str, value: str) -> str | None: ...

    def link(self, customer_id: str, channel: str, value: str, verified: bool) -> str:
        """Attach an identity to ``customer_id``. If it already belongs to someone else and
        ``verified`` (the customer proved it: e-mail + order check), the two profiles are
        merged into ``customer_id``; unverified it is refused. Returns the surviving id."""
        ...

    def merge(self, source_id: str, target_id: str) -> str: ...

    def identities(self, customer_id: str) -> list[Identity]: ...

    def set_consent(self, customer_id: str, purpose: str, granted: bool, text_shown: str,
                    text_version: str, channel: str) -> None: ...

    def consent(self, customer_id: str, purpose: str = "personalisation") -> bool | None:
        """The latest decision, or None if the customer was never asked."""
        ...

    def add_interest(self, customer_id: str, topic: str, delta: float) -> None: ...

    def interests(self, customer_id: str) -> dict[str, float]: ...

    def log_interaction(self, customer_id: str, interaction: Interaction) -> None: ...

    def interactions(self, customer_id: str) -> list[Interaction]: ...

    def record_mood(self, customer_id: str, conversation: str, mood: float,
                    sentiment: float) -> None: ...

    def mood_history(self, customer_id: str) -> list[MoodPoint]: ...

    def feedback(self) -> list[tuple[str, str, float]]:
        """(customer, item, weight) implicit feedback of every consenting customer."""
        ...

    def export(self, customer_id: str) -> Export: ...

    def erase(self, customer_id: str) -> list[str]:
        """Delete everything about the customer; returns their conversation ids (so the
        caller can erase the dialogue engine's stored events too)."""
        ...

    def purge_before(self, cutoff: datetime) -> int:
        """Delete interactions and mood points older than ``cutoff``; returns rows deleted."""
        ...


FEEDBACK_WEIGHTS = {"up": 2.0, "clicked": 1.0, "shown": 0.0, "down": -1.0}


class SqlProfileStore:
    def __init__(self, engine: Engine, cipher: FieldCipher,
                 clock: Clock) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._cipher = cipher
        self._clock = clock

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as e:
            raise StoreUnavailableError(f"profile database unavailable: {e.orig}") from e

    def _require(self, session: Session, customer_id: str) -> CustomerRow:
        row = session.get(CustomerRow, check_customer_id(customer_id))
        if row is None:
            raise NotFoundError(f"no customer {customer_id}")
        return row

    # identities ---------------------------------------------------------------------------
    def find(self, channel: str, value: str) -> str | None:
        channel, value = check_identity(channel, value)
        with self._session() as s:
            return s.scalar(select(IdentityRow.customer_id).where(
                IdentityRow.channel == channel,
                IdentityRow.lookup == self._cipher.lookup(channel, value)))

    def resolve(self, channel: str, value: str, verified: bool = False) -> str:
        channel, value = check_identity(channel, value)
        lookup = self._cipher.lookup(channel, value)
        for _ in range(3):
            found = self.find(channel, value)
            if found:
                with self._session() as s:
                    s.execute(update(CustomerRow).where(CustomerRow.id == found)
                              .values(last_seen_at=self._clock()))
                return found
            customer_id = str(uuid.uuid4())
            try:
                with self._session() as s:
                    at = self._clock()
                    s.add(CustomerRow(id=customer_id, created_at=at, last_seen_at=at))
                    s.flush()
                    s.add(IdentityRow(customer_id=customer_id, channel=channel, lookup=lookup,
                                      value_enc=self._cipher.encrypt(value), verified=verified,
                                      created_at=at))
                return customer_id
            except IntegrityError:
                continue  # another turn created it first: read theirs
        raise StoreUnavailableError("could not resolve the identity (contention)")

    def link(self, customer_id: str, channel: str, value: str, verified: bool) -> str:
        channel, value = check_identity(channel, value)
        lookup = self._cipher.lookup(channel, value)
        with self._session() as s:
            self._require(s, customer_id)
            row = s.scalar(select(IdentityRow).where(IdentityRow.channel == channel,
                                                     IdentityRow.lookup == lookup))
            if row is None:
                s.add(IdentityRow(customer_id=customer_id, channel=channel, lookup=lookup,
                                  value_enc=self._cipher.encrypt(value), verified=verified,
                                  created_at=self._clock()))
                return customer_id
            if row.customer_id == customer_id:
                row.verified = row.verified or verified
                return customer_id
            if not verified:
                raise InvalidRequestError("that identity belongs to another profile; it can only "
                                          "be linked once the customer has proved it is theirs")
            other = row.customer_id
        return self.merge(other, customer_id)

    def merge(self, source_id: str, target_id: str) -> str:
        check_customer_id(source_id)
        check_customer_id(target_id)
        if source_id == target_id:
            return target_id  # merging a profile with itself changes nothing
        with self._session() as s:
            self._require(s, target_id)
            source = self._require(s, source_id)
            for table in (IdentityRow, ConsentRow, InteractionRow, MoodRow):
                s.execute(update(table).where(table.customer_id == source_id)
                          .values(customer_id=target_id))
            theirs = s.execute(select(InterestRow.topic, InterestRow.weight)
                               .where(InterestRow.customer_id == source_id)).all()
            s.execute(delete(InterestRow).where(InterestRow.customer_id == source_id))
            s.flush()
            for topic, weight in theirs:
                self._upsert_interest(s, target_id, topic, weight)
            s.delete(source)
        return target_id

    def identities(self, customer_id: str) -> list[Identity]:
        with self._session() as s:
            self._require(s, customer_id)
            rows = s.scalars(select(IdentityRow).where(IdentityRow.customer_id == customer_id)
                             .order_by(IdentityRow.id)).all()
            return [Identity(r.channel, self._cipher.decrypt(r.value_enc) or "", r.verified,
                             _aware(r.created_at)) for r in rows]

    # consent -------------------------------------------------------------------------------
    def set_consent(self, customer_id: str, purpose: str, granted: bool, text_shown: str,
                    text_version: str, channel: str) -> None:
        if purpose not in PURPOSES:
            raise InvalidRequestError(f"unknown consent purpose {purpose[:40]!r}")
        with self._session() as s:
            self._require(s, customer_id)
            s.add(ConsentRow(customer_id=customer_id, purpose=purpose, granted=bool(granted),
                             text_shown=clip(text_shown) or "", text_version=text_version[:16],
                             channel=channel[:32], at=self._clock()))

    def consent(self, customer_id: str, purpose: str = "personalisation") -> bool | None:
        with self._session() as s:
            self._require(s, customer_id)
            return s.scalar(select(ConsentRow.granted).where(
                ConsentRow.customer_id == customer_id, ConsentRow.purpose == purpose)
                .order_by(ConsentRow.at.desc(), ConsentRow.id.desc()).limit(1))

    # interests -----------------------------------------------------------------------------
    def _upsert_interest(self, s: Session, customer_id: str, topic: str, delta: float) -> None:
        values = {"customer_id": customer_id, "topic": topic, "weight": float(delta),
                  "updated_at": self._clock()}
        if self._engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        statement = insert(InterestRow).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["customer_id", "topic"],
            set_={"weight": InterestRow.weight + statement.excluded.weight,
                  "updated_at": statement.excluded.updated_at})
        s.execute(statement)

    def add_interest(self, customer_id: str, topic: str, delta: float) -> None:
        topic = check_topic(topic)
        if not isinstance(delta, (int, float)) or delta != delta or abs(delta) > 100:
            raise InvalidRequestError("an interest change is a number between -100 and 100")
        with self._session() as s:
            self._require(s, customer_id)
            self._upsert_interest(s, customer_id, topic, float(delta))

    def interests(self, customer_id: str) -> dict[str, float]:
        with self._session() as s:
            self._require(s, customer_id)
            return {t: w for t, w in s.execute(select(InterestRow.topic, InterestRow.weight)
                                               .where(InterestRow.customer_id == customer_id))}

    # interactions and mood -------------------------------------------------------------------
    def log_interaction(self, customer_id: str, interaction: Interaction) -> None:
        text = redact(clip(interaction.text) or "") or None
        try:
            with self._session() as s:
                self._require(s, customer_id)
                s.add(InteractionRow(
                    customer_id=customer_id, conversation=interaction.conversation[:128],
                    channel=interaction.channel[:32], at=interaction.at,
                    intent=clip(interaction.intent, 64), sentiment=interaction.sentiment,
                    action=clip(interaction.action, 64), item=clip(interaction.item, 64),
                    feedback=clip(interaction.feedback, 16), resolved=interaction.resolved,
                    text_enc=self._cipher.encrypt(text)))
        except IntegrityError:
            # erased while the turn was in flight: nothing to attach the turn to
            raise NotFoundError(f"no customer {customer_id}") from None

    def interactions(self, customer_id: str) -> list[Interaction]:
        with self._session() as s:
            self._require(s, customer_id)
            rows = s.scalars(select(InteractionRow).where(InteractionRow.customer_id == customer_id)
                             .order_by(InteractionRow.at, InteractionRow.id)).all()
            return [Interaction(r.conversation, r.channel, _aware(r.at), r.intent, r.sentiment,
                                r.action, r.item, r.feedback, r.resolved,
                                self._cipher.decrypt(r.text_enc)) for r in rows]

    def record_mood(self, customer_id: str, conversation: str, mood: float,
                    sentiment: float) -> None:
        try:
            with self._session() as s:
                self._require(s, customer_id)
                s.add(MoodRow(customer_id=customer_id, conversation=conversation[:128],
                              at=self._clock(), mood=float(mood), sentiment=float(sentiment)))
        except IntegrityError:
            raise NotFoundError(f"no customer {customer_id}") from None

    def mood_history(self, customer_id: str) -> list[MoodPoint]:
        with self._session() as s:
            self._require(s, customer_id)
            rows = s.scalars(select(MoodRow).where(MoodRow.customer_id == customer_id)
                             .order_by(MoodRow.at, MoodRow.id)).all()
            return [MoodPoint(r.conversation, _aware(r.at), r.mood, r.sentiment) for r in rows]

    def feedback(self) -> list[tuple[str, str, float]]:
        latest = (select(ConsentRow.customer_id, func.max(ConsentRow.id).label("last"))
                  .where(ConsentRow.purpose == "personalisation")
                  .group_by(ConsentRow.customer_id).subquery())
        consenting = select(ConsentRow.customer_id).join(
            latest, ConsentRow.id == latest.c.last).where(ConsentRow.granted.is_(True))
        with self._session() as s:
            rows = s.execute(select(InteractionRow.customer_id, InteractionRow.item,
                                    InteractionRow.feedback)
                             .where(InteractionRow.item.is_not(None),
                                    InteractionRow.customer_id.in_(consenting))).all()
        return [(c, i, FEEDBACK_WEIGHTS.get(f or "", 0.5)) for c, i, f in rows]

    # privacy -------------------------------------------------------------------------------
    def export(self, customer_id: str) -> Export:
        with self._session() as s:
            customer = self._require(s, customer_id)
            consents = [Consent(r.purpose, r.granted, r.text_shown, r.text_version, r.channel,
                                _aware(r.at)) for r in s.scalars(
                select(ConsentRow).where(ConsentRow.customer_id == customer_id)
                .order_by(ConsentRow.id))]
            created = _aware(customer.created_at)
        return Export(customer_id, created, self.identities(customer_id), consents,
                      self.interests(customer_id), self.interactions(customer_id),
                      self.mood_history(customer_id))

    def erase(self, customer_id: str) -> list[str]:
        with self._session() as s:
            self._require(s, customer_id)
            conversations = sorted(set(s.scalars(
                select(InteractionRow.conversation).where(InteractionRow.customer_id == customer_id)))
                | set(s.scalars(select(MoodRow.conversation)
                                .where(MoodRow.customer_id == customer_id))))
            sessions = [self._cipher.decrypt(v) or "" for v in s.scalars(
                select(IdentityRow.value_enc).where(IdentityRow.customer_id == customer_id,
                                                    IdentityRow.channel.in_(
                                                        sorted(CONVERSATION_CHANNELS))))]
            for table in (InteractionRow, MoodRow, ConsentRow, InterestRow, IdentityRow):
                s.execute(delete(table).where(table.customer_id == customer_id))
            s.execute(delete(CustomerRow).where(CustomerRow.id == customer_id))
        return sorted(set(conversations) | {x for x in sessions if x})

    def purge_before(self, cutoff: datetime) -> int:
        with self._session() as s:
            a = s.execute(delete(InteractionRow).where(InteractionRow.at < cutoff)).rowcount
            b = s.execute(delete(MoodRow).where(MoodRow.at < cutoff)).rowcount
        return int(a or 0) + int(b or 0)
