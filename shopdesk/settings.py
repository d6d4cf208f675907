"""One settings object, read once from the environment.

Every value has a default that gives the embedded, single-machine install
(SQLite files under ``var/``, services on localhost). Secrets are wrapped in
:class:`Secret` so they never show up in ``repr`` or logs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from shopdesk.errors import ConfigError
from shopdesk.platform_settings import PlatformConfig, read_platforms
from shopdesk.support_hours import SupportHours

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PREFIX = "SHOPDESK_"


class Secret:
    """A string that does not reveal itself when printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


_ORIGIN = re.compile(r"(?i)https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


def parse_origins(raw: str, variable: str = "WIDGET_ORIGINS") -> tuple[str, ...]:
    """Web origins (``scheme://host[:port]``) from a comma- or space-separated list.

    Each one is checked: no paths, no wildcards (a widget that any site may load is a widget
    any site may use to talk to your customers' conversations)."""
    origins: list[str] = []
    for item in re.split(r"[,\s]+", raw.strip()):
        if not item:
            continue
        origin = item.rstrip("/")
        if not _ORIGIN.fullmatch(origin):
            hint = (" — wildcards are not allowed: list each site" if "*" in origin else
                    " — an origin is scheme://host[:port], without a path")
            raise ConfigError(f"{_PREFIX}{variable}: {item[:80]!r} is not a web origin{hint}")
        origin = origin.lower()
        if origin not in origins:
            origins.append(origin)
    return tuple(origins)


def origin_allowed(origin: str, allowed: tuple[str, ...] | set[str]) -> bool:
    """Whether a browser's ``Origin`` header names one of the ``allowed`` origins."""
    return origin.strip().lower().rstrip("/") in allowed


STORE_BACKENDS = ("sql", "shopify", "woocommerce")
SHOPIFY_API_VERSION = "2026-10"  # Shopify supports each quarterly version for a year
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


@dataclass(frozen=True)
class StoreBackend:
    """Where the company's orders live: our own tables ("sql"), or its Shopify or WooCommerce
    store, reached with these credentials (``commerce.shopify_repository``,
    ``commerce.woocommerce_repository``). Support records stay in our database either way."""

    kind: str = "sql"
    url: str = ""                       # the shop's base URL, without a trailing slash
    key: Secret = field(default_factory=lambda: Secret(""))     # Shopify token / WC key
    secret: Secret = field(default_factory=lambda: Secret(""))  # WooCommerce consumer secret
    api_version: str = SHOPIFY_API_VERSION


def read_store_backend(env: Mapping[str, str]) -> StoreBackend:
    """``SHOPDESK_STORE`` and the chosen platform's URL and credentials.

    Raises:
        ConfigError: an unknown backend, a missing variable (named), or a URL that would send
            the credentials in the clear (plain http is allowed only to this machine, where
            the tests' fake platforms run).
    """

    def get(name: str) -> str:
        return env.get(_PREFIX + name, "").strip()

    kind = (get("STORE") or "sql").lower()
    if kind not in STORE_BACKENDS:
        raise ConfigError(f"{_PREFIX}STORE must be one of {', '.join(STORE_BACKENDS)}, got "
                          f"{kind[:30]!r}")
    if kind == "sql":
        return StoreBackend()
    names = (("SHOPIFY_SHOP_URL", "SHOPIFY_ACCESS_TOKEN", "") if kind == "shopify" else
             ("WOOCOMMERCE_URL", "WOOCOMMERCE_KEY", "WOOCOMMERCE_SECRET"))
    for name in names:
        if name and not get(name):
            raise ConfigError(f"{_PREFIX}{name} is required when {_PREFIX}STORE={kind}")
    url = get(names[0]).rstrip("/")
    if kind == "shopify" and "://" not in url:
        url = "https://" + url  # "pinecrest.myshopify.com" as Shopify shows it
    parts = urlsplit(url)
    local = (parts.hostname or "") in {h.strip("[]") for h in _LOCAL_HOSTS}
    if parts.scheme not in {"https", "http"} or not parts.netloc or parts.query or (
            parts.scheme == "http" and not local):
        raise ConfigError(f"{_PREFIX}{names[0]} must be the shop's https:// address (plain "
                          "http would expose the API credentials), got "
                          f"{url[:80]!r}")
    version = get("SHOPIFY_API_VERSION") or SHOPIFY_API_VERSION
    if not re.fullmatch(r"\d{4}-\d{2}|unstable", version):
        raise ConfigError(f"{_PREFIX}SHOPIFY_API_VERSION must look like 2026-10")
    return StoreBackend(kind, url, Secret(get(names[1])), Secret(get(names[2]) if names[2] else ""),
                        version)


@dataclass(frozen=True)
class WidgetLook:
    """How the website widget looks, from the company's configuration (not code)."""

    name: str = "Pine"                  # the assistant's name in the header and launcher
    colour: str = "#1d5c3a"             # brand colour (#rrggbb); text on it picks black or white
    greeting: str = ("Hi, I'm Pine. Ask me about an order, a delivery, a return or one of our "
                     "products.")          # shown in an empty conversation
    position: str = "right"             # launcher corner: right or left
    avatar_url: str = ""                # https image for the header ("" = initials)

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "colour": self.colour, "greeting": self.greeting,
                "position": self.position, "avatarUrl": self.avatar_url}


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. Build it with :meth:`from_env`."""

    data_dir: Path
    database_url: str
    qa_corpus: Path
    index_dir: Path
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: int = 8000
    rasa_public_url: str = ""
    web_public_url: str = ""
    # sites allowed to embed the widget and talk to Rasa's socket.io / REST from a browser
    widget_origins: tuple[str, ...] = ()
    widget: WidgetLook = field(default_factory=WidgetLook)
    identity_secret: Secret = field(default_factory=lambda: Secret(""))
    # limits on every public entry point (Rasa's REST and socket.io, the web app's API)
    rate_per_sender: int = 30          # messages a minute per conversation (bursts of as many)
    rate_per_ip: int = 300             # requests a minute per client IP address
    max_body_bytes: int = 65_536       # largest request body accepted
    max_photo_bytes: int = 5_000_000   # largest photo a customer may attach
    # messaging platforms switched on (shopdesk.platform_settings)
    platforms: tuple[PlatformConfig, ...] = ()
    action_secret: Secret = field(default_factory=lambda: Secret(""))
    rasa_jwt_secret: Secret = field(default_factory=lambda: Secret(""))
    profile_key: Secret = field(default_factory=lambda: Secret(""))
    admin_token: Secret = field(default_factory=lambda: Secret(""))
    profiles: bool = True
    retention_days: int = 365
    # when the support team is there to take over (shopdesk.support_hours)
    support_hours: SupportHours = field(default_factory=SupportHours)
    # the agent console's staff sessions
    staff_session_hours: float = 10.0
    staff_idle_minutes: float = 30.0
    staff_logins_per_minute: int = 10
    staff_stream_seconds: float = 300.0    # one live-view stream's life (the browser reconnects)
    # e-mail to customers (console.mailer); no host: e-mail is off
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: Secret = field(default_factory=lambda: Secret(""))
    smtp_from: str = ""
    smtp_starttls: bool = True
    # CSAT: ask a conversation that has been quiet this long for its rating (0 = never)
    csat_idle_minutes: float = 15.0
    # where sentiment spike alerts go (Slack-compatible incoming webhook); "" = logged only
    alert_webhook_url: Secret = field(default_factory=lambda: Secret(""))
    # customers' e-mail replies posted by the mail service (console.inbound_mail); "" = off
    inbound_mail_secret: Secret = field(default_factory=lambda: Secret(""))
    # where the company's orders live (SHOPDESK_STORE): our tables, Shopify or WooCommerce
    store_backend: StoreBackend = field(default_factory=StoreBackend)

    @property
    def rasa_tracker_db(self) -> Path:
        """Rasa's conversation events (SQLite file written by the Rasa server)."""
        return self.data_dir / "rasa_tracker.db"
    store_name: str = "Pinecrest Outfitters"
    max_message_chars: int = 2000
    handoff_after_failures: int = 2
    log_level: str = "INFO"
    retriever: str = "hybrid"
    sentiment_model: str = "transformer"
    sentiment_precision: str = "auto"
    mood: dict[str, float] = field(default_factory=dict)
    ranking: dict[str, float] = field(default_factory=dict)
    alerts: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default: ``os.environ``).

        Raises:
            ConfigError: a value is present but unusable; the message names the variable.
        """
        env = os.environ if env is None else env

        def get(name: str, default: str) -> str:
            return env.get(_PREFIX + name, default).strip() or default

        def get_number(name: str, default: float, low: float, high: float, kind: type) -> float:
            raw = get(name, str(default))
            try:
                value = kind(raw)
            except ValueError:
                what = "an integer" if kind is int else "a number"
                raise ConfigError(f"{_PREFIX}{name} must be {what}, got {raw[:40]!r}") from None
            if not low <= value <= high:
                raise ConfigError(f"{_PREFIX}{name} must be between {low} and {high}, got {value}")
            return value

        def get_int(name: str, default: int, low: int, high: int) -> int:
            return int(get_number(name, default, low, high, int))

        def get_float(name: str, default: float, low: float, high: float) -> float:
            return float(get_number(name, default, low, high, float))

        data_dir = Path(get("DATA_DIR", str(PROJECT_ROOT / "var"))).expanduser().resolve()
        database_url = get("DATABASE_URL", f"sqlite:///{data_dir / 'shopdesk.db'}")
        if "://" not in database_url:
            raise ConfigError(
                f"{_PREFIX}DATABASE_URL must be a SQLAlchemy URL such as "
                "sqlite:///var/shopdesk.db or postgresql+psycopg://user@host/db"
            )
        host = get("HOST", "127.0.0.1")
        rasa_port = get_int("RASA_PORT", 5005, 1, 65535)
        if get("RETRIEVER", "hybrid") not in {"hybrid", "keyword"}:
            raise ConfigError(f"{_PREFIX}RETRIEVER must be 'hybrid' or 'keyword'")
        if get("SENTIMENT_MODEL", "transformer") not in {"transformer", "vader"}:
            raise ConfigError(f"{_PREFIX}SENTIMENT_MODEL must be 'transformer' or 'vader'")
        if get("SENTIMENT_PRECISION", "auto") not in {"auto", "fp32", "int8"}:
            raise ConfigError(f"{_PREFIX}SENTIMENT_PRECISION must be auto, fp32 or int8")
        mood = {
            "escalate_mood": get_float("MOOD_ESCALATE_MOOD", -0.5, -1.0, 0.0),
            "escalate_turns": get_int("MOOD_ESCALATE_TURNS", 2, 1, 20),
            "escalate_frustration": get_float("MOOD_ESCALATE_FRUSTRATION", 1.2, 0.1, 10.0),
            "empathetic_below": get_float("MOOD_EMPATHETIC_BELOW", -0.25, -1.0, 0.0),
            "upbeat_above": get_float("MOOD_UPBEAT_ABOVE", 0.35, 0.0, 1.0),
            "cooldown_turns": get_int("MOOD_COOLDOWN_TURNS", 3, 0, 50),
        }
        if not mood["escalate_mood"] <= mood["empathetic_below"]:
            raise ConfigError(f"{_PREFIX}MOOD_ESCALATE_MOOD must not be above "
                              f"{_PREFIX}MOOD_EMPATHETIC_BELOW")
        ranking = {
            "remedy_weight": get_float("RANK_REMEDY_WEIGHT", 0.6, 0.0, 5.0),
            "promo_weight": get_float("RANK_PROMO_WEIGHT", 0.2, 0.0, 5.0),
        }
        alerts = {  # the sentiment spike detector (sentiment.alerts.AlertSettings)
            "bucket_minutes": get_float("ALERT_BUCKET_MINUTES", 15.0, 0.05, 24 * 60),
            "min_volume": get_int("ALERT_MIN_VOLUME", 20, 1, 100_000),
            "warmup": get_int("ALERT_WARMUP_BUCKETS", 8, 0, 10_000),
            "threshold": get_float("ALERT_THRESHOLD", 6.0, 0.5, 100.0),
        }
        log_level = get("LOG_LEVEL", "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(f"{_PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        web_port = get_int("WEB_PORT", 8000, 1, 65535)
        web_public_url = get("WEB_PUBLIC_URL", f"http://localhost:{web_port}").rstrip("/")
        parts = urlsplit(web_public_url)
        if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
            raise ConfigError(f"{_PREFIX}WEB_PUBLIC_URL must be an http(s) URL such as "
                              f"https://help.example.com, got {web_public_url[:80]!r}")
        own = parse_origins(f"{parts.scheme}://{parts.netloc}", "WEB_PUBLIC_URL")
        local = (f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}")
        widget_origins = parse_origins(" ".join([*own, *local, get("WIDGET_ORIGINS", "")]))
        colour = get("WIDGET_COLOUR", WidgetLook.colour)
        if not _COLOUR.fullmatch(colour):
            raise ConfigError(f"{_PREFIX}WIDGET_COLOUR must be a colour like #1d5c3a, got "
                              f"{colour[:20]!r}")
        position = get("WIDGET_POSITION", "right").lower()
        if position not in {"right", "left"}:
            raise ConfigError(f"{_PREFIX}WIDGET_POSITION must be right or left")
        avatar = get("WIDGET_AVATAR_URL", "")
        if avatar and not re.fullmatch(r"https?://\S{1,500}", avatar):
            raise ConfigError(f"{_PREFIX}WIDGET_AVATAR_URL must be an http(s) URL")
        widget = WidgetLook(name=get("WIDGET_NAME", "Pine")[:40],
                            colour=colour.lower(),
                            greeting=get("WIDGET_GREETING", WidgetLook.greeting)[:300],
                            position=position, avatar_url=avatar)
        smtp_port = get_int("SMTP_PORT", 587, 1, 65535)
        smtp_from = get("SMTP_FROM", "")
        if get("SMTP_HOST", "") and not re.fullmatch(r"[^@\s<>]{1,64}@[^@\s<>]{1,255}", smtp_from):
            raise ConfigError(f"{_PREFIX}SMTP_FROM must be the e-mail address replies come from "
                              "when SHOPDESK_SMTP_HOST is set")
        alert_webhook = env.get(_PREFIX + "ALERT_WEBHOOK_URL", "").strip()
        if alert_webhook and not re.fullmatch(r"https?://\S{1,2000}", alert_webhook):
            raise ConfigError(f"{_PREFIX}ALERT_WEBHOOK_URL must be an http(s) URL (a Slack-"
                              "compatible incoming webhook)")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            qa_corpus=Path(get("QA_CORPUS", str(PROJECT_ROOT / "training_data/qa/faq.csv"))),
            index_dir=Path(get("INDEX_DIR", str(data_dir / "index"))).expanduser().resolve(),
            retriever=get("RETRIEVER", "hybrid"),
            sentiment_model=get("SENTIMENT_MODEL", "transformer"),
            sentiment_precision=get("SENTIMENT_PRECISION", "auto"),
            mood=mood,
            ranking=ranking,
            host=host,
            rasa_port=rasa_port,
            actions_port=get_int("ACTIONS_PORT", 5055, 1, 65535),
            web_port=web_port,
            rasa_public_url=get("RASA_PUBLIC_URL", f"http://localhost:{rasa_port}"),
            web_public_url=web_public_url,
            widget_origins=widget_origins,
            widget=widget,
            identity_secret=Secret(env.get(_PREFIX + "WIDGET_IDENTITY_SECRET", "")),
            rate_per_sender=get_int("RATE_PER_SENDER", 30, 1, 100_000),
            rate_per_ip=get_int("RATE_PER_IP", 300, 1, 10_000_000),
            max_body_bytes=get_int("MAX_BODY_BYTES", 65_536, 4_096, 50_000_000),
            max_photo_bytes=get_int("MAX_PHOTO_BYTES", 5_000_000, 10_000, 20_000_000),
            platforms=read_platforms(env),
            action_secret=Secret(env.get(_PREFIX + "ACTION_SECRET", "")),
            rasa_jwt_secret=Secret(env.get(_PREFIX + "RASA_JWT_SECRET", "")),
            profile_key=Secret(env.get(_PREFIX + "PROFILE_KEY", "")),
            admin_token=Secret(env.get(_PREFIX + "ADMIN_TOKEN", "")),
            profiles=get("PROFILES", "on").lower() not in {"off", "0", "false", "no"},
            retention_days=get_int("RETENTION_DAYS", 365, 1, 36_500),
            alert_webhook_url=Secret(alert_webhook),
            inbound_mail_secret=Secret(env.get(_PREFIX + "INBOUND_MAIL_SECRET", "")),
            store_backend=read_store_backend(env),
            alerts=alerts,
            support_hours=SupportHours.from_config(
                get("SUPPORT_HOURS", "mon-fri 08:00-18:00; sat 09:00-13:00"),
                get("SUPPORT_TIMEZONE", "Europe/London"), get("SUPPORT_HOLIDAYS", "")),
            staff_session_hours=get_float("STAFF_SESSION_HOURS", 10.0, 0.1, 24 * 30),
            staff_idle_minutes=get_float("STAFF_IDLE_MINUTES", 30.0, 1.0, 24 * 60),
            staff_logins_per_minute=get_int("STAFF_LOGINS_PER_MINUTE", 10, 1, 1000),
            staff_stream_seconds=get_float("STAFF_STREAM_SECONDS", 300.0, 1.0, 3600.0),
            csat_idle_minutes=get_float("CSAT_IDLE_MINUTES", 15.0, 0.0, 7 * 24 * 60),
            smtp_host=get("SMTP_HOST", ""),
            smtp_port=smtp_port,
            smtp_user=get("SMTP_USER", ""),
            smtp_password=Secret(env.get(_PREFIX + "SMTP_PASSWORD", "")),
            smtp_from=smtp_from,
            smtp_starttls=get("SMTP_STARTTLS", "off" if smtp_port == 25 else "on").lower()
            not in {"off", "0", "false", "no"},
            store_name=get("STORE_NAME", "Pinecrest Outfitters"),
            max_message_chars=get_int("MAX_MESSAGE_CHARS", 2000, 50, 100_000),
            handoff_after_failures=get_int("HANDOFF_AFTER_FAILURES", 2, 1, 10),
            log_level=log_level,
        )

    def require_action_secret(self) -> str:
        if not self.action_secret:
            raise ConfigError(
                f"{_PREFIX}ACTION_SECRET is not set; the action server refuses to start without "
                "the secret it shares with the Rasa server (`make run` generates one)."
            )
        return self.action_secret.reveal()
