"""The frozen scenario suite (tests/scenarios) against the real servers the e2e tests started."""

from __future__ import annotations

import pytest

from shopdesk.clock import system_clock
from shopdesk.scenarios import load, pass_rate, report, reseeding, rest_say, run_all
from shopdesk.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


# The goal is 0.95 (shopdesk.scenarios.GOAL; `make scenarios` exits 1 below it). Until it is
# reached this test holds the line at what has been measured, so a change that breaks
# conversations which work today fails the build. Raise it as the suite improves.
REGRESSION_FLOOR = 0.75


def test_scenario_suite_does_not_fall_below_what_works_today(stack: Stack) -> None:
    with reseeding(stack.settings.database_url, system_clock) as reset:
        outcomes = run_all(load(), rest_say(f"http://127.0.0.1:{stack.settings.rasa_port}"),
                           reset, progress=False)
    print(report(outcomes))
    assert pass_rate(outcomes) >= REGRESSION_FLOOR, report(outcomes)
