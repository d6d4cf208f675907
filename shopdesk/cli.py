"""`shopdesk` command line: run the product, train the model, seed or reseed the demo store.

The process entry point: it hands the wall clock (:func:`shopdesk.clock.system_clock`) to
everything it builds.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from shopdesk.clock import Clock, system_clock
from shopdesk.errors import ShopdeskError
from shopdesk.settings import Settings


def _seed(settings: Settings, clock: Clock) -> None:
    """Create and seed the store if it is empty; say so when the demo data has aged."""
    from commerce.demo import demo_age
    from commerce.seed import seed_database
    from commerce.service import StoreService
    from commerce.sql_repository import SqlStoreRepository
    from shopdesk.database import make_engine

    backend = settings.store_backend
    if backend.kind != "sql":  # the company's orders are in its platform: no demo store
        from commerce.sql_repository import SqlStoreRepository as Support

        engine = make_engine(settings.database_url)
        Support(engine).create_schema()
        engine.dispose()
        print(f"• Orders come from the {backend.kind} store at {backend.url}", flush=True)
        return
    engine = make_engine(settings.database_url)
    try:
        if seed_database(engine, clock()):
            print("• Store database created with the demo store's data", flush=True)
            return
        print("• Store database is ready", flush=True)
        age = demo_age(engine, StoreService(SqlStoreRepository(engine), clock))
        if age is not None and age.stale:
            print(age.notice(), flush=True)
    finally:
        engine.dispose()


def _reseed(settings: Settings, clock: Clock) -> None:
    from commerce.demo import reseed_demo_orders, seeded_at
    from commerce.seed import seed_database
    from shopdesk.database import make_engine

    engine = make_engine(settings.database_url)
    try:
        now = clock()
        if seed_database(engine, now):
            print("• Store database created with the demo store's data", flush=True)
            return
        before = seeded_at(engine)
        count = reseed_demo_orders(engine, now)
        since = f" (they were seeded on {before:%d %b %Y})" if before else ""
        print(f"• Re-dated the {count} demo orders from today, {now:%d %b %Y}{since}. "
              "Their returns were removed; products, customer profiles, conversations, "
              "handoffs and feedback are unchanged.", flush=True)
    finally:
        engine.dispose()


def _check_corpus(settings: Settings) -> None:
    from retrieval.corpus import load_corpus

    pairs = load_corpus(settings.qa_corpus)
    print(f"• Q&A corpus: {len(pairs)} pairs from {settings.qa_corpus}", flush=True)


def cmd_run(settings: Settings, clock: Clock) -> int:
    from retrieval.cli import ensure_index
    from shopdesk.model_cache import ensure_model
    from shopdesk.stack import Stack

    _check_corpus(settings)
    if settings.retriever == "hybrid":
        ensure_index(settings)
    model = ensure_model()
    _seed(settings, clock)
    print("• Starting the action server, the Rasa server (about a minute) and the web app...",
          flush=True)
    stack = Stack(settings, model, clock=clock)
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stack.start()
    shown = "localhost" if settings.host in ("127.0.0.1", "0.0.0.0") else settings.host
    print(
        f"\nPinecrest Outfitters assistant is running:\n"
        f"  chat page       http://{shown}:{settings.web_port}/\n"
        f"  widget script   http://{shown}:{settings.web_port}/widget.js\n"
        f"  agent console   http://{shown}:{settings.web_port}/console  (first account: "
        f".venv/bin/python -m console.staff_cli add NAME --role admin)\n"
        + "".join(f"  {p.spec.title + ' webhook':15} http://{shown}:{settings.rasa_port}"
                  f"/webhooks/{p.name}/webhook\n" for p in settings.platforms) +
        f"  Rasa HTTP API   http://{shown}:{settings.rasa_port}/  (JWT; secret in "
        f"{settings.data_dir / 'secrets.env'})\n"
        f"  REST channel    http://{shown}:{settings.rasa_port}/webhooks/rest/webhook\n"
        f"  action server   http://{shown}:{settings.actions_port}/  (Rasa only)\n"
        f"  logs            {settings.data_dir / 'logs'}\n"
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    code = 0
    while not stopping:
        dead = stack.first_dead()
        if dead:
            service = stack.services[dead]
            print(f"\nThe {dead} server stopped unexpectedly. Last lines of "
                  f"{service.log_path}:\n{service.log_tail()}", file=sys.stderr)
            code = 1
            break
        time.sleep(0.5)
    print("\nStopping...", flush=True)
    stack.stop()
    print("Stopped.", flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shopdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="train if needed, then start all services")
    train = sub.add_parser("train", help="train the Rasa model if its inputs changed")
    train.add_argument("--force", action="store_true", help="train even if a model is cached")
    sub.add_parser("seed", help="create the store database and load the demo data")
    sub.add_parser("reseed", help="date the demo store's orders from today (keeps profiles, "
                   "conversations, handoffs and feedback)")
    sub.add_parser("scenarios", help="hold the frozen scenario suite against the product "
                   "(started on free ports with throw-away data)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "run":
            return cmd_run(settings, system_clock)
        if args.command == "train":
            from shopdesk.model_cache import ensure_model

            print(ensure_model(force=args.force))
            return 0
        if args.command == "seed":
            _seed(settings, system_clock)
            return 0
        if args.command == "reseed":
            _reseed(settings, system_clock)
            return 0
        if args.command == "scenarios":
            from shopdesk.scenarios import run_suite

            return run_suite(settings, system_clock)
    except ShopdeskError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
