"""Logging staff in and out of the agent console.

* Passwords are checked with scrypt (``console.passwords``); an unknown username costs the same
  time as a wrong password, and both get the same answer.
* Login attempts are rate-limited per username and per address (``SHOPDESK_STAFF_LOGINS_PER_
  MINUTE``), so passwords cannot be guessed at speed.
* A session is a random token in an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` when the
  console is served over https); only its SHA-256 is stored. It ends after
  ``SHOPDESK_STAFF_SESSION_HOURS`` or ``SHOPDESK_STAFF_IDLE_MINUTES`` without use, at logout, and
  when the account is disabled.
* Each session has a CSRF token that every state-changing request must echo in ``X-CSRF-Token``.
* Logins (and refused ones) go to the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from console.passwords import check_policy, dummy_hash, hash_password, verify_password
from console.staff_store import AuditEntry, Role, StaffAccount, StaffSession, StaffStore
from shopdesk.clock import Clock
from shopdesk.errors import InvalidRequestError, ShopdeskError
from shopdesk.ratelimit import RateLimiter

COOKIE = "shopdesk_staff"
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class LoginRefused(ShopdeskError):
    """Wrong username or password, or a disabled account (one message for all)."""


class TooManyAttempts(ShopdeskError):
    def __init__(self, wait: float) -> None:
        super().__init__("too many login attempts")
        self.wait = wait


@dataclass(frozen=True)
class SignedIn:
    account: StaffAccount
    session: StaffSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def valid_username(username: object) -> str:
    if not isinstance(username, str) or not 2 <= len(username) <= 64 \
            or set(username) - USERNAME_CHARS:
        raise InvalidRequestError("A username is 2-64 lower-case letters, digits, '.', '_' or "
                                  "'-'.")
    return username


class StaffAuth:
    def __init__(self, store: StaffStore, clock: Clock, session_hours: float = 10,
                 idle_minutes: float = 30, logins_per_minute: int = 10) -> None:
        self.store = store
        self._clock = clock
        self.ttl = timedelta(hours=session_hours)
        self.idle = timedelta(minutes=idle_minutes)
        self._attempts = RateLimiter(logins_per_minute)

    def _audit(self, account: StaffAccount | None, action: str, target: str = "",
               detail: str = "") -> None:
        self.store.audit(AuditEntry(self._clock(), account.id if account else "",
                                    account.username if account else "", action, target,
                                    detail))

    def login(self, username: str, password: str, address: str) -> tuple[SignedIn, str]:
        """The signed-in session and its cookie token.

        Raises:
            TooManyAttempts: this username or address tried too often.
            LoginRefused: anything else that is not a right password for an active account.
        """
        for key in (f"user:{str(username)[:64]}", f"ip:{address}"):
            allowed, wait = self._attempts.allow(key)
            if not allowed:
                raise TooManyAttempts(max(wait, 1.0))
        account = None
        if isinstance(username, str) and isinstance(password, str) and len(password) <= 256:
            account = self.store.account_by_username(username)
        stored = account.password_hash if account is not None else dummy_hash()
        right = verify_password(password if isinstance(password, str) else "", stored)
        if account is None or not right or account.disabled:
            self._audit(account, "login_refused", detail="disabled" if right and account
                        else "")
            raise LoginRefused("wrong username or password")
        now = self._clock()
        token = secrets.token_urlsafe(32)
        session = StaffSession(token_hash(token), account.id, secrets.token_urlsafe(24), now,
                               now + self.ttl, now)
        self.store.delete_expired_sessions(now)
        self.store.add_session(session)
        self._audit(account, "login")
        return SignedIn(account, session), token

    def authenticate(self, token: str | None) -> SignedIn | None:
        """The signed-in staff member behind a cookie token, or None (expired, idle, logged
        out, disabled, or never valid)."""
        if not token or len(token) > 100:
            return None
        hashed = token_hash(token)
        session = self.store.session(hashed)
        if session is None:
            return None
        now = self._clock()
        if (session.expires_at and now >= session.expires_at) or (
                session.last_seen_at and now - session.last_seen_at >= self.idle):
            self.store.delete_session(hashed)
            return None
        account = self.store.account(session.account_id)
        if account is None or account.disabled:
            self.store.delete_session(hashed)
            return None
        if session.last_seen_at is None or now - session.last_seen_at >= timedelta(minutes=1):
            self.store.touch_session(hashed, now)
        return SignedIn(account, session)

    def logout(self, signed_in: SignedIn) -> None:
        self.store.delete_session(signed_in.session.token_hash)
        self._audit(signed_in.account, "logout")

    def create_account(self, username: str, name: str, role: Role, password: str,
                       by: StaffAccount | None = None) -> StaffAccount:
        """Raises InvalidRequestError for a bad username or a weak password."""
        valid_username(username)
        check_policy(password, username)
        account = self.store.add_account(StaffAccount(
            str(uuid.uuid4()), username, (name or username).strip()[:120], Role(role),
            hash_password(password), self._clock()))
        if by is not None:
            self._audit(by, "create_account", account.username, account.role.value)
        return account

    def set_disabled(self, account: StaffAccount, disabled: bool, by: StaffAccount
                     ) -> StaffAccount:
        from dataclasses import replace

        updated = self.store.update_account(replace(account, disabled=disabled))
        if disabled:
            self.store.delete_sessions_of(account.id)
        self._audit(by, "disable_account" if disabled else "enable_account", account.username)
        return updated

    def audit(self, signed_in: SignedIn, action: str, target: str = "", detail: str = ""
              ) -> None:
        self._audit(signed_in.account, action, target, detail)
