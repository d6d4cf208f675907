"""`python -m console`: serve the web app on SHOPDESK_HOST:SHOPDESK_WEB_PORT."""

from __future__ import annotations

import uvicorn

from console.app import create_app
from shopdesk.redact import install_redaction
from shopdesk.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    install_redaction(settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.web_port,
                log_level=settings.log_level.lower(), access_log=False)


if __name__ == "__main__":
    main()
