"""The `mentorbot` command: run the product, open the console, manage the database."""

from __future__ import annotations

import argparse
import getpass
import io
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging
from bot.runtime import StartupError, build_clock, build_notifier, database, school_defaults
from handlers.attendance_csv import PROFILES_BY_NAME
from handlers.delivery import Notifier
from models.backtest import BacktestRow
from models.db import Database
from models.fatigue import Fatigue
from models.rules import RULES_BY_ID

if TYPE_CHECKING:
    from bot.attendance_import import ImportResult

log = logging.getLogger("mentorbot")
# Platforms (and containers) route outside traffic to the process: listen on every interface.
DEFAULT_HOST = "0.0.0.0"
# How long `serve --workers N` gives a web process to start and to answer its supervisor.
WEB_PROCESS_START_SECONDS = 60


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
    interactive = sys.stdin.isatty()
    with database(settings) as db:
        clock = build_clock(settings, db, build_notifier(settings, db, sys.stdout))
        if interactive:
            _log_to_file(settings.data_dir / "console.log")
        scheduler = clock.start_in_background() if interactive else None
        try:
            # Trying it out on a laptop, with no coordinators configured: whoever opens the console's
            # school while it has no coordinator runs it (`--as` or `:as` later grant nothing).
            Console(
                db,
                school_defaults(settings),
                user,
                clock=clock,
                first_user_leads=not settings.coordinators,
                report_dir=settings.data_dir / "reports",
            ).run()
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
    return 0


def _log_to_file(path: Path) -> None:
    """While a person types in the console, log lines go to a file instead of over what they type."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    for old in list(root.handlers):
        handler.setFormatter(old.formatter)
        root.removeHandler(old)
    root.addHandler(handler)
    print(f"(log lines go to {path})", file=sys.stderr)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """The web app: Slack on /slack/events, Teams on /api/messages, /healthz, on $PORT; the clock too.

    With `--workers N` uvicorn starts N web processes, each building its own app from the
    environment (`bot.web.app_from_environment`); this process supervises them and runs the clock
    once. Use PostgreSQL then: SQLite lets one process write at a time.
    """
    import uvicorn

    from bot.web import create_web_app

    if not (settings.slack_configured or settings.teams_enabled):
        raise ConfigError("SLACK_BOT_TOKEN or TEAMS_APP_ID: set one to serve Slack or Teams (see README)")
    if settings.slack_configured:
        settings.check_slack()  # before anything starts, so a wrong setting is one line
    workers = getattr(args, "workers", 1)
    if workers < 1:
        raise ConfigError("--workers: give a number of web processes, 1 or more")
    server = {
        "host": args.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        "access_log": False,
    }
    with database(settings) as db, running_clock(settings, db, not args.no_scheduler) as notifier:
        log.info("serving on %s:%s with %d web process(es)", args.host, settings.port, workers)
        if workers == 1:
            uvicorn.run(create_web_app(settings, db, notifier), **server)
        else:
            # A new web process imports the whole app before it can answer the supervisor's health
            # check: uvicorn's 5 s would kill it on a busy machine, again and again.
            uvicorn.run(
                "bot.web:app_from_environment",
                factory=True,
                workers=workers,
                timeout_worker_healthcheck=WEB_PROCESS_START_SECONDS,
                **server,
            )
    return 0


def cmd_socket(settings: Settings, args: argparse.Namespace) -> int:
    """Slack over Socket Mode: no public URL needed (development, or behind a firewall)."""
    from bot.slack.socket import run_socket_mode

    settings.check_slack(socket_mode=True)
    with database(settings) as db, running_clock(settings, db, not args.no_scheduler) as notifier:
        run_socket_mode(settings, db, notifier)
    return 0


@contextmanager
def running_clock(settings: Settings, db: Database, enabled: bool) -> Iterator[Notifier]:
    """The embedded single process runs the clock in a thread; `--no-scheduler` leaves it to a worker."""

    notifier = build_notifier(settings, db, sys.stdout)
    scheduler = build_clock(settings, db, notifier).start_in_background() if enabled else None
    try:
        yield notifier
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the product: the web app when Slack or Teams is configured, console mode otherwise."""
    if settings.slack_app_token and not settings.slack_signing_secret:
        return cmd_socket(settings, argparse.Namespace(no_scheduler=False))
    if settings.slack_configured or settings.teams_enabled:
        return cmd_serve(settings, argparse.Namespace(host=DEFAULT_HOST, no_scheduler=False, workers=1))
    return cmd_console(settings, argparse.Namespace(as_user=None))


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """The clock alone: one per deployment is enough, more are safe on PostgreSQL."""

    with database(settings) as db:
        log.info("clock started: ticking every %s seconds", settings.tick_seconds)
        build_clock(settings, db, build_notifier(settings, db, sys.stdout)).run_forever()
    return 0


def cmd_dispatch(settings: Settings, args: argparse.Namespace) -> int:
    """One pass of the clock now, printing what it decided and sent."""
    from bot.render_text import render_notification

    with database(settings) as db:
        report = build_clock(settings, db, build_notifier(settings, db, io.StringIO())).tick()
    print(
        f"recorded {report.prompts} prompt(s), {report.reminders} reminder(s), {report.digests} digest(s); "
        f"delivered {len(report.delivered)} message(s)"
    )
    for notification in report.delivered:
        print(render_notification(settings.language, notification))
    return 0


def cmd_keys_new(settings: Settings, args: argparse.Namespace) -> int:
    from models.crypto import new_key

    print(new_key())
    return 0


def cmd_keys_rotate(settings: Settings, args: argparse.Namespace) -> int:
    """Re-encrypt every note with the newest key; the embedded key file gets a new key first.

    Running processes follow without a restart: they read the key file again when it changes.
    """
    from bot.runtime import KeyFile, note_keys
    from models import crypto
    from models.checkin import reencrypt_free_text

    with database(settings) as db:
        keys = note_keys(settings)
        if not isinstance(keys, KeyFile):
            count = reencrypt_free_text(db)
            print(
                f"re-encrypted {count} check-in(s) and plan(s) with the first key of MENTORBOT_SECRET_KEY; "
                "the other keys can now be removed"
            )
            return 0
        newest = crypto.new_key()
        # The old keys stay until everything is re-encrypted: meanwhile both open the notes.
        keys.write([newest, *keys()])
        crypto.use_keys(keys(), reload=keys)
        count = reencrypt_free_text(db)
        keys.write([newest])
    print(f"re-encrypted {count} check-in(s) and plan(s) with a new key in {keys.path}")
    return 0


def cmd_retention_run(settings: Settings, args: argparse.Namespace) -> int:
    from models.base import utcnow
    from schedules.retention import run_retention

    with database(settings) as db:
        for school, report in run_retention(db, utcnow(), force=True):
            if not report.decided:
                print(
                    f"{school}: nothing deleted: no deletion decision (gallringsbeslut) is recorded; "
                    "a coordinator records it with `retention set DAYS DECISION`"
                )
                continue
            print(
                f"{school}: deleted {report.check_ins} check-in(s), {report.alerts} resolved case(s), "
                f"{report.students} inactive student(s), {report.audit_events} audit event(s), "
                f"{report.attendance_days} day(s) of registered attendance"
            )
    return 0


def cmd_audit_export(settings: Settings, args: argparse.Namespace) -> int:
    """The audit log as CSV for the data protection officer: who did what, when; never content."""
    from models.audit import export_csv

    with database(settings) as db:
        if not args.output:
            export_csv(db, args.date_from, args.date_to, sys.stdout)
            return 0
        with open(args.output, "w", newline="") as out:
            count = export_csv(db, args.date_from, args.date_to, out)
    print(f"wrote {count} audit event(s) to {args.output}", file=sys.stderr)
    return 0


def cmd_programme_report(settings: Settings, args: argparse.Namespace) -> int:
    """The programme figures per school (what the programme's project leads see), as a table or CSV."""
    from bot.programme_report import text_table, write_csv
    from handlers.programme import MIN_STUDENTS, programme_figures
    from models.base import utcnow

    now = utcnow()
    with database(settings) as db, db.transaction() as session:
        figures = programme_figures(session, now, days=args.days)
    if args.format == "csv":
        write_csv(figures, sys.stdout)
        return 0
    print(
        f"Programme figures, the {args.days} days to {now:%Y-%m-%d %H:%M} UTC against the {args.days} days "
        f"before; < {MIN_STUDENTS}: fewer than {MIN_STUDENTS} students behind the figure, not shown"
    )
    print()
    for line in text_table(figures):
        print(line)
    return 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """The outcome report of one school or of the programme, as self-contained HTML or as CSV."""
    from bot.reports import ReportError, make_report
    from bot.reports.comparison import ComparisonError, read_comparison
    from models.base import utcnow

    now = utcnow()
    try:
        compare = read_comparison(args.compare) if args.compare else None
    except ComparisonError as refusal:
        print(f"mentorbot: {refusal}", file=sys.stderr)
        return 2
    with database(settings) as db:
        try:
            made = make_report(
                db,
                school=None if args.programme else args.school,
                first=args.date_from,
                last=args.date_to,
                format=args.format,
                now=now,
                language=args.language,
                progress_out=sys.stderr,
                compare=compare,
            )
        except ReportError as refusal:
            print(f"mentorbot: {refusal}", file=sys.stderr)
            return 2
    figures = made.figures
    if args.output == "-":
        sys.stdout.write(made.content)
        return 0
    scope = "programme" if figures.programme else _file_name_part(figures.schools[0][1])
    path = Path(args.output or f"report-{scope}-{figures.first}-{figures.last}.{args.format}")
    path.write_text(made.content, encoding="utf-8")
    withheld = sum(not f.shown for f in figures.figures)
    print(
        f"wrote {path}: report {made.report_id}, {figures.first} to {figures.last}, "
        f"{len(figures.schools)} school(s), {len(figures.figures)} figures, "
        f"{withheld} withheld (< 5 students)",
        file=sys.stderr,
    )
    return 0


def _file_name_part(name: str) -> str:
    kept = "".join(c if c.isalnum() else "-" for c in name.lower())
    return "-".join(part for part in kept.split("-") if part) or "school"


def cmd_attendance_import(settings: Settings, args: argparse.Namespace) -> int:
    """A school's attendance export (CSV) into mentorbot: every row checked, then all stored or none."""
    from bot.attendance_import import import_attendance

    return _import_file(
        settings,
        args,
        lambda db, text, now: import_attendance(db, text, school=args.school, profile=args.profile, now=now),
    )


def cmd_grades_import(settings: Settings, args: argparse.Namespace) -> int:
    """A school's grade warnings (CSV) into mentorbot: every row checked, then all stored or none."""
    from bot.grades_import import import_grades

    return _import_file(
        settings, args, lambda db, text, now: import_grades(db, text, school=args.school, now=now)
    )


def _import_file(
    settings: Settings, args: argparse.Namespace, run: Callable[[Database, str, datetime], ImportResult]
) -> int:
    """Read the export named by `args.file` and import it: 2 when it cannot be read or is refused,
    1 when a row is bad (nothing stored), 0 when stored; the lines on stdout, or stderr on failure."""
    from bot.attendance_import import read_export
    from bot.reports import ReportError
    from models.base import utcnow

    try:
        text = read_export(Path(args.file))
    except OSError as error:
        print(f"mentorbot: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    with database(settings) as db:
        try:
            result = run(db, text, utcnow())
        except ReportError as refusal:
            print(f"mentorbot: {refusal}", file=sys.stderr)
            return 2
    for line in result.lines:
        print(line, file=sys.stdout if result.stored else sys.stderr)
    return 0 if result.stored else 1


def cmd_attendance_sync(settings: Settings, args: argparse.Namespace) -> int:
    """Read attendance from the SS 12000 sources now; one line per school, status 1 if one failed."""
    from bot.reports import ReportError, find_schools
    from bot.ss12000.sync import sync_now
    from models.base import utcnow

    with database(settings) as db:
        try:
            with db.transaction() as session:
                only = [school.id for school in find_schools(session, args.school)] if args.school else None
        except ReportError as refusal:
            print(f"mentorbot: {refusal}", file=sys.stderr)
            return 2
        results = sync_now(db, utcnow(), only)
    if not results:
        print("mentorbot: no such school has an attendance source set in chat", file=sys.stderr)
        return 2
    for result in results:
        print(f"{result.school}: {result.line}", file=sys.stdout if result.stored else sys.stderr)
    return 0 if all(result.stored for result in results) else 1


def cmd_teams_package(settings: Settings, args: argparse.Namespace) -> int:
    """The Teams app package (manifest.json and icons in a zip) from the configuration."""
    from bot.teams.package import build_package

    if not settings.teams_app_id:
        print("mentorbot: TEAMS_APP_ID must be set to build the Teams app package", file=sys.stderr)
        return 2
    path = build_package(settings, Path(args.output))
    print(f"wrote {path}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    """Generate realistic schools, students, mentorships and a term of check-ins (demo and benchmarks)."""
    from bot.console import PLATFORM, WORKSPACE
    from models.seed import SeedRefused, SeedSize, seed

    size = SeedSize(
        students=args.students,
        schools=1 if args.console else args.schools,
        mentees_per_mentor=args.mentees_per_mentor,
        check_ins_per_student=args.check_ins_per_student,
        alerts=not args.no_alerts,
    )
    with database(settings) as db:
        try:
            report = seed(db, size, console_workspace=(PLATFORM, WORKSPACE) if args.console else None)
        except SeedRefused as refusal:
            print(f"mentorbot: {refusal}", file=sys.stderr)
            return 1
    print(report.summary())
    if args.console:
        print("try it: mentorbot console --as coordinator   (or --as mentor01, --as eht)")
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 0")
    return int(text)


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from models import migrate

    with database(settings, upgrade=True) as db:
        print(f"database is at revision {migrate.current_revision(db.engine)}")
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def cmd_rules_backtest(settings: Settings, args: argparse.Namespace) -> int:
    """Print per rule how many alerts the current (or proposed) thresholds would have raised."""
    from sqlalchemy import select

    from bot.i18n import translate
    from handlers.early_warning import backtest_school, local_today
    from models import School
    from models.base import utcnow
    from models.messages import Refused
    from models.rules import RULES, parse_threshold

    proposed: dict[str, int] = {}
    try:
        for assignment in args.set or []:
            name, _, value = assignment.partition("=")
            key, number = parse_threshold(name, value, usage=None)
            proposed[key] = number
    except Refused as refusal:
        print(f"mentorbot: --set: {translate('en', refusal.message)}", file=sys.stderr)
        return 2
    if args.start and args.end and args.start > args.end:
        print("mentorbot: --from must not be after --to", file=sys.stderr)
        return 2

    with database(settings) as db, db.transaction() as session:
        schools = session.scalars(select(School).order_by(School.id)).all()
        if not schools:
            end = args.end or utcnow().date()
            start = args.start or end
            rows = [BacktestRow(rule.id, 0, 0) for rule in RULES]
            nothing = Fatigue(0, (end - start).days + 1, 0, 0)
            _print_backtest("(no schools yet)", start, end, proposed, rows, nothing)
        for school in schools:
            end = args.end or local_today(school, utcnow())
            start, rows, fatigue = backtest_school(session, school, args.start, end, proposed)
            label = school.name or f"{school.platform}/{school.workspace_id}"
            _print_backtest(label, start, end, proposed, rows, fatigue)
        # A backtest only reads: nothing it touched is kept.
        session.rollback()
    return 0


def _print_backtest(
    school: str,
    start: date,
    end: date,
    proposed: dict[str, int],
    rows: Sequence[BacktestRow],
    fatigue: Fatigue,
) -> None:
    thresholds = ", ".join(f"{k}={v}" for k, v in sorted(proposed.items())) or "the school's current values"
    print(f"School {school}: {start.isoformat()} to {end.isoformat()}, thresholds: {thresholds}")
    print(
        f"  {'rule':<18} {'alerts':>7} {'students':>9} {'cases':>6} {'closed':>7} {'not relevant':>13}"
        f" {'precision':>10}  meaning"
    )
    for row in rows:
        precision = "-" if row.precision is None else f"{row.precision:.0%}"
        print(
            f"  {row.rule:<18} {row.alerts:>7} {row.students:>9} {row.cases:>6} {row.closed:>7}"
            f" {row.not_relevant:>13} {precision:>10}  {RULES_BY_ID[row.rule].title}"
        )
    ratio = "-" if fatigue.ratio is None else f"{fatigue.ratio:.2f} of before"
    print(f"  EHT channel, {fatigue.students} students:")
    policies = (("before (a card per rule)", fatigue.before), ("after (a case per student)", fatigue.after))
    for policy, messages in policies:
        print(
            f"    {policy:<27} {fatigue.per_student_month(messages):.2f} cards per student per month,"
            f" {fatigue.per_week(messages):.1f} messages per week"
        )
    print(f"    after/before: {ratio}")


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
        help="serve the web app: Slack (/slack/events), Teams (/api/messages), /healthz on $PORT",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument(
        "--no-scheduler", action="store_true", help="do not run the clock here (a `mentorbot worker` does)"
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="web processes, one per core (default 1; more need PostgreSQL)"
    )
    serve.set_defaults(handler=cmd_serve)

    socket = sub.add_parser("socket", help="connect to Slack with Socket Mode (needs SLACK_APP_TOKEN)")
    socket.add_argument(
        "--no-scheduler", action="store_true", help="do not run the clock here (a `mentorbot worker` does)"
    )
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

    worker = sub.add_parser(
        "worker",
        help="run the clock alone: prompts, reminders, digests",
        description="Ticks every MENTORBOT_TICK_SECONDS. Safe to run more than one on PostgreSQL.",
    )
    worker.set_defaults(handler=cmd_worker)

    dispatch = sub.add_parser("dispatch", help="run one pass of the clock now and print what it sent")
    dispatch.set_defaults(handler=cmd_dispatch)

    keys = sub.add_parser("keys", help="the keys that encrypt notes")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    keys_sub.add_parser("new", help="print a new key for MENTORBOT_SECRET_KEY").set_defaults(
        handler=cmd_keys_new
    )
    keys_sub.add_parser(
        "rotate",
        help="re-encrypt all notes with the newest key",
        description="With MENTORBOT_SECRET_KEY: put the new key first (comma-separated, old keys after), "
        "run this, then remove the old keys. Embedded: a new key is made in the data directory.",
    ).set_defaults(handler=cmd_keys_rotate)

    retention = sub.add_parser(
        "retention", help="delete what each school's deletion decision no longer keeps"
    )
    retention_sub = retention.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    retention_sub.add_parser(
        "run",
        help="apply every school's deletion decision now (the clock also does it daily); "
        "a school with no decision recorded keeps everything",
    ).set_defaults(handler=cmd_retention_run)

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    export = audit_sub.add_parser("export", help="write the audit log as CSV (dates inclusive, UTC)")
    export.add_argument("--from", dest="date_from", type=_date, required=True, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=_date, required=True, metavar="YYYY-MM-DD")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    export.set_defaults(handler=cmd_audit_export)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="create or upgrade the database schema to the newest version")
    upgrade.set_defaults(handler=cmd_db_upgrade)

    seed = sub.add_parser(
        "seed",
        help="generate realistic demo data: schools, students, mentorships, a term of check-ins",
        description="Adds generated schools (about 30 students each, grades 5-9, pseudonymous codes), "
        "a coordinator, an EHT member and mentors per school, one mentorship per student with a "
        "cadence, a term of prompts and check-ins, and the alerts the early-warning rules raised on "
        "them, in every state the student health team leaves them (open, acknowledged, owned, "
        "resolved). Each run adds a new set of schools (seed-1-..., seed-2-...). "
        "With --console the data goes into the console's own school, so `mentorbot console` shows it.",
    )
    seed.add_argument("--students", type=_positive, default=120, help="students in all (default 120)")
    seed.add_argument("--schools", type=_positive, help="schools (default: one per 30 students)")
    seed.add_argument(
        "--check-ins-per-student", type=_count, default=12, help="check-ins per student, weekly (default 12)"
    )
    seed.add_argument("--mentees-per-mentor", type=_positive, default=4, help="default 4")
    seed.add_argument("--console", action="store_true", help="seed the console's school (once)")
    seed.add_argument(
        "--no-alerts",
        action="store_true",
        help="skip running the term through the early-warning rules (about 5 ms a student)",
    )
    seed.set_defaults(handler=cmd_seed)

    programme = sub.add_parser("programme", help="the programme across schools and organisations")
    programme_sub = programme.add_subparsers(dest="programme_command", metavar="ACTION", required=True)
    report = programme_sub.add_parser(
        "report",
        help="aggregate figures per school, no figure from fewer than 5 students",
        description="Per school of every organisation: students, active mentorships, check-ins per "
        "student a month, alerts raised and acknowledged within 2 school days, alerts resolved by "
        "outcome, and the medians of absent days and engagement per check-in against the period "
        "before. No student is named; a figure based on fewer than 5 students is not shown.",
    )
    report.add_argument("--days", type=_positive, default=30, help="the period: the last N days (default 30)")
    report.add_argument("--format", choices=("text", "csv"), default="text", help="default text")
    report.set_defaults(handler=cmd_programme_report)

    report = sub.add_parser(
        "report",
        help="the outcome report of a school or of the programme: HTML with charts, or CSV",
        description="Is the programme working for these students? Attendance (registered or estimated), "
        "engagement, contact against the cadence, early-warning cases and what came of them, for one "
        "school or for the programme and each school, with charts. HTML is one self-contained file that "
        "prints on A4; CSV has every figure, one per row, for evaluators. No student is named, and no "
        "figure from fewer than 5 students is shown. Each report is recorded in the audit log of every "
        "school it covers. Dates are inclusive; the default period is the school year so far.",
    )
    scope = report.add_mutually_exclusive_group(required=True)
    scope.add_argument(
        "--school", metavar="NAME", help="one school (ORGANISATION/SCHOOL if the name is shared)"
    )
    scope.add_argument("--programme", action="store_true", help="every school, and the programme as a whole")
    report.add_argument(
        "--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="default: 1 August"
    )
    report.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="default: today")
    report.add_argument("--format", choices=("html", "csv"), default="html", help="default html")
    report.add_argument(
        "--output",
        metavar="PATH",
        help="the file to write (default report-SCHOOL-FROM-TO.FORMAT; - for stdout)",
    )
    report.add_argument(
        "--language", choices=("sv", "en"), help="default: the school's language; Swedish for the programme"
    )
    report.add_argument(
        "--compare",
        type=Path,
        metavar="FILE",
        help="a comparison school's attendance export (CSV: period,students,absence_at_least_10,"
        "absence_at_least_15,absence_at_least_20), drawn against this report's share at 15 %% absence",
    )
    report.set_defaults(handler=cmd_report)

    attendance = sub.add_parser("attendance", help="attendance from the school's own system")
    attendance_sub = attendance.add_subparsers(dest="attendance_command", metavar="ACTION", required=True)
    attendance_import = attendance_sub.add_parser(
        "import",
        help="import an attendance export (CSV): every row checked, then all stored or none",
        description="One row per student and school day, separated by semicolons, with the columns of a "
        "profile (see README, 'Attendance from the school's system'). Students are matched by the "
        "school's person id for them (student edit CODE id=...); rows of other students are counted, "
        "not stored. Importing the same file again changes nothing.",
    )
    attendance_import.add_argument("file", metavar="FILE", help="the export, UTF-8 or Windows-1252")
    attendance_import.add_argument(
        "--school", required=True, metavar="NAME", help="the school (ORGANISATION/SCHOOL if shared)"
    )
    attendance_import.add_argument(
        "--profile", choices=sorted(PROFILES_BY_NAME), help="the export's columns (default: from its header)"
    )
    attendance_import.set_defaults(handler=cmd_attendance_import)
    attendance_sync = attendance_sub.add_parser(
        "sync",
        help="read attendance now from the schools' SS 12000 sources (all, or --school)",
        description="What the clock does every night after a school day, now: each school with "
        "`attendance source ss12000` set reads the lessons changed since its last sync.",
    )
    attendance_sync.add_argument(
        "--school", metavar="NAME", help="the school (ORGANISATION/SCHOOL if shared)"
    )
    attendance_sync.set_defaults(handler=cmd_attendance_sync)

    grades = sub.add_parser("grades", help="grades and F warnings from the school's own system")
    grades_sub = grades.add_subparsers(dest="grades_command", metavar="ACTION", required=True)
    grades_import = grades_sub.add_parser(
        "import",
        help="import grade warnings (CSV): every row checked, then all stored or none",
        description="One row per student, subject and date, separated by semicolons, with the columns "
        "Elev-ID (or Elevkod), Ämne, Datum and Varning/betyg (see README, 'Attendance from the "
        "school's system'). Only Swedish, Swedish as a second language, English and mathematics are "
        "kept. Importing the same file again changes nothing.",
    )
    grades_import.add_argument("file", metavar="FILE", help="the file, UTF-8 or Windows-1252")
    grades_import.add_argument(
        "--school", required=True, metavar="NAME", help="the school (ORGANISATION/SCHOOL if shared)"
    )
    grades_import.set_defaults(handler=cmd_grades_import)

    teams = sub.add_parser(
        "teams-package",
        help="build the Teams app package (manifest and icons) to upload in Teams",
        description="Writes a zip with manifest.json, color.png and outline.png from TEAMS_APP_ID, "
        "TEAMS_APP_NAME and TEAMS_WEBSITE_URL. See README, 'Install in Teams'.",
    )
    teams.add_argument("--output", default="mentorbot-teams.zip", metavar="FILE", help="the zip to write")
    teams.set_defaults(handler=cmd_teams_package)

    rules = sub.add_parser("rules", help="early-warning rules")
    rules_sub = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    backtest = rules_sub.add_parser(
        "backtest",
        help="how many alerts thresholds would have raised on the stored check-ins",
        description="Replays the early-warning rules over the stored check-ins and prints, per rule, how "
        "many alerts would have been raised and for how many students; the stored cases that crossed it, "
        "how many the EHT closed and how many as not relevant (the rule's precision); and the EHT "
        "channel's messages per student per month and per week under the old policy (a card per rule) "
        "and today's (a case per student). Use --set to try other thresholds before changing them; "
        "nothing is changed.",
    )
    backtest.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    backtest.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day (default: today)")
    backtest.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="a proposed threshold, e.g. attendance_percent=85 (repeatable)",
    )
    backtest.set_defaults(handler=cmd_rules_backtest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
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
