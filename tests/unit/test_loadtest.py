"""The load test's own arithmetic (Locust itself is installed only by `make loadtest`)."""

from __future__ import annotations

import math
import os

from shopdesk.loadtest.__main__ import table
from shopdesk.loadtest.conversations import CONVERSATIONS, long_conversation
from shopdesk.loadtest.measure import cpu_seconds, percentile


def test_cpu_time_of_a_process_tree_grows_with_work() -> None:
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert cpu_seconds(os.getpid()) > before
    assert cpu_seconds(2 ** 30) == 0.0  # no such process


def test_percentiles_and_conversations() -> None:
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0 and percentile([5.0], 0.99) == 5.0
    assert math.isnan(percentile([], 0.5))
    assert len(long_conversation(200)) == 200
    assert all(len(turns) >= 3 for turns in CONVERSATIONS.values())


def test_the_table_puts_each_system_and_level_on_a_row() -> None:
    level = {"users": 16, "messages_per_s": 11.1, "p50_ms": 1221.0, "p95_ms": 2215.0,
             "p99_ms": 2817.0, "errors": 0, "no_reply": 0,
             "cpu_ms_per_message": {"rasa": 125.3, "actions": 25.4}}
    growth = {"turns": 200, "first10_ms": 115.0, "last10_ms": 120.0, "ratio": 1.04}
    text = table([{"name": "ours", "levels": [level], "growth": growth}])
    assert "| ours | 16 | 11.1 | 1221 | 2215 | 2817 | 0 | 0 | 125.3 | 25.4 |" in text
    assert "| ours | 200 | 115 ms | 120 ms | 1.04× |" in text


def test_samples_are_put_in_the_first_stage_on_their_stack_and_idle_ones_left_out() -> None:
    from shopdesk.loadtest.stages import RASA_STAGES, shares

    folded = "\n".join([
        "serve;handle;parse_message (rasa/core/processor.py:1);run (onnxruntime/x.py:2) 6",
        "serve;handle;_predict_next_action_with_policies (rasa/core/processor.py:3) 3",
        "serve;retrieve (rasa/core/tracker_store.py:9);do_execute (sqlalchemy/x.py:1) 1",
        "serve;glue (sanic/app.py:1) 2",
        "thread;collect (gc_helper.py:1) 2",
        "serve;select (selectors.py:1) 50",  # waiting: not counted
        "a malformed line",
    ])
    split = shares(folded, RASA_STAGES)
    assert split == {"NLU": 6 / 14, "tracker store": 1 / 14, "policies": 3 / 14,
                     "channel and web server": 2 / 14, "other": 2 / 14}
    assert shares("", RASA_STAGES) == {}
