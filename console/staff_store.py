"""Staff of the agent console: accounts with roles, login sessions, claims on waiting
conversations and the audit log — the storage seam (``StaffStore``), its records, and the
in-memory implementation (the SQL one is ``console.staff_sql``; one contract test for both).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from shopdesk.errors import ConflictError, InvalidRequestError


class Role(StrEnum):
    AGENT = "agent"              # works conversations
    SUPERVISOR = "supervisor"    # + dashboards, knowledge upkeep, everyone's audit trail
    ADMIN = "admin"              # + staff accounts

    @property
    def rank(self) -> int:
        return {"agent": 1, "supervisor": 2, "admin": 3}[self.value]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


@dataclass(frozen=True)
class StaffAccount:
    id: str
    username: str
    name: str
    role: Role
    password_hash: str = field(repr=False)
    created_at: datetime | None = None
    disabled: bool = False


@dataclass(frozen=True)
class StaffSession:
    token_hash: str                    # SHA-256 of the cookie's token: the token is not stored
    account_id: str
    csrf: str = field(repr=False)
    created_at: datetime | None = None
    expires_at: datetime | None = None
    last_seen_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    account_id: str
    username: str
    action: str                        # "login", "read_conversation", "claim", …
    target: str = ""                   # a ticket, an account …
    detail: str = ""


@dataclass(frozen=True)
class Claim:
    ticket: str
    account_id: str
    claimed_at: datetime


class StaffStore(Protocol):
    """Raises :class:`shopdesk.errors.StoreUnavailableError` when its database is down."""

    def add_account(self, account: StaffAccount) -> StaffAccount:
        """Raises InvalidRequestError when the username is taken."""
        ...

    def account(self, account_id: str) -> StaffAccount | None: ...

    def account_by_username(self, username: str) -> StaffAccount | None: ...

    def accounts(self) -> list[StaffAccount]: ...

    def update_account(self, account: StaffAccount) -> StaffAccount: ...

    def add_session(self, session: StaffSession) -> None: ...

    def session(self, token_hash: str) -> StaffSession | None: ...

    def touch_session(self, token_hash: str, at: datetime) -> None: ...

    def delete_session(self, token_hash: str) -> None: ...

    def delete_sessions_of(self, account_id: str) -> int: ...

    def delete_expired_sessions(self, now: datetime) -> int: ...

    def claim(self, ticket: str, account_id: str, at: datetime) -> Claim:
        """Raises ConflictError when someone (else) holds the ticket already."""
        ...

    def claims(self) -> dict[str, Claim]: ...

    def release(self, ticket: str) -> None: ...

    def audit(self, entry: AuditEntry) -> None: ...

    def audit_log(self, limit: int = 200, account_id: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        ...

    def count_suggestion(self, pair_id: str, used: bool) -> None:
        """A suggested reply was shown to an agent (``used``: and they used it)."""
        ...

    def suggestion_counts(self) -> dict[str, tuple[int, int]]:
        """pair id → (times shown, times used)."""
        ...


class InMemoryStaffStore:
    """Dictionaries behind one lock: for unit tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, StaffAccount] = {}
        self._sessions: dict[str, StaffSession] = {}
        self._claims: dict[str, Claim] = {}
        self._audit: list[AuditEntry] = []
        self._suggestions: dict[str, tuple[int, int]] = {}

    def add_account(self, account: StaffAccount) -> StaffAccount:
        with self._lock:
            if any(a.username == account.username for a in self._accounts.values()):
                raise InvalidRequestError(f"the username {account.username!r} is taken")
            self._accounts[account.id] = account
        return account

    def account(self, account_id: str) -> StaffAccount | None:
        with self._lock:
            return self._accounts.get(account_id)

    def account_by_username(self, username: str) -> StaffAccount | None:
        with self._lock:
            return next((a for a in self._accounts.values() if a.username == username), None)

    def accounts(self) -> list[StaffAccount]:
        with self._lock:
            return sorted(self._accounts.values(), key=lambda a: a.username)

    def update_account(self, account: StaffAccount) -> StaffAccount:
        with self._lock:
            self._accounts[account.id] = account
        return account

    def add_session(self, session: StaffSession) -> None:
        with self._lock:
            self._sessions[session.token_hash] = session

    def session(self, token_hash: str) -> StaffSession | None:
        with self._lock:
            return self._sessions.get(token_hash)

    def touch_session(self, token_hash: str, at: datetime) -> None:
        with self._lock:
            if token_hash in self._sessions:
                self._sessions[token_hash] = dataclasses.replace(self._sessions[token_hash],
                                                                 last_seen_at=at)

    def delete_session(self, token_hash: str) -> None:
        with self._lock:
            self._sessions.pop(token_hash, None)

    def delete_sessions_of(self, account_id: str) -> int:
        with self._lock:
            gone = [k for k, s in self._sessions.items() if s.account_id == account_id]
            for key in gone:
                del self._sessions[key]
        return len(gone)

    def delete_expired_sessions(self, now: datetime) -> int:
        with self._lock:
            gone = [k for k, s in self._sessions.items() if s.expires_at and s.expires_at <= now]
            for key in gone:
                del self._sessions[key]
        return len(gone)

    def claim(self, ticket: str, account_id: str, at: datetime) -> Claim:
        with self._lock:
            held = self._claims.get(ticket)
            if held is not None:
                if held.account_id == account_id:
                    return held
                raise ConflictError(f"ticket {ticket} is claimed by someone else")
            self._claims[ticket] = Claim(ticket, account_id, at)
            return self._claims[ticket]

    def claims(self) -> dict[str, Claim]:
        with self._lock:
            return dict(self._claims)

    def release(self, ticket: str) -> None:
        with self._lock:
            self._claims.pop(ticket, None)

    def audit(self, entry: AuditEntry) -> None:
        with self._lock:
            self._audit.append(entry)

    def audit_log(self, limit: int = 200, account_id: str | None = None) -> list[AuditEntry]:
        with self._lock:
            found = [e for e in self._audit if account_id is None or e.account_id == account_id]
        return list(reversed(found))[:limit]

    def count_suggestion(self, pair_id: str, used: bool) -> None:
        with self._lock:
            shown, taken = self._suggestions.get(pair_id, (0, 0))
            self._suggestions[pair_id] = (shown + (not used), taken + used)

    def suggestion_counts(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            return dict(self._suggestions)

