"""Staff login: one answer for every wrong login, throttling, sessions that expire and go idle,
disabled accounts thrown out, a password policy, and an audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.passwords import hash_password, verify_password
from console.staff_auth import LoginRefused, StaffAuth, TooManyAttempts
from console.staff_store import InMemoryStaffStore, Role
from shopdesk.clock import FixedClock
from shopdesk.errors import InvalidRequestError

T0 = datetime(2031, 6, 1, 9, 0, tzinfo=UTC)
GOOD = "blue kettle morning 42"


def auth(clock: FixedClock | None = None, per_minute: int = 100) -> StaffAuth:
    a = StaffAuth(InMemoryStaffStore(), clock or FixedClock(T0), session_hours=8,
                  idle_minutes=30, logins_per_minute=per_minute)
    a.create_account("ann", "Ann", Role.AGENT, GOOD)
    return a


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first != second and first.startswith("scrypt$") and GOOD not in first
    assert verify_password(GOOD, first) and not verify_password(GOOD + "!", first)
    assert not verify_password(GOOD, "md5$abc") and not verify_password(GOOD, "")


def test_a_right_login_gives_a_session_and_every_wrong_one_the_same_refusal() -> None:
    a = auth()
    signed_in, token = a.login("ann", GOOD, "10.0.0.1")
    assert signed_in.account.username == "ann" and len(token) >= 40
    assert token not in repr(a.store.session(signed_in.session.token_hash))  # only its hash
    assert a.authenticate(token) == signed_in
    messages = set()
    for username, password in (("ann", "wrong password!!"), ("nobody", GOOD), ("ann", None)):
        with pytest.raises(LoginRefused) as refused:
            a.login(username, password, "10.0.0.1")  # type: ignore[arg-type]
        messages.add(str(refused.value))
    assert messages == {"wrong username or password"}
    assert [e.action for e in a.store.audit_log()][:3] == ["login_refused"] * 3


def test_sessions_end_after_their_time_when_idle_and_at_logout() -> None:
    clock = FixedClock(T0)
    a = auth(clock)
    _, token = a.login("ann", GOOD, "10.0.0.1")
    for _ in range(16):  # active every 29 minutes: alive for the session's 8 hours
        clock.advance(timedelta(minutes=29))
        assert a.authenticate(token) is not None
    clock.advance(timedelta(minutes=29))  # 8 h 21 min after login
    assert a.authenticate(token) is None
    _, token = a.login("ann", GOOD, "10.0.0.1")
    clock.advance(timedelta(minutes=31))  # idle
    assert a.authenticate(token) is None
    signed_in, token = a.login("ann", GOOD, "10.0.0.1")
    a.logout(signed_in)
    assert a.authenticate(token) is None
    assert a.authenticate("") is None and a.authenticate("x" * 500) is None


def test_a_disabled_account_is_signed_out_and_cannot_log_in() -> None:
    a = auth()
    admin = a.create_account("root", "Root", Role.ADMIN, "orange bicycle winter 7")
    signed_in, token = a.login("ann", GOOD, "10.0.0.1")
    a.set_disabled(signed_in.account, True, by=admin)
    assert a.authenticate(token) is None
    with pytest.raises(LoginRefused):
        a.login("ann", GOOD, "10.0.0.1")
    assert a.store.audit_log()[1].action == "disable_account"


def test_guessing_is_throttled_per_username_and_address() -> None:
    a = auth(per_minute=3)
    for _ in range(3):
        with pytest.raises(LoginRefused):
            a.login("ann", "not the password", "10.0.0.9")
    with pytest.raises(TooManyAttempts) as slow_down:
        a.login("ann", GOOD, "10.0.0.9")  # even the right password, until the wait is over
    assert slow_down.value.wait >= 1


@pytest.mark.parametrize("username,password,reason", [
    ("bob", "short", "at least 12"),
    ("bob", "password1234", "too easy"),
    ("bob", "aaaaaaaaaaaaaaa", "too easy"),
    ("bobby", "my name is bobby!", "username"),
    ("Bob Smith", GOOD, "username is"),
])
def test_weak_passwords_and_bad_usernames_are_refused(username: str, password: str,
                                                      reason: str) -> None:
    with pytest.raises(InvalidRequestError, match=reason):
        auth().create_account(username, "Bob", Role.AGENT, password)
