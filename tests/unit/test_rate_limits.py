"""Rate limits and body limits on the public entry points (the web app's API here; Rasa's
channels in tests/e2e/test_limits.py)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from console.app import create_app
from shopdesk.ratelimit import RateLimiter
from shopdesk.settings import Settings


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = FakeMonotonic()
    limiter = RateLimiter(per_minute=6, burst=3, monotonic=clock)
    assert [limiter.allow("a")[0] for _ in range(4)] == [True, True, True, False]
    allowed, wait = limiter.allow("a")
    assert not allowed and wait == pytest.approx(10.0)  # 6 a minute: one every 10 s
    assert limiter.allow("b")[0]  # keys are independent
    clock.now += 10.0
    assert limiter.allow("a")[0] and not limiter.allow("a")[0]
    clock.now += 3600
    assert [limiter.allow("a")[0] for _ in range(4)] == [True, True, True, False]  # capped


def test_the_number_of_buckets_is_bounded() -> None:
    limiter = RateLimiter(per_minute=1, max_keys=100, monotonic=FakeMonotonic())
    for i in range(1000):
        limiter.allow(f"ip-{i}")
    assert len(limiter._buckets) == 100
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0)


def client(**env: str) -> TestClient:
    return TestClient(create_app(Settings.from_env({"SHOPDESK_ADMIN_TOKEN": "t" * 32, **env})))


def test_the_api_refuses_a_body_over_the_limit_with_413() -> None:
    c = client(SHOPDESK_MAX_BODY_BYTES="4096")
    big = {"channel": "email", "value": "x" * 10_000}
    r = c.post("/api/customers/lookup", json=big, headers={"Authorization": "Bearer " + "t" * 32})
    assert r.status_code == 413 and "4,096 bytes" in r.json()["error"]
    # a lying Content-Length does not help: the body is counted as it arrives
    r = c.post("/api/customers/lookup", content=b"x" * 10_000,
               headers={"Authorization": "Bearer " + "t" * 32, "Content-Length": "10"})
    assert r.status_code in (400, 413)
    # under the limit the request reaches the API (which wants its token)
    assert c.post("/api/customers/lookup", json={"channel": "email", "value": "a@b.c"}
                  ).status_code == 401


def test_the_api_refuses_a_flood_from_one_address_with_429() -> None:
    c = client(SHOPDESK_RATE_PER_IP="5")
    codes = [c.post("/api/customers/lookup", json={}).status_code for _ in range(8)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    r = c.post("/api/customers/lookup", json={})
    assert int(r.headers["retry-after"]) >= 1 and "Too many" in r.json()["error"]
    assert c.get("/widget.js").status_code == 200  # static files are not limited
