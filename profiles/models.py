"""SQLAlchemy 2 tables of the shared user-profile store (schema owned by Alembic migrations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class ProfileBase(DeclarativeBase):
    pass


def _customer_fk() -> Mapped[str]:
    return mapped_column(String(36), ForeignKey("profile_customers.id", ondelete="CASCADE"),
                         index=True)


class CustomerRow(ProfileBase):
    __tablename__ = "profile_customers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdentityRow(ProfileBase):
    """One way of reaching a customer: a web session, an e-mail, a Slack/Telegram/… id."""
    __tablename__ = "profile_identities"
    __table_args__ = (UniqueConstraint("channel", "lookup", name="uq_profile_identity"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = _customer_fk()
    channel: Mapped[str] = mapped_column(String(32))
    lookup: Mapped[str] = mapped_column(String(64))          # keyed hash of the value
    value_enc: Mapped[str] = mapped_column(Text)             # the value, encrypted
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConsentRow(ProfileBase):
    """Every consent decision, kept as a history (what, when, which text was shown)."""
    __tablename__ = "profile_consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = _customer_fk()
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    text_shown: Mapped[str] = mapped_column(Text)
    text_version: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InterestRow(ProfileBase):
    __tablename__ = "profile_interests"
    customer_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("profile_customers.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InteractionRow(ProfileBase):
    """One turn: what was asked (redacted, encrypted), what the bot did, how it went."""
    __tablename__ = "profile_interactions"
    __table_args__ = (Index("ix_profile_interactions_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = _customer_fk()
    conversation: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sentiment: Mapped[float | None] = mapped_column(Float, nullable=True)
    action: Mapped[str | None] = mapped_column(String(64), nullable=True)
    item: Mapped[str | None] = mapped_column(String(64), nullable=True)   # answer / product id
    feedback: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    text_enc: Mapped[str | None] = mapped_column(Text, nullable=True)


class MoodRow(ProfileBase):
    __tablename__ = "profile_mood_history"
    __table_args__ = (Index("ix_profile_mood_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = _customer_fk()
    conversation: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    mood: Mapped[float] = mapped_column(Float)
    sentiment: Mapped[float] = mapped_column(Float)
