"""bot/fast_paths.py replaces Rasa's per-call schema validation with a validator built once, and
its per-event walk of the Event class tree with a lookup: each must still be Rasa's code it
replaces (this fails after a Rasa upgrade that changes it), and must answer exactly as Rasa's.
Runs in Rasa's own environment (.venv-rasa), as the Rasa server does."""

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
from rasa.shared.core.events import Event
assert fast_paths.source_hash(Event.resolve_by_type) == fast_paths.RESOLVE_SOURCE_SHA256, \
    "Rasa's Event.resolve_by_type changed: review bot/fast_paths.py"
rasa_resolve, cached = Event.resolve_by_type, fast_paths.cached_resolve_by_type()
from rasa.shared.utils.common import all_subclasses
names = sorted({cls.type_name for cls in all_subclasses(Event)})
assert len(names) > 20
for name in names:
    assert cached(name) is rasa_resolve(name), name
assert cached("topic") is None and rasa_resolve("topic") is None
assert cached("nonsense", Event) is rasa_resolve("nonsense", Event) is Event
for resolve in (cached, rasa_resolve):
    try:
        resolve("nonsense")
        raise AssertionError("an unknown name must raise")
    except ValueError as e:
        assert str(e) == "Unknown event name 'nonsense'."
from rasa.shared.core.events import SlotSet
class LaterEvent(SlotSet):  # defined after the lookup was built: still found
    type_name = "later_event_for_the_test"
assert cached("later_event_for_the_test") is LaterEvent is rasa_resolve("later_event_for_the_test")
assert fast_paths.install() is True
assert RemoteAction._validate_action_result is not original
assert Event.resolve_by_type is not rasa_resolve
print("ok")
'''


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not installed")
def test_the_fast_paths_behave_as_rasa_and_rasas_code_is_unchanged() -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", CHECK], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"PYTHONPATH": str(ROOT),
                                                       "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]
