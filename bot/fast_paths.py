"""Waste removed from Rasa 3.6's hot path, keeping its behaviour.

**Validating action responses.** Rasa validates every action server response with
``jsonschema.validate``, which checks the schema itself and builds a new validator on each call
(about 23 ms for a small response on our CI machine, half of the Rasa process's CPU under load).
The schema never changes (``RemoteAction.action_response_format_spec`` is a constant), so
:func:`install` builds the validator once and validates with it — the same errors (jsonschema's
``best_match``) and the same message Rasa adds. It replaces Rasa's method only while that
method's source is the one this was written against (:data:`VALIDATE_SOURCE_SHA256`); after a
Rasa upgrade that changes it, Rasa's own method stays and a warning says so
(``tests/unit/test_rasa_fast_paths.py`` fails first).

**Finding an event's class.** Every event read from the tracker store is turned into its class by
``Event.resolve_by_type``, which walks Event's whole class tree (and ``inspect.isabstract`` on
each class) for every event: in a 150-turn conversation that was a tenth of the Rasa process's
time. The classes are looked up once by type name instead (the first match wins, as in Rasa's
loop), and looked up again when a name is not found, so an Event subclass defined later is still
found; the unknown-name, "topic" and default answers are Rasa's
(:data:`RESOLVE_SOURCE_SHA256` guards it the same way).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from typing import Any

logger = logging.getLogger(__name__)

VALIDATE_SOURCE_SHA256 = "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"
RESOLVE_SOURCE_SHA256 = "b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968"


def source_hash(function: Any) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def compiled_validate_action_result() -> Any:
    """Rasa's ``RemoteAction._validate_action_result`` with its validator built once."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    kind = validator_for(schema)
    kind.check_schema(schema)
    validator = kind(schema)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    return _validate_action_result


def cached_resolve_by_type() -> Any:
    """Rasa's ``Event.resolve_by_type`` with the class tree walked once per new name."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    def classes() -> dict[str, Any]:
        found: dict[str, Any] = {}
        for cls in all_subclasses(Event):
            found.setdefault(cls.type_name, cls)
        return found

    known = {"by_name": classes()}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = known["by_name"].get(type_name)
        if cls is None:  # perhaps a subclass defined since: walk the tree again, as Rasa does
            known["by_name"] = classes()
            cls = known["by_name"].get(type_name)
        if cls is not None:
            return cls
        if type_name == "topic":
            return None  # backwards compatibility to support old TopicSet evts
        if default is not None:
            return default
        raise ValueError(f"Unknown event name '{type_name}'.")

    return resolve_by_type


def install() -> bool:
    """Put the fast paths in place; False (Rasa's own code kept) if Rasa's changed."""
    try:
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # not Rasa's environment (a unit test of the start-up wrapper)
        return False
    original = RemoteAction._validate_action_result
    if source_hash(original) != VALIDATE_SOURCE_SHA256:
        logger.warning("Rasa's RemoteAction._validate_action_result is not the one bot/fast_paths.py "
                       "was written for; keeping Rasa's (slower) validation")
        return False
    RemoteAction._validate_action_result = compiled_validate_action_result()  # type: ignore[method-assign]
    from rasa.shared.core.events import Event

    if source_hash(Event.resolve_by_type) != RESOLVE_SOURCE_SHA256:
        logger.warning("Rasa's Event.resolve_by_type is not the one bot/fast_paths.py was written "
                       "for; keeping Rasa's")
        return False
    Event.resolve_by_type = staticmethod(cached_resolve_by_type())  # type: ignore[method-assign]
    return True
