"""bot/fast_paths.py replaces Rasa's per-call schema validation with a validator built once:
it must still be Rasa's code it replaces (this fails after a Rasa upgrade that changes it), and
it must accept and refuse exactly what Rasa's does, with the same message. Runs in Rasa's own
environment (.venv-rasa), as the Rasa server does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa/bin/python"

CHECK = r'''
import jsonschema
from rasa.core.actions.action import RemoteAction
from bot import fast_paths

assert fast_paths.source_hash(RemoteAction._validate_action_result) == \
    fast_paths.VALIDATE_SOURCE_SHA256, "Rasa's _validate_action_result changed: review bot/fast_paths.py"
original = RemoteAction._validate_action_result
fast = fast_paths.compiled_validate_action_result()
action = RemoteAction("action_x", None)
good = [{}, {"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "mood", "value": 0.1, "timestamp": None}],
         "responses": [{"text": "hi", "buttons": []}]},
        {"events": [{"event": "followup", "name": "order_status_form"}]}]
bad = [{"events": "no"}, {"events": [{"event": "nonsense"}]}, {"responses": [3]},
       {"events": [{"event": "slot"}]}, []]
for case in good:
    assert original(action, case) is True and fast(action, case) is True, case
for case in bad:
    messages = []
    for method in (original, fast):
        try:
            method(action, case)
            messages.append(None)
        except jsonschema.ValidationError as e:
            messages.append(e.message)
    assert messages[0] is not None and messages[0] == messages[1], (case, messages)
assert fast_paths.install() is True
assert RemoteAction._validate_action_result is not original
print("ok")
'''


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not installed")
def test_the_compiled_validator_is_rasas_behaviour_and_rasas_code_is_unchanged() -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", CHECK], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(ROOT),
                                                       "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
