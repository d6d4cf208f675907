"""Local fakes of the messaging platforms' APIs, for tests without internet.

Each fake plays both sides of its platform: it *delivers* customer messages to our webhook
the way the platform does (same path, payload shape and real signature), and it *serves* the
platform's send-message API, which our channel reaches through its configurable base URL
(``SHOPDESK_<PLATFORM>_API_URL``). Failures can be injected (429 with ``Retry-After``, 5xx)
to check that replies are retried, not lost.
"""
