"""How each platform signs the requests it sends to our webhooks (standard library only).

* Slack: ``X-Slack-Signature: v0=hex(HMAC-SHA256(signing secret, "v0:{timestamp}:{body}"))``
  with ``X-Slack-Request-Timestamp``; requests older than five minutes are replays.
* Meta (Messenger): ``X-Hub-Signature-256: sha256=hex(HMAC-SHA256(app secret, body))``.
* Twilio: ``X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each form field's name and
  value, sorted by name))``, where URL is the full public webhook URL Twilio was given.
* Telegram sends back the secret token given to ``setWebhook`` (compared in constant time).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

SLACK_MAX_AGE_S = 300


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets or signatures."""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack_problem(secret: str, timestamp: str, signature: str, body: bytes, now_s: float
                  ) -> str | None:
    """Why a Slack request is not genuine (None when it is). ``now_s``: the clock's time."""
    if not timestamp or not signature:
        return "no signature"
    try:
        age = abs(now_s - int(timestamp))
    except ValueError:
        return "malformed timestamp"
    if age > SLACK_MAX_AGE_S:
        return "timestamp too old (a replayed request?)"
    if not same(signature, slack_signature(secret, timestamp, body)):
        return "wrong signature"
    return None


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_signature(token: str, url: str, params: Mapping[str, str]) -> str:
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
