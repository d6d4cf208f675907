"""Encryption at rest for the profile store's sensitive columns.

Identity values (e-mail addresses, messaging ids) and interaction texts are stored encrypted
with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from ``SHOPDESK_PROFILE_KEY``.
Lookups by identity use a keyed hash (HMAC-SHA256 under a second derived key), so the database
never holds the plain value and an attacker with only the database cannot test guesses.
The key lives in the environment (``make run`` generates one into ``var/secrets.env``, 0600)
and is wrapped in :class:`~shopdesk.settings.Secret`, so it never appears in a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from shopdesk.errors import ConfigError, ShopdeskError


class DecryptionError(ShopdeskError):
    """A stored value cannot be decrypted with the configured key (wrong or rotated key)."""


class FieldCipher:
    def __init__(self, secret: str) -> None:
        if not secret or len(secret) < 16:
            raise ConfigError("SHOPDESK_PROFILE_KEY must be set to a random string of at least 16 "
                              "characters (`make run` generates one into var/secrets.env)")
        master = secret.encode()
        enc = hmac.new(master, b"shopdesk/profile/encryption", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(enc))
        self._lookup_key = hmac.new(master, b"shopdesk/profile/lookup", hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "FieldCipher(<key hidden>)"

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise DecryptionError("a stored value cannot be decrypted: SHOPDESK_PROFILE_KEY is "
                                  "not the key it was written with") from None

    def lookup(self, channel: str, value: str) -> str:
        """The keyed hash an identity is found by (case-insensitive for e-mail)."""
        normalised = value.strip().lower() if channel == "email" else value.strip()
        return hmac.new(self._lookup_key, f"{channel}\x00{normalised}".encode(),
                        hashlib.sha256).hexdigest()
