"""`python -m profiles.cli`: find, export, erase and purge customer data.

    find CHANNEL VALUE        the customer id of an identity (e.g. find email jane@example.com)
    export CUSTOMER_ID        everything held about the customer, as JSON
    erase CUSTOMER_ID         delete everything (and their Rasa conversation events)
    purge [--days N]          delete interactions/mood older than N days ($SHOPDESK_RETENTION_DAYS)
"""

from __future__ import annotations

import argparse
import json
import sys

from profiles.crypto import FieldCipher
from profiles.migrate import upgrade
from profiles.privacy import erase, export, purge
from profiles.store import SqlProfileStore
from shopdesk.clock import Clock, system_clock
from shopdesk.database import make_engine
from shopdesk.errors import ShopdeskError
from shopdesk.settings import Settings
from shopdesk.stack import ensure_secrets


def open_store(settings: Settings, clock: Clock) -> SqlProfileStore:
    key = settings.profile_key.reveal() or ensure_secrets(settings.data_dir)["SHOPDESK_PROFILE_KEY"]
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return SqlProfileStore(engine, FieldCipher(key), clock)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="profiles", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    find = sub.add_parser("find")
    find.add_argument("channel")
    find.add_argument("value")
    sub.add_parser("export").add_argument("customer_id")
    sub.add_parser("erase").add_argument("customer_id")
    purge_cmd = sub.add_parser("purge")
    purge_cmd.add_argument("--days", type=int)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        store = open_store(settings, system_clock)
        try:
            if args.command == "find":
                found = store.find(args.channel, args.value)
                if not found:
                    print("no customer has that identity", file=sys.stderr)
                    return 1
                print(found)
            elif args.command == "export":
                print(json.dumps(export(store, args.customer_id), indent=2, ensure_ascii=False))
            elif args.command == "erase":
                report = erase(store, args.customer_id, settings.rasa_tracker_db,
                               settings.database_url)
                print(json.dumps(report.to_json()))
            else:
                print(f"removed {purge(store, args.days or settings.retention_days, system_clock())} rows")
        finally:
            store.close()
    except ShopdeskError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
