from __future__ import annotations

import logging

import pytest

from shopdesk.errors import ConfigError
from shopdesk.redact import RedactingFilter, redact
from shopdesk.settings import Secret, Settings


def test_defaults_give_the_embedded_install(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Settings.from_env({"SHOPDESK_DATA_DIR": str(tmp_path)})
    assert s.host == "127.0.0.1"
    assert s.database_url == f"sqlite:///{tmp_path / 'shopdesk.db'}"
    assert (s.rasa_port, s.actions_port, s.web_port) == (5005, 5055, 8000)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SHOPDESK_RASA_PORT", "http", "SHOPDESK_RASA_PORT must be an integer"),
    ("SHOPDESK_WEB_PORT", "70000", "between 1 and 65535"),
    ("SHOPDESK_DATABASE_URL", "shopdesk.db", "SQLAlchemy URL"),
    ("SHOPDESK_LOG_LEVEL", "LOUD", "SHOPDESK_LOG_LEVEL"),
])
def test_bad_settings_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({name: value})


def test_secrets_never_print() -> None:
    s = Settings.from_env({"SHOPDESK_ACTION_SECRET": "hunter2-very-secret"})
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.action_secret)
    assert s.require_action_secret() == "hunter2-very-secret"
    assert repr(Secret("")) == "Secret('')"
    with pytest.raises(ConfigError, match="ACTION_SECRET"):
        Settings.from_env({}).require_action_secret()


@pytest.mark.parametrize(("text", "expected"), [
    ("mail me at jane.doe@example.com", "mail me at [EMAIL]"),
    ("card 4242 4242 4242 4242 please", "card [CARD] please"),
    ("call 07700 900123 today", "call [PHONE] today"),
    ("send it to 12 Elm Avenue, Leeds", "send it to [ADDRESS]"),
    ("waited 3 weeks way too long for 2 pairs of boots", "waited 3 weeks way too long for 2 pairs of boots"),
    ("order 100234 is late", "order 100234 is late"),
    ("not a card 1234 5678 9012 3456", "not a card 1234 5678 9012 3456"),
])
def test_redaction(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO):
        logger.info("customer %s wrote", "jo@example.org")
    assert "jo@example.org" not in caplog.text and "[EMAIL]" in caplog.text


def test_redaction_quality_on_the_labelled_samples() -> None:
    from shopdesk.redaction_eval import SAMPLE, evaluate

    tuned = evaluate(SAMPLE)["all"]
    unseen = evaluate(SAMPLE.with_name("redaction_holdout.jsonl"))["all"]
    assert tuned["f2"] >= 0.98
    assert unseen["f2"] >= 0.93 and unseen["recall"] >= 0.93


def test_redaction_handles_huge_and_hostile_input() -> None:
    for text in ("9" * 100_000, "a" * 100_000, "x at y dot " * 10_000, "1 " * 50_000):
        assert len(redact(text)) > 0


def test_widget_origins_are_the_web_apps_own_plus_the_configured_sites() -> None:
    s = Settings.from_env({"SHOPDESK_WIDGET_ORIGINS": "https://shop.example.com, "
                                                      "http://127.0.0.1:9000/ HTTPS://Blog.Example.com"})
    assert s.widget_origins == ("http://localhost:8000", "http://127.0.0.1:8000",
                                "https://shop.example.com", "http://127.0.0.1:9000",
                                "https://blog.example.com")
    public = Settings.from_env({"SHOPDESK_WEB_PUBLIC_URL": "https://help.example.com/chat/"})
    assert public.web_public_url == "https://help.example.com/chat"
    assert public.widget_origins[0] == "https://help.example.com"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SHOPDESK_WIDGET_ORIGINS", "*", "wildcards are not allowed"),
    ("SHOPDESK_WIDGET_ORIGINS", "https://*.example.com", "wildcards are not allowed"),
    ("SHOPDESK_WIDGET_ORIGINS", "https://shop.example.com/page", "without a path"),
    ("SHOPDESK_WIDGET_ORIGINS", "javascript:alert(1)", "not a web origin"),
    ("SHOPDESK_WEB_PUBLIC_URL", "help.example.com", "SHOPDESK_WEB_PUBLIC_URL"),
    ("SHOPDESK_WIDGET_COLOUR", "green", "#1d5c3a"),
    ("SHOPDESK_WIDGET_COLOUR", "#12345", "#1d5c3a"),
    ("SHOPDESK_WIDGET_POSITION", "top", "right or left"),
    ("SHOPDESK_WIDGET_AVATAR_URL", "javascript:alert(1)", "http"),
])
def test_bad_widget_settings_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({name: value})


def test_widget_look_comes_from_configuration() -> None:
    s = Settings.from_env({"SHOPDESK_WIDGET_NAME": "Ada", "SHOPDESK_WIDGET_COLOUR": "#FFCC00",
                           "SHOPDESK_WIDGET_POSITION": "Left",
                           "SHOPDESK_WIDGET_GREETING": "Hello from Ada",
                           "SHOPDESK_WIDGET_AVATAR_URL": "https://cdn.example.com/ada.png",
                           "SHOPDESK_WIDGET_IDENTITY_SECRET": "s3cret-value"})
    assert s.widget.to_json() == {"name": "Ada", "colour": "#ffcc00", "greeting": "Hello from Ada",
                                  "position": "left",
                                  "avatarUrl": "https://cdn.example.com/ada.png"}
    assert s.identity_secret.reveal() == "s3cret-value" and "s3cret" not in repr(s)


def test_the_spike_detector_is_configured_from_the_environment() -> None:
    from sentiment.alerts import AlertSettings

    settings = Settings.from_env({"SHOPDESK_ALERT_BUCKET_MINUTES": "5",
                                  "SHOPDESK_ALERT_MIN_VOLUME": "30"})
    detector = AlertSettings(**settings.alerts)
    assert detector.bucket_minutes == 5 and detector.min_volume == 30 and detector.warmup == 8
    assert AlertSettings(**Settings.from_env({}).alerts) == AlertSettings()
    for name, value in [("ALERT_BUCKET_MINUTES", "soon"), ("ALERT_MIN_VOLUME", "0"),
                        ("ALERT_THRESHOLD", "-1")]:
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({f"SHOPDESK_{name}": value})
