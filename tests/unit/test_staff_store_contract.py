"""One contract, every StaffStore: the in-memory one and the SQL one on SQLite and on a real
PostgreSQL (marked integration)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.staff_sql import SqlStaffStore, StaffBase
from console.staff_store import AuditEntry, InMemoryStaffStore, Role, StaffAccount, StaffSession, StaffStore
from shopdesk.database import make_engine
from shopdesk.errors import ConflictError, InvalidRequestError
from tests.postgres import postgres_server

NOW = datetime(2031, 6, 1, 9, 0, tzinfo=UTC)


def account(username: str, role: Role = Role.AGENT) -> StaffAccount:
    return StaffAccount(f"id-{username}", username, username.title(), role, "scrypt$hash", NOW)


class StaffStoreContract:
    def test_accounts_round_trip_and_usernames_are_unique(self, store: StaffStore) -> None:
        ann = store.add_account(account("ann", Role.SUPERVISOR))
        store.add_account(account("bob"))
        assert store.account("id-ann") == ann and store.account_by_username("ann") == ann
        assert [a.username for a in store.accounts()] == ["ann", "bob"]
        with pytest.raises(InvalidRequestError, match="taken"):
            store.add_account(StaffAccount("other", "ann", "Ann 2", Role.AGENT, "h", NOW))
        store.update_account(StaffAccount("id-bob", "bob", "Bob B", Role.ADMIN, "h2", NOW, True))
        bob = store.account("id-bob")
        assert bob is not None and bob.role is Role.ADMIN and bob.disabled and bob.name == "Bob B"
        assert store.account("nobody") is None and store.account_by_username("nobody") is None

    def test_sessions_expire_and_are_dropped(self, store: StaffStore) -> None:
        store.add_session(StaffSession("t1", "id-ann", "csrf1", NOW, NOW + timedelta(hours=8),
                                       NOW))
        store.add_session(StaffSession("t2", "id-ann", "csrf2", NOW, NOW + timedelta(hours=1),
                                       NOW))
        store.add_session(StaffSession("t3", "id-bob", "csrf3", NOW, NOW + timedelta(hours=8),
                                       NOW))
        store.touch_session("t1", NOW + timedelta(minutes=5))
        got = store.session("t1")
        assert got is not None and got.csrf == "csrf1"
        assert got.last_seen_at == NOW + timedelta(minutes=5)
        assert store.delete_expired_sessions(NOW + timedelta(hours=2)) == 1
        assert store.session("t2") is None
        assert store.delete_sessions_of("id-ann") == 1 and store.session("t1") is None
        store.delete_session("t3")
        assert store.session("t3") is None

    def test_a_ticket_is_claimed_by_one_agent_only(self, store: StaffStore) -> None:
        claim = store.claim("H000001", "id-ann", NOW)
        assert store.claim("H000001", "id-ann", NOW) == claim  # claiming again is harmless
        with pytest.raises(ConflictError):
            store.claim("H000001", "id-bob", NOW)
        assert store.claims() == {"H000001": claim}
        store.release("H000001")
        assert store.claim("H000001", "id-bob", NOW).account_id == "id-bob"

    def test_concurrent_claims_have_exactly_one_winner(self, store: StaffStore) -> None:
        winners: list[str] = []
        losers: list[str] = []
        start = threading.Barrier(8)

        def grab(agent: str) -> None:
            start.wait()
            try:
                store.claim("H000099", agent, NOW)
                winners.append(agent)
            except ConflictError:
                losers.append(agent)

        threads = [threading.Thread(target=grab, args=(f"agent-{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(winners) == 1 and len(losers) == 7
        assert store.claims()["H000099"].account_id == winners[0]

    def test_suggestions_shown_and_used_are_counted(self, store: StaffStore) -> None:
        for _ in range(3):
            store.count_suggestion("qa-0001", used=False)
        store.count_suggestion("qa-0001", used=True)
        store.count_suggestion("qa-0002", used=True)
        assert store.suggestion_counts() == {"qa-0001": (3, 1), "qa-0002": (0, 1)}

    def test_the_audit_log_is_newest_first(self, store: StaffStore) -> None:
        for i, action in enumerate(["login", "read_conversation", "claim"]):
            store.audit(AuditEntry(NOW + timedelta(seconds=i), "id-ann", "ann", action, "H1"))
        store.audit(AuditEntry(NOW + timedelta(seconds=9), "id-bob", "bob", "login"))
        assert [e.action for e in store.audit_log()] == ["login", "claim", "read_conversation",
                                                        "login"]
        assert [e.username for e in store.audit_log(account_id="id-ann")] == ["ann"] * 3
        assert len(store.audit_log(limit=2)) == 2


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["memory", "sqlite",
                        pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StaffStore]:
    if request.param == "memory":
        yield InMemoryStaffStore()
        return
    url = f"sqlite:///{tmp_path / 'staff.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    StaffBase.metadata.drop_all(engine)
    sql = SqlStaffStore(engine)
    sql.create_schema()
    yield sql
    engine.dispose()


class TestStaffStore(StaffStoreContract):
    pass
