"""Start the Rasa server with secrets taken from the environment.

`rasa run` only accepts its JWT secret as a command-line argument, which any local
user can read with `ps`. This wrapper reads ``SHOPDESK_RASA_JWT_SECRET`` and hands
the argument to Rasa inside the process instead. All other arguments pass through.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    secret = os.environ.get("SHOPDESK_RASA_JWT_SECRET", "")
    if len(secret) < 16:
        sys.stderr.write("SHOPDESK_RASA_JWT_SECRET must be set (16+ characters)\n")
        raise SystemExit(2)
    # "--jwt-secret=<secret>" in one word: a generated secret may start with "-", which
    # argparse would otherwise take for an option ("expected one argument")
    # every route of the Rasa server (its HTTP API too) refuses bodies over 1 MB (Sanic's own
    # default is 100 MB); the REST channel has its own, smaller limit (SHOPDESK_MAX_BODY_BYTES)
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(1 << 20))
    sys.argv = ["rasa", "run", *sys.argv[1:], "--enable-api", f"--jwt-secret={secret}",
                "--jwt-method", "HS256"]
    from rasa.__main__ import main as rasa_main

    from bot.fast_paths import install

    install()
    rasa_main()


if __name__ == "__main__":
    main()
