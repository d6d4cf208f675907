"""Export, erasure and retention — used by the CLI (``python -m profiles.cli``) and the web API.

Erasure removes every profile row of the customer (identities, consents, interests,
interactions, mood history, the customer) in one transaction, then Rasa's stored conversation
events for every conversation id the customer had (web sessions, messaging ids, logged
conversations) from Rasa's tracker database, and the complaints, feedback, handoff tickets (with
the console's claims on them), photos, ratings, unanswered questions and agent answers filed
from those conversations (``delete_support_records`` says what is kept, and why). A turn that
arrives during the erasure finds no customer and is dropped, so nothing is orphaned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, delete, inspect, select

from profiles.store import ProfileStore
from shopdesk.rasa_events import rasa_events

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasureReport:
    customer_id: str
    conversations: list[str]
    rasa_events_deleted: int

    def to_json(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "conversations_erased": len(self.conversations),
                "rasa_events_deleted": self.rasa_events_deleted}


def delete_rasa_events(tracker_db: Path, senders: list[str]) -> int:
    """Delete Rasa's stored events for these conversation ids (SQL tracker store)."""
    if not senders:
        return 0
    with rasa_events(tracker_db) as found:
        if found is None:
            return 0
        engine, events = found
        with engine.begin() as conn:
            result = conn.execute(delete(events).where(events.c.sender_id.in_(senders)))
            return int(result.rowcount or 0)


def delete_support_records(database_url: str, senders: list[str]) -> int:
    """Complaints, feedback, handoff tickets, photos, ratings, knowledge gaps and agent answers
    from these conversations, and the console's claims on their tickets (a claim left behind
    would hold a ticket that no longer exists, and claim its number if it were drawn again).

    Kept: a ticket's measured wait (``support_handoff_waits``: a random ticket number, when it
    was asked for and first claimed; no customer data, and it feeds the honest wait estimate)
    and the staff's audit log (who did what to which ticket: the staff's accountability; the
    ticket number points at nothing once its row is gone)."""
    if not senders:
        return 0
    from shopdesk.database import make_engine

    engine = make_engine(database_url)
    removed = 0
    try:
        names = set(inspect(engine).get_table_names())
        with engine.begin() as conn:
            if {"support_handoffs", "console_claims"} <= names:
                handoffs = Table("support_handoffs", MetaData(), autoload_with=conn)
                claims = Table("console_claims", MetaData(), autoload_with=conn)
                tickets = select(handoffs.c.ticket).where(handoffs.c.sender_id.in_(senders))
                removed += int(conn.execute(
                    delete(claims).where(claims.c.ticket.in_(tickets))).rowcount or 0)
            for name in ("support_feedback", "support_handoffs", "support_photos",
                         "support_ratings", "knowledge_gaps", "knowledge_agent_answers"):
                if name in names:
                    table = Table(name, MetaData(), autoload_with=conn)
                    removed += int(conn.execute(
                        delete(table).where(table.c.sender_id.in_(senders))).rowcount or 0)
    finally:
        engine.dispose()
    return removed


def export(store: ProfileStore, customer_id: str) -> dict[str, Any]:
    return store.export(customer_id).to_json()


def erase(store: ProfileStore, customer_id: str, tracker_db: Path | None,
          database_url: str | None = None) -> ErasureReport:
    conversations = store.erase(customer_id)
    deleted = delete_rasa_events(tracker_db, conversations) if tracker_db else 0
    if database_url:
        deleted_support = delete_support_records(database_url, conversations)
        logger.info("erasure: %d complaint/feedback/handoff records deleted", deleted_support)
    logger.info("erased customer %s: %d conversations, %d Rasa events", customer_id[:8],
                len(conversations), deleted)
    return ErasureReport(customer_id, conversations, deleted)


def purge(store: ProfileStore, days: int, now: datetime) -> int:
    """Delete interaction data older than ``days`` before ``now`` (the caller's clock)."""
    cutoff = now - timedelta(days=days)
    removed = store.purge_before(cutoff)
    logger.info("retention: removed %d interaction and mood rows older than %d days", removed, days)
    return removed
