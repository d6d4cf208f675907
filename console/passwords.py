"""Staff passwords: scrypt (a memory-hard KDF from the standard library), salted per account,
with the cost stored beside each hash so it can be raised later without breaking old ones.

    scrypt$<log2 N>$<r>$<p>$<salt, base64>$<hash, base64>
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from shopdesk.errors import InvalidRequestError

LOG2_N, R, P = 15, 8, 1          # 32 MiB of memory and ~0.1 s per check on one core
MIN_LENGTH = 12
_COMMON = {"password1234", "123456789012", "qwertyuiop12", "letmein12345", "welcome12345",
           "administrator", "changeme1234", "passwordpassword"}


def _kdf(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2 ** log2_n, r=r, p=p,
                          maxmem=256 * 1024 * 1024, dklen=32)


def hash_password(password: str, log2_n: int = LOG2_N) -> str:
    salt = secrets.token_bytes(16)
    digest = _kdf(password, salt, log2_n, R, P)
    b64 = base64.b64encode
    return f"scrypt${log2_n}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; False for anything malformed."""
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or not 10 <= int(log2_n) <= 20:
            return False
        expected = base64.b64decode(digest)
        actual = _kdf(password, base64.b64decode(salt), int(log2_n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_policy(password: str, username: str) -> None:
    """Raises InvalidRequestError (with the reason) for a password too weak to accept."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise InvalidRequestError(f"A password needs at least {MIN_LENGTH} characters.")
    if len(password) > 256:
        raise InvalidRequestError("A password can have at most 256 characters.")
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 5:
        raise InvalidRequestError("That password is too easy to guess.")
    if username and username.lower() in lowered:
        raise InvalidRequestError("A password must not contain the username.")


@functools.cache
def dummy_hash() -> str:
    """Checked against when the username is unknown, so both cases take as long."""
    return hash_password(secrets.token_urlsafe(16))
