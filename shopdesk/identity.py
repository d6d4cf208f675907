"""Signed customer identity from the company's website (identity verification).

A site with logged-in customers tells the widget who is chatting. So that nobody can claim
to be someone else by editing the page, the site's *server* signs the claim with a secret it
shares with us (``SHOPDESK_WIDGET_IDENTITY_SECRET``), as Intercom and Chatwoot do:

    signature = hex( HMAC-SHA256( secret, user_id + "\\n" + email ) )

(``email`` is "" when the site does not pass one). The widget sends ``{"userId", "email",
"signature"}`` with each message; the Rasa channel verifies it before anything else sees it.
A verified identity reaches the actions as ``verified_identity`` in the message metadata; an
unsigned, malformed or badly signed one is dropped and logged, never trusted — and a
``verified_identity`` sent by a client is always removed.

Standard library only: it runs in the Rasa environment too.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)
CLAIM_KEY = "identity"             # what the widget sends in the message metadata
VERIFIED_KEY = "verified_identity"  # what the channel passes on once verified
MAX_ID_CHARS = 128
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class SignedIdentity:
    user_id: str
    email: str = ""

    def to_metadata(self) -> dict[str, str]:
        return {"user_id": self.user_id, "email": self.email}


def sign(secret: str, user_id: str, email: str = "") -> str:
    """The signature a company's server puts beside a logged-in customer's id."""
    message = f"{user_id}\n{email}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, claim: Any) -> tuple[SignedIdentity | None, str]:
    """The identity in ``claim`` if its signature is right, else None and why."""
    if not isinstance(claim, dict):
        return None, "the identity is not an object"
    user_id, email, signature = claim.get("userId"), claim.get("email") or "", claim.get("signature")
    if not isinstance(user_id, str) or not _PRINTABLE.fullmatch(user_id) \
            or len(user_id) > MAX_ID_CHARS:
        return None, f"userId must be 1-{MAX_ID_CHARS} printable characters"
    if not isinstance(email, str) or (email and not _EMAIL.fullmatch(email)):
        return None, "email is not an e-mail address"
    if not isinstance(signature, str) or not signature:
        return None, "the identity is not signed"
    if not secret:
        return None, "no identity secret is configured (SHOPDESK_WIDGET_IDENTITY_SECRET)"
    if not hmac.compare_digest(sign(secret, user_id, email), signature.lower()):
        return None, "the signature does not match"
    return SignedIdentity(user_id, email.lower()), "verified"


def verified_from(metadata: Any) -> SignedIdentity | None:
    """The identity the channel verified for this message (actions read it from here)."""
    if not isinstance(metadata, dict):
        return None
    value = metadata.get(VERIFIED_KEY)
    if not isinstance(value, dict) or not isinstance(value.get("user_id"), str):
        return None
    return SignedIdentity(value["user_id"], str(value.get("email") or ""))


def checked_metadata(metadata: Any, channel: str, secret: str) -> dict[str, Any]:
    """A message's metadata with its identity claim verified (or dropped, and logged).

    A client can never supply ``verified_identity`` itself, and the claim with its signature
    is not kept in the conversation's events either way."""
    out = dict(metadata) if isinstance(metadata, dict) else {}
    out.pop(VERIFIED_KEY, None)
    claim = out.pop(CLAIM_KEY, None)
    if claim is not None:
        identity, reason = verify(secret, claim)
        if identity is None:
            logger.warning("ignored a customer identity on a %s message: %s", channel, reason)
        else:
            out[VERIFIED_KEY] = identity.to_metadata()
    return out
