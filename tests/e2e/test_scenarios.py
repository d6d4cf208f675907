"""The frozen scenario suite (tests/scenarios) against the real servers the e2e tests started."""

from __future__ import annotations

import pytest

from shopdesk.clock import system_clock
from shopdesk.scenarios import GOAL, load, pass_rate, report, reseeder, rest_say, run_all
from shopdesk.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_scenario_suite_meets_its_goal(stack: Stack) -> None:
    outcomes = run_all(load(), rest_say(f"http://127.0.0.1:{stack.settings.rasa_port}"),
                       reseeder(stack.settings.database_url, system_clock), progress=False)
    print(report(outcomes))
    assert pass_rate(outcomes) >= GOAL, report(outcomes)
