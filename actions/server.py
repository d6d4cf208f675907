"""The action server: rasa-sdk's webhook app behind a shared-secret check.

Only the Rasa server knows the secret (``SHOPDESK_ACTION_SECRET``), sent as
``Authorization: Bearer <secret>``; every other caller gets 401. ``/health`` is
open so supervisors can probe it. Binds to ``SHOPDESK_HOST`` (127.0.0.1 by default).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import warnings

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request

from shopdesk.errors import ConfigError
from shopdesk.redact import install_redaction
from shopdesk.settings import Settings

logger = logging.getLogger(__name__)
_OPEN_PATHS = {"/health"}


def build_app(settings: Settings) -> Sanic:
    secret = settings.require_action_secret().encode()
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)

    @app.on_request
    async def require_secret(request: Request):  # type: ignore[no-untyped-def]
        if request.path in _OPEN_PATHS:
            return None
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), secret):
            logger.warning("rejected an action call without the shared secret from %s",
                           request.ip)
            return response.json({"error": "unauthorised"}, status=401)
        return None

    return app


def start_retention(profiles: object, days: int, every_s: float = 24 * 3600) -> None:
    """Purge interaction data older than ``days`` now and then once a day (daemon thread)."""
    import threading

    def loop() -> None:
        while True:
            removed = profiles.purge(days)  # type: ignore[attr-defined]
            if removed:
                logger.info("retention: removed %d rows older than %d days", removed, days)
            stop.wait(every_s)

    stop = threading.Event()
    threading.Thread(target=loop, name="retention", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Pinecrest assistant's action server")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        install_redaction(settings.log_level)
        app = build_app(settings)
    except ConfigError as e:
        print(f"action server: {e}")
        return 2
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from actions.base import get_services

    try:
        services = get_services()  # load the index and models now, not on the first message
        start_retention(services.profiles, settings.retention_days)
    except Exception:  # the database may be down at start-up: actions retry on first use
        logger.exception("services could not be built at start-up; retrying on first use")
    port = args.port or settings.actions_port
    logger.info("action server listening on http://%s:%d", settings.host, port)
    app.run(host=settings.host, port=port, single_process=True, access_log=False,
            motd=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
