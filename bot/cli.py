"""The `mentorbot` command: run the product, open the console, manage the database."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings
from bot.runtime import StartupError, open_database, school_defaults

log = logging.getLogger("mentorbot")
# Platforms (and containers) route outside traffic to the process: listen on every interface.
DEFAULT_HOST = "0.0.0.0"


def _console_user(settings: Settings, requested: str | None) -> str:
    if requested:
        return requested.lstrip("@")
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "me"


def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import Console

    user = _console_user(settings, args.as_user)
    if not settings.coordinators:
        # Trying it out on a laptop: the person at the keyboard runs the school.
        settings = settings.model_copy(update={"coordinators": frozenset({user})})
        print(
            f"(no MENTORBOT_COORDINATORS set: @{user} is coordinator in this console)",
            file=sys.stderr,
        )
    db = open_database(settings)
    try:
        Console(db, school_defaults(settings), user).run()
    finally:
        db.dispose()
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """The web app: Slack on /slack/events (and OAuth installs), /healthz, on $PORT."""
    import uvicorn

    from bot.web import create_web_app

    settings.check_slack()
    db = open_database(settings)
    try:
        api = create_web_app(settings, db)
        log.info("serving on %s:%s", args.host, settings.port)
        uvicorn.run(api, host=args.host, port=settings.port, log_level="info", access_log=False)
    finally:
        db.dispose()
    return 0


def cmd_socket(settings: Settings, args: argparse.Namespace) -> int:
    """Slack over Socket Mode: no public URL needed (development, or behind a firewall)."""
    from bot.slack.socket import run_socket_mode

    settings.check_slack(socket_mode=True)
    db = open_database(settings)
    try:
        run_socket_mode(settings, db)
    finally:
        db.dispose()
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the product: Slack when it is configured, console mode otherwise."""
    if settings.slack_app_token and not settings.slack_signing_secret:
        return cmd_socket(settings, args)
    if settings.slack_configured:
        return cmd_serve(settings, argparse.Namespace(host=DEFAULT_HOST))
    return cmd_console(settings, argparse.Namespace(as_user=None))


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    db = open_database(settings, upgrade=True)
    from models import migrate

    print(f"database is at revision {migrate.current_revision(db.engine)}")
    db.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentorbot",
        description="Keeps every at-risk student in view: mentor check-ins, early warning, EHT alerts.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the product: Slack when configured, console mode otherwise")
    run.set_defaults(handler=cmd_run)

    serve = sub.add_parser(
        "serve",
        help="serve the web app: Slack on /slack/events, /healthz (port from $PORT, default 3000)",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.set_defaults(handler=cmd_serve)

    socket = sub.add_parser("socket", help="connect to Slack with Socket Mode (needs SLACK_APP_TOKEN)")
    socket.set_defaults(handler=cmd_socket)

    console = sub.add_parser(
        "console",
        help="act as a user in a terminal session",
        description="Type the command language as USER. ':as OTHER' switches user, ':quit' ends. "
        "Reads lines from stdin when it is not a terminal, so it can be scripted.",
    )
    console.add_argument(
        "--as", dest="as_user", metavar="USER", help="the user id to act as (default: your login)"
    )
    console.set_defaults(handler=cmd_console)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="create or upgrade the database schema to the newest version")
    upgrade.set_defaults(handler=cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
        handler = getattr(args, "handler", cmd_run)
        return handler(settings, args)
    except ConfigError as exc:
        print(f"mentorbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"mentorbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
