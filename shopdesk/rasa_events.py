"""Rasa's stored conversation events, read or deleted directly: the ``events`` table of its SQL
tracker store (the SQLite file the launcher configures, ``Settings.rasa_tracker_db``). The
dashboard, the idle-CSAT sweep and erasure go through here — the one place to change when the
tracker store moves to PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, MetaData, Table, create_engine, inspect


@contextmanager
def rasa_events(tracker_db: Path) -> Iterator[tuple[Engine, Table] | None]:
    """(engine, the events table), or None while Rasa has stored nothing yet."""
    if not tracker_db.is_file():
        yield None
        return
    engine = create_engine(f"sqlite:///{tracker_db}", connect_args={"timeout": 30})
    try:
        if "events" not in inspect(engine).get_table_names():
            yield None
            return
        yield engine, Table("events", MetaData(), autoload_with=engine)
    finally:
        engine.dispose()
