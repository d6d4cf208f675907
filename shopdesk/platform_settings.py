"""Which messaging platforms are switched on, and their credentials (from the environment).

A platform is on when its token variable is set; it then needs every variable that lets us
check the platform's request signatures — a webhook anyone could post to would let anyone
speak as any customer — and the start refuses with the missing variable's name otherwise.
The API base URL of each platform can be changed (a proxy, or the local fakes the tests use).

Standard library only: the Rasa channels read it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from shopdesk.errors import ConfigError

_PREFIX = "SHOPDESK_"


@dataclass(frozen=True)
class PlatformSpec:
    name: str                       # Rasa channel name (the webhook is /webhooks/<name>/webhook)
    title: str
    switch: str                     # the variable that turns the platform on
    required: tuple[str, ...]       # further variables it needs
    optional: tuple[str, ...] = ()
    api_url: str = ""               # default API base URL
    channel_class: str = ""         # what bot/credentials.yml would name


SPECS: dict[str, PlatformSpec] = {
    "telegram": PlatformSpec(
        "telegram", "Telegram", "TELEGRAM_TOKEN", ("TELEGRAM_WEBHOOK_SECRET",),
        ("TELEGRAM_WEBHOOK_URL",), "https://api.telegram.org",
        "bot.platforms.telegram.TelegramChannel"),
    "slack": PlatformSpec(
        "slack", "Slack", "SLACK_BOT_TOKEN", ("SLACK_SIGNING_SECRET",), (),
        "https://slack.com/api", "bot.platforms.slack.SlackChannel"),
    "facebook": PlatformSpec(
        "facebook", "Facebook Messenger", "MESSENGER_PAGE_TOKEN",
        ("MESSENGER_APP_SECRET", "MESSENGER_VERIFY_TOKEN"), (),
        "https://graph.facebook.com/v18.0", "bot.platforms.messenger.MessengerChannel"),
    "twilio": PlatformSpec(
        "twilio", "WhatsApp (Twilio)", "TWILIO_ACCOUNT_SID",
        ("TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER"), ("TWILIO_WEBHOOK_URL",),
        "https://api.twilio.com", "bot.platforms.whatsapp.WhatsAppChannel"),
}
_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")


@dataclass(frozen=True)
class PlatformConfig:
    """One switched-on platform. ``values`` holds its variables without the prefix; use
    :meth:`secret` / :meth:`value` to read them (``repr`` shows no values)."""

    spec: PlatformSpec
    api_url: str
    values: Mapping[str, str] = field(repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    def value(self, variable: str) -> str:
        return self.values.get(variable, "")

    secret = value


def read_platforms(env: Mapping[str, str]) -> tuple[PlatformConfig, ...]:
    """The platforms switched on in ``env``, each checked (ConfigError names what is wrong)."""
    found: list[PlatformConfig] = []
    for spec in SPECS.values():
        def get(variable: str) -> str:
            return (env.get(_PREFIX + variable) or "").strip()
        if not get(spec.switch):
            continue
        missing = [_PREFIX + v for v in spec.required if not get(v)]
        if missing:
            raise ConfigError(
                f"{spec.title} is switched on by {_PREFIX}{spec.switch} but "
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: without "
                "it the platform's requests cannot be verified (see the README, Messaging "
                "platforms).")
        api_url = (get(f"{spec.switch.split('_')[0]}_API_URL") or spec.api_url).rstrip("/")
        if not _URL.fullmatch(api_url):
            raise ConfigError(f"{_PREFIX}{spec.switch.split('_')[0]}_API_URL must be an http(s) "
                              f"URL, got {api_url[:80]!r}")
        for variable in spec.optional:
            if variable.endswith("_URL") and get(variable) and not _URL.fullmatch(get(variable)):
                raise ConfigError(f"{_PREFIX}{variable} must be an http(s) URL")
        if spec.name == "twilio" and not re.fullmatch(r"(whatsapp:)?\+\d{6,16}",
                                                      get("TWILIO_WHATSAPP_NUMBER")):
            raise ConfigError(f"{_PREFIX}TWILIO_WHATSAPP_NUMBER must be the sender number in "
                              "international form, e.g. whatsapp:+14155238886")
        values = {v: get(v) for v in (spec.switch, *spec.required, *spec.optional)}
        found.append(PlatformConfig(spec, api_url, values))
    return tuple(found)
