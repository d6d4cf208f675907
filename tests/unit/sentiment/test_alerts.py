"""The sentiment spike detector: opens once on a real rise, stays quiet on noise and on quiet
keys, learns the normal rate only while nothing is wrong, closes when it subsides."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sentiment.alert_eval import SIZES, PlainRule, score, simulate
from sentiment.alerts import AlertSettings, ScoredMessage, SpikeDetector

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
BUCKET = timedelta(minutes=15)


def feed(detector: SpikeDetector, buckets: list[tuple[int, int]], start: int = 0,
         key: str = "topic:returns") -> list:
    events = []
    for i, (n, k) in enumerate(buckets, start):
        events += detector.add_bucket(T0 + BUCKET * (i + 1), {key: (n, k)})
    return events


def steady(rng: random.Random, count: int, n: int, p: float) -> list[tuple[int, int]]:
    return [(n, sum(rng.random() < p for _ in range(n))) for _ in range(count)]


def test_a_rise_opens_one_alert_which_closes_when_it_subsides() -> None:
    rng = random.Random(1)
    detector = SpikeDetector()
    assert feed(detector, steady(rng, 40, 8, 0.15)) == []          # normal: nothing
    spike = feed(detector, steady(rng, 8, 10, 0.7), start=40)
    opened = [e for e in spike if e.kind == "opened"]
    assert len(opened) == 1 and opened[0].key == "topic:returns"  # once, not every bucket
    assert opened[0].baseline < 0.3 and opened[0].negative_rate > 0.4
    assert "Negative sentiment spike on topic returns" in opened[0].message()
    assert detector.open_alerts == {"topic:returns": opened[0].at}
    after = feed(detector, steady(rng, 30, 8, 0.15), start=48)
    assert [e.kind for e in after] == ["closed"] and detector.open_alerts == {}
    # the spike did not become the new normal: the baseline was frozen while it lasted
    assert after[0].baseline < 0.3


def test_a_few_upset_messages_on_a_quiet_key_are_not_a_trend() -> None:
    rng = random.Random(2)
    detector = SpikeDetector()
    feed(detector, steady(rng, 40, 1, 0.1))
    assert feed(detector, [(1, 1)] * 6, start=40) == []  # six angry messages in 90 minutes
    assert SpikeDetector(AlertSettings(min_volume=5)).settings.min_volume == 5


def test_no_alert_before_a_key_has_a_baseline() -> None:
    detector = SpikeDetector()
    assert feed(detector, [(20, 18)] * 8) == []  # the first buckets ever: nothing to compare


def test_messages_are_bucketed_by_their_own_time_and_flushed_by_the_callers_clock() -> None:
    rng = random.Random(3)
    detector = SpikeDetector()
    events = []
    for b in range(60):
        negative_share = 0.8 if b >= 48 else 0.1
        for m in range(10):
            at = T0 + BUCKET * b + timedelta(seconds=60 * m)
            score_ = -0.8 if rng.random() < negative_share else 0.4
            events += detector.observe(ScoredMessage(at, score_, topic="shipping",
                                                     product="PC-3001"))
    events += detector.flush(T0 + BUCKET * 61)
    keys = {e.key for e in events if e.kind == "opened"}
    assert keys == {"topic:shipping", "product:PC-3001"}


def test_on_simulated_streams_it_beats_the_plain_rule() -> None:
    streams = [simulate(seed) for seed in range(5000, 5006)]
    ours = score(lambda: SpikeDetector(AlertSettings()), streams)
    plain = score(lambda: PlainRule(0.7, 5), streams)
    assert set(ours.by_size) == set(SIZES)
    assert ours.precision > plain.precision and ours.false_per_day < plain.false_per_day


def test_the_monitor_raises_an_alert_on_the_webhook_once(tmp_path) -> None:  # noqa: ANN001
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from sentiment.alert_monitor import AlertMonitor, WebhookNotifier
    from shopdesk.clock import FixedClock

    received: list[dict] = []
    got = threading.Event()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            got.set()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        clock = FixedClock(T0)
        notifier = WebhookNotifier(f"http://127.0.0.1:{server.server_address[1]}/hook", "Pine")
        monitor = AlertMonitor(clock, notify=notifier)
        rng = random.Random(4)
        events = []
        for minute in range(0, 15 * 60, 2):      # 15 hours, a message every two minutes
            clock.advance(timedelta(minutes=2))
            angry = minute >= 12 * 60
            score_ = -0.9 if rng.random() < (0.8 if angry else 0.1) else 0.5
            events += monitor.record(score_, "returns", "PC-2002")
        opened = [e for e in events if e.kind == "opened"]
        assert {e.key for e in opened} == {"topic:returns", "product:PC-2002"}
        assert got.wait(10)
        assert received[0]["text"].startswith(":rotating_light: Pine: Negative sentiment spike")
        assert set(monitor.open_alerts) == {"topic:returns", "product:PC-2002"}
        assert len(monitor.recent) == 2
    finally:
        server.shutdown()
        server.server_close()


def test_a_failing_webhook_is_logged_without_its_address(caplog) -> None:  # noqa: ANN001
    import httpx

    from sentiment.alert_monitor import WebhookNotifier
    from sentiment.alerts import AlertEvent

    def refuse(url: str, **_: object) -> httpx.Response:
        raise httpx.ConnectError("refused")

    notifier = WebhookNotifier("https://hooks.example.com/services/T0/B0/secret-part", "Pine",
                               attempts=1, post=refuse)
    notifier.send(AlertEvent("opened", "topic:returns", T0, 0.8, 0.1, 40))
    assert "refused an alert" in caplog.text and "secret-part" not in caplog.text
