"""Generated and hand-written project files stay consistent."""

from __future__ import annotations

import subprocess
import sys

from shopdesk.settings import PROJECT_ROOT
from tests.helpers import domain


def test_generated_form_rules_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, "scripts/generate_form_rules.py", "--check"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_form_slot_can_be_asked_for() -> None:
    d = domain()
    askable = set(d["responses"]) | set(d["actions"])
    for form, spec in d["forms"].items():
        for slot in spec["required_slots"]:
            assert f"utter_ask_{slot}" in askable or f"action_ask_{slot}" in askable, (form, slot)


def test_domain_has_at_least_twenty_intents() -> None:
    assert len(set(domain()["intents"])) >= 20
