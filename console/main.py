"""`hall-console`: the web console (serve), and the accounts it knows (add-user, add-token)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from console.settings import ConsoleSettings
from console.users import ROLES, AccountError, Users
from core.config import ConfigError
from core.startup import load_settings

ROLE_HELP = "admin: county-wide; manager: acts; viewer: reads"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hall-console",
        description="好差评管理台 · The web console for hall managers and county staff. Settings: TOML "
        "file plus HALL_... environment variables (e.g. HALL_DATABASE, HALL_WEB__LISTEN).",
    )
    p.add_argument("--config", type=Path, help="TOML file (default: built-in defaults)")
    sub = p.add_subparsers(
        dest="command", metavar="{serve,add-user,add-token}", help="what to do (default: serve)"
    )
    sub.add_parser("serve", help="serve the console (the default)")
    u = sub.add_parser("add-user", help="make (or replace) a person's login")
    u.add_argument("name", help="the login name")
    u.add_argument("--role", required=True, choices=ROLES, help=ROLE_HELP)
    u.add_argument("--hall", help="the one hall this login sees (none: county-wide)")
    u.add_argument(
        "--password-file",
        type=Path,
        required=True,
        help="file holding the password (first line); never on the command line",
    )
    t = sub.add_parser("add-token", help="print a new API token for a program (shown once)")
    t.add_argument("name", help="the program the token is for (shown in every action it takes)")
    t.add_argument("--role", required=True, choices=ROLES, help=ROLE_HELP)
    t.add_argument("--hall", help="the one hall this token sees (none: county-wide)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings(ConsoleSettings, args.config, "hall-console")
    if settings is None:
        return 2
    try:
        users = Users(settings.accounts_database)
    except Exception as e:  # sqlite3.Error, OSError: one line, not a traceback
        print(f"hall-console: accounts_database {settings.accounts_database}: {e}", file=sys.stderr)
        return 2
    try:
        if args.command == "add-user":
            try:
                password = args.password_file.read_text(encoding="utf-8").splitlines()[0]
            except (OSError, UnicodeDecodeError, IndexError) as e:
                print(
                    f"hall-console: --password-file {args.password_file}: "
                    f"{getattr(e, 'strerror', None) or 'empty or unreadable'}",
                    file=sys.stderr,
                )
                return 2
            users.add_user(args.name, args.role, args.hall, password)
            print(f"hall-console: {args.name} ({args.role}, {args.hall or 'county-wide'}) can log in")
            return 0
        if args.command == "add-token":
            print(users.add_token(args.name, args.role, args.hall))
            return 0
    except AccountError as e:
        print(f"hall-console: {e}", file=sys.stderr)
        return 2
    return serve(settings, users)


def serve(settings: ConsoleSettings, users: Users) -> int:
    import uvicorn

    from console.app import create_app
    from county.store import StoreError, open_store
    from county.workdays import WorkCalendarError

    try:
        store = open_store(settings.database)
    except StoreError as e:
        print(f"hall-console: {e}", file=sys.stderr)
        return 2
    try:
        app = create_app(settings, users, store)
    except (ConfigError, WorkCalendarError, ValueError, OSError) as e:
        print(f"hall-console: {e}", file=sys.stderr)
        store.close()
        return 2
    config = uvicorn.Config(
        app,
        host=settings.web.host,
        port=settings.web.port,
        log_level="warning",
        proxy_headers=True,
        server_header=False,
    )
    server = uvicorn.Server(config)
    logging.getLogger("hall-console").info("serving on http://%s", settings.web.listen)
    try:
        server.run()
    finally:
        users.close()
        store.close()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
