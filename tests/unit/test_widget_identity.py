"""Identity verification for the website widget: a site's server signs who is chatting."""

from __future__ import annotations

import logging

import pytest

from shopdesk.identity import (
    CLAIM_KEY,
    VERIFIED_KEY,
    SignedIdentity,
    checked_metadata,
    sign,
    verified_from,
    verify,
)

SECRET = "site-secret-for-tests"


def claim(user_id: str = "cust-42", email: str = "jane.doe@example.com",
          secret: str = SECRET) -> dict[str, str]:
    return {"userId": user_id, "email": email, "signature": sign(secret, user_id, email)}


def test_a_signature_made_with_the_shared_secret_verifies() -> None:
    identity, reason = verify(SECRET, claim())
    assert identity == SignedIdentity("cust-42", "jane.doe@example.com") and reason == "verified"
    # without an e-mail the site signs the id alone (and an empty e-mail)
    assert verify(SECRET, claim(email=""))[0] == SignedIdentity("cust-42", "")
    # the signature is hex: upper case from another language's HMAC library is the same
    upper = {**claim(), "signature": claim()["signature"].upper()}
    assert verify(SECRET, upper)[0] is not None


@pytest.mark.parametrize(("bad", "why"), [
    ({**claim(), "signature": "0" * 64}, "does not match"),
    ({**claim(), "userId": "cust-43"}, "does not match"),            # someone else's id
    ({**claim(), "email": "mallory@example.com"}, "does not match"),  # someone else's e-mail
    (claim(secret="another-site"), "does not match"),
    ({"userId": "cust-42", "email": ""}, "not signed"),
    ({"userId": "", "signature": "ab"}, "userId"),
    ({"userId": "x" * 500, "signature": "ab"}, "userId"),
    ({"userId": "a\x00b", "signature": "ab"}, "userId"),
    ({"userId": 42, "signature": "ab"}, "userId"),
    ({"userId": "cust-42", "email": "not-an-email", "signature": "ab"}, "e-mail"),
    ("cust-42", "not an object"),
    (None, "not an object"),
])
def test_forged_or_malformed_identities_are_refused_with_a_reason(bad: object, why: str) -> None:
    identity, reason = verify(SECRET, bad)
    assert identity is None and why in reason


def test_without_a_configured_secret_nothing_is_trusted() -> None:
    identity, reason = verify("", claim(secret=""))
    assert identity is None and "SHOPDESK_WIDGET_IDENTITY_SECRET" in reason


def test_the_channel_passes_on_only_what_it_verified(caplog: pytest.LogCaptureFixture) -> None:
    good = checked_metadata({CLAIM_KEY: claim(), "page": "/orders"}, "socketio", SECRET)
    assert good == {"page": "/orders",
                    VERIFIED_KEY: {"user_id": "cust-42", "email": "jane.doe@example.com"}}
    assert verified_from(good) == SignedIdentity("cust-42", "jane.doe@example.com")
    # a client that claims to be verified already is not believed
    with caplog.at_level(logging.WARNING):
        forged = checked_metadata({VERIFIED_KEY: {"user_id": "admin"},
                                   CLAIM_KEY: {**claim(), "signature": "f" * 64}},
                                  "socketio", SECRET)
    assert forged == {} and verified_from(forged) is None
    assert "ignored a customer identity" in caplog.text and "cust-42" not in caplog.text
    assert checked_metadata("not a dict", "rest", SECRET) == {}
    assert verified_from(None) is None and verified_from({VERIFIED_KEY: "x"}) is None
