"""Custom actions for the Rasa assistant (rasa-sdk).

Actions are thin adapters: tracker -> service call -> messages + events. They get
their services from ``actions.base.get_services()`` (built lazily, once) or from the
constructor in tests.
"""
