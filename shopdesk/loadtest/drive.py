"""One load level, headless: ``python -m shopdesk.loadtest.drive --host URL --users N
--seconds S --out result.json`` runs the Locust users of ``locustfile`` in this process for S
seconds (after a short ramp that is not counted) and writes what it measured: messages, errors
by kind, turns without a reply, messages/s and p50/p95/p99 of every turn."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import gevent
from locust import events
from locust.env import Environment

from shopdesk.loadtest.locustfile import RestCustomer, SocketCustomer
from shopdesk.loadtest.measure import cpu_seconds, percentile


def run(host: str, users: int, seconds: float, ramp: float = 5.0,
        pids: dict[str, int] | None = None) -> dict[str, object]:
    """Messages in the counted window only (after the ramp); ``pids``: the servers whose CPU
    time in that same window is divided by its messages."""
    samples: list[tuple[float, float, str | None, str]] = []  # (at, ms, error, kind)
    counting = {"on": False}

    @events.request.add_listener
    def _sample(request_type: str, name: str, response_time: float, exception: object = None,
                **_: object) -> None:
        if counting["on"]:
            samples.append((time.monotonic(), float(response_time),
                            str(exception) if exception else None, request_type))

    env = Environment(user_classes=[RestCustomer, SocketCustomer], host=host, events=events)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=max(1.0, users / max(ramp, 0.1)))
    gevent.sleep(ramp)
    before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
    counting["on"] = True
    started = time.monotonic()
    gevent.sleep(seconds)
    counting["on"] = False
    elapsed = time.monotonic() - started
    spent = {name: cpu_seconds(pid) - before[name] for name, pid in (pids or {}).items()}
    runner.quit()
    times = [ms for _, ms, error, _ in samples if error is None]
    errors: dict[str, int] = {}
    for _, _, error, _ in samples:
        if error:
            errors[error] = errors.get(error, 0) + 1
    return {
        "users": users, "seconds": round(elapsed, 1), "messages": len(samples),
        "messages_per_s": round(len(samples) / elapsed, 2) if elapsed else 0.0,
        "p50_ms": round(percentile(times, 0.50), 1), "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "errors": sum(errors.values()) - errors.get("no reply", 0),
        "no_reply": errors.get("no reply", 0), "error_kinds": errors,
        "cpu_ms_per_message": {name: round(1000 * cpu / max(1, len(samples)), 1)
                               for name, cpu in spent.items()},
        "by_kind": {kind: sum(1 for *_, k in samples if k == kind) for kind in
                    sorted({k for *_, k in samples})},
        "timeline": [(round(at - started, 2), round(ms, 1)) for at, ms, error, _ in samples
                     if error is None],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pids", default="", help="name=pid,… of the servers to time")
    args = parser.parse_args()
    pids = {name: int(pid) for name, pid in (item.split("=") for item in args.pids.split(",") if item)}
    result = run(args.host, args.users, args.seconds, pids=pids)
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
