"""Staff accounts from the command line (the first admin has to come from somewhere):

    python -m console.staff_cli add ann --role admin [--name "Ann Smith"]   (asks the password)
    python -m console.staff_cli list
    python -m console.staff_cli disable ann | enable ann

``--password-stdin`` reads the password from standard input instead of asking (for scripts).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from console.staff_auth import StaffAuth
from console.staff_sql import SqlStaffStore
from console.staff_store import Role, StaffAccount
from shopdesk.clock import system_clock
from shopdesk.database import make_engine
from shopdesk.errors import ShopdeskError
from shopdesk.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console.staff_cli",
                                     description="Agent console staff accounts.")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", choices=[r.value for r in Role], default="agent")
    add.add_argument("--name", default="")
    add.add_argument("--password-stdin", action="store_true")
    sub.add_parser("list", help="list the accounts")
    for change in ("disable", "enable"):
        sub.add_parser(change, help=f"{change} an account").add_argument("username")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        store = SqlStaffStore(make_engine(settings.database_url))
        store.create_schema()
        auth = StaffAuth(store, system_clock)
        if args.command == "add":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass("Password: ")
                if getpass.getpass("Again: ") != password:
                    print("The passwords differ; nothing was created.", file=sys.stderr)
                    return 1
            account = auth.create_account(args.username, args.name, Role(args.role), password)
            print(f"Created {account.username} ({account.role.value}). Sign in at "
                  f"{settings.web_public_url}/console")
        elif args.command == "list":
            for a in store.accounts():
                print(f"{a.username:20} {a.role.value:11} {'disabled' if a.disabled else ''}")
        else:
            account = store.account_by_username(args.username)
            if account is None:
                print(f"No account {args.username!r}.", file=sys.stderr)
                return 1
            cli = StaffAccount("cli", "command-line", "command line", Role.ADMIN, "")
            auth.set_disabled(account, args.command == "disable", cli)
            print(f"{account.username}: {args.command}d")
    except ShopdeskError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
