"""One contract for every ProfileStore: in memory, SQLite, and a real PostgreSQL (integration)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from profiles.crypto import FieldCipher
from profiles.memory_store import InMemoryProfileStore
from profiles.migrate import current_tables, downgrade, upgrade
from profiles.records import Interaction
from profiles.store import ProfileStore, SqlProfileStore
from shopdesk.clock import FixedClock
from shopdesk.database import make_engine
from shopdesk.errors import InvalidRequestError, NotFoundError
from tests.postgres import postgres_server

KEY = "test-profile-key-0123456789abcdef"
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def _fresh_sql(url: str) -> SqlProfileStore:
    engine = make_engine(url)
    downgrade(engine)
    upgrade(engine)
    return SqlProfileStore(engine, FieldCipher(KEY), FixedClock(T0))


def _dispose(*stores: SqlProfileStore) -> None:
    for s in stores:
        s.close()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ProfileStore]:
    if request.param == "memory":
        yield InMemoryProfileStore(FixedClock(T0))
        return
    url = f"sqlite:///{tmp_path / 'profiles.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    sql = _fresh_sql(url)
    yield sql
    sql.close()


def turn(conversation: str, text: str = "hello", at: datetime = T0, item: str | None = None,
         feedback: str | None = None) -> Interaction:
    return Interaction(conversation, "web", at, "greet", 0.2, "utter_greet", item, feedback,
                       True, text)


def test_one_identity_one_customer(store: ProfileStore) -> None:
    a = store.resolve("web", "session-1")
    assert store.resolve("web", "session-1") == a
    assert store.find("web", "session-1") == a
    assert store.find("web", "session-2") is None
    assert store.resolve("email", "Jane.Doe@Example.com") == store.resolve("email",
                                                                          "jane.doe@example.com")


def test_linking_channels_and_merging_proven_profiles(store: ProfileStore) -> None:
    web = store.resolve("web", "session-1")
    slack = store.resolve("slack", "U123")
    store.add_interest(web, "returns", 1.0)
    store.add_interest(slack, "returns", 2.0)
    store.add_interest(slack, "tents", 1.0)
    store.log_interaction(slack, turn("slack-conv"))
    store.link(web, "email", "jane@example.com", verified=True)
    with pytest.raises(InvalidRequestError):
        store.link(slack, "email", "jane@example.com", verified=False)  # not proven: refused
    survivor = store.link(slack, "email", "jane@example.com", verified=True)  # proven: merged
    assert survivor == slack
    assert {i.channel for i in store.identities(slack)} == {"web", "slack", "email"}
    assert store.interests(slack) == {"returns": 3.0, "tents": 1.0}
    with pytest.raises(NotFoundError):
        store.interests(web)
    assert store.merge(slack, slack) == slack  # with itself: a no-op
    assert store.interests(slack) == {"returns": 3.0, "tents": 1.0}


def test_consent_history_keeps_the_latest_decision(store: ProfileStore) -> None:
    c = store.resolve("web", "s")
    assert store.consent(c) is None
    store.set_consent(c, "personalisation", True, "May I remember…", "v1", "web")
    store.set_consent(c, "personalisation", False, "May I remember…", "v1", "web")
    assert store.consent(c) is False
    assert [x.granted for x in store.export(c).consents] == [True, False]
    with pytest.raises(InvalidRequestError):
        store.set_consent(c, "marketing-spam", True, "x", "v1", "web")


def test_interactions_are_redacted_and_only_consenting_feedback_counts(store: ProfileStore) -> None:
    yes, no = store.resolve("web", "yes"), store.resolve("web", "no")
    store.set_consent(yes, "personalisation", True, "t", "v1", "web")
    store.set_consent(no, "personalisation", False, "t", "v1", "web")
    store.log_interaction(yes, turn("c1", "mail me at jane@example.com", item="qa-1",
                                    feedback="up"))
    store.log_interaction(no, turn("c2", "hi", item="qa-2", feedback="clicked"))
    assert store.interactions(yes)[0].text == "mail me at [EMAIL]"
    assert store.feedback() == [(yes, "qa-1", 2.0)]


def test_export_and_erase_leave_nothing_behind(store: ProfileStore) -> None:
    c = store.resolve("web", "sess-9")
    store.link(c, "email", "erase.me@example.com", verified=True)
    store.set_consent(c, "personalisation", True, "t", "v1", "web")
    store.add_interest(c, "shipping", 1.5)
    store.log_interaction(c, turn("sess-9", "where is my parcel"))
    store.record_mood(c, "sess-9", -0.4, -0.8)
    exported = store.export(c).to_json()
    assert exported["interests"] == {"shipping": 1.5}
    assert {i["value"] for i in exported["identities"]} == {"sess-9", "erase.me@example.com"}
    assert exported["mood_history"][0]["mood"] == -0.4
    assert store.erase(c) == ["sess-9"]
    assert store.find("email", "erase.me@example.com") is None
    for call in (store.export, store.erase, store.interests):
        with pytest.raises(NotFoundError):
            call(c)
    with pytest.raises(NotFoundError):
        store.log_interaction(c, turn("sess-9"))  # a turn arriving after the erasure


def test_retention_purges_old_interactions(store: ProfileStore) -> None:
    c = store.resolve("web", "old")
    store.log_interaction(c, turn("old", at=T0 - timedelta(days=400)))
    store.log_interaction(c, turn("old", at=T0))
    assert store.purge_before(T0 - timedelta(days=365)) == 1
    assert len(store.interactions(c)) == 1


def test_bad_input_gets_clear_errors(store: ProfileStore) -> None:
    for channel, value in (("fax", "1"), ("web", ""), ("web", "x" * 1000), ("web", "a\x00b"),
                           (None, "x")):
        with pytest.raises(InvalidRequestError):
            store.resolve(channel, value)  # type: ignore[arg-type]
    for bad in ("not a uuid!", "", "x" * 100, None, 42):
        with pytest.raises((InvalidRequestError, NotFoundError)):
            store.interests(bad)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.interests("00000000-0000-0000-0000-000000000000")
    c = store.resolve("web", "s")
    for topic, delta in (("t" * 200, 1.0), ("", 1.0), ("ok", float("nan")), ("ok", 1e9)):
        with pytest.raises(InvalidRequestError):
            store.add_interest(c, topic, delta)
    store.log_interaction(c, turn("s", "x" * 100_000))
    assert len(store.interactions(c)[0].text or "") == 2000


def test_parallel_turns_lose_no_update(store: ProfileStore) -> None:
    c = store.resolve("web", "busy")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                store.add_interest(c, "returns", 1.0)
                store.resolve("web", "busy")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert store.interests(c) == {"returns": 120.0}


def test_parallel_first_contacts_create_one_customer(store: ProfileStore) -> None:
    found: list[str] = []
    threads = [threading.Thread(target=lambda: found.append(store.resolve("telegram", "42")))
               for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(found)) == 1


def test_sensitive_columns_are_encrypted_at_rest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = _fresh_sql(url)
    c = store.resolve("email", "secret.person@example.com")
    store.log_interaction(c, turn("s", "my parcel to the cabin is late"))
    raw = (tmp_path / "p.db").read_bytes() + (tmp_path / "p.db-wal").read_bytes() \
        if (tmp_path / "p.db-wal").exists() else (tmp_path / "p.db").read_bytes()
    assert b"secret.person" not in raw and b"cabin" not in raw
    assert KEY not in repr(FieldCipher(KEY))
    other = SqlProfileStore(make_engine(url), FieldCipher("another-key-0123456789abcdef"),
                            FixedClock(T0))
    assert other.find("email", "secret.person@example.com") is None
    _dispose(store, other)


def test_migrations_go_up_and_down(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    assert current_tables(engine) == {
        "profile_customers", "profile_identities", "profile_consents", "profile_interests",
        "profile_interactions", "profile_mood_history"}
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from profile_alembic_version")).scalar() == "0001"
    downgrade(engine)
    assert current_tables(engine) == set()
    assert "profile_alembic_version" in inspect(engine).get_table_names()
    engine.dispose()
