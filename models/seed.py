"""Realistic generated data: schools, their people, students in grades 5-9, mentorships, a term of check-ins.

It is demo data for the console (`mentorbot seed --console`) and the data the benchmarks run on
(`bench/`). Rows are written with SQLAlchemy Core `insert()` in batches of plain dicts, with ids
assigned here, because going through the ORM one object at a time would take minutes for a
million rows. Every run adds schools in a namespace of its own (`seed-1-…`, `seed-2-…`), so running
it twice adds a second set instead of clashing with the first.

Students are known only by pseudonymous codes such as `7B-03`, as in the product. Attendance and
ratings follow a simple model: most students attend and do fine, a few are drifting away, and
each student's ratings wander around a level of their own.

The term is what the clock and the people would have left behind: a prompt at each of the
mentorship's cadence occurrences (answered by a check-in a little later, or missed, the latest
perhaps still waiting), now and then an ad hoc check-in, and the alerts the rules raised on those
check-ins with what the student health team did about them (`models/seed_alerts.py`). So every
figure of a digest over the term adds up, and the EHT side of the demo has something to show.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from models import Alert, AlertCase, CheckIn, Member, Mentorship, Organisation, Prompt, School, Student
from models.cadence import DEFAULT_CADENCE, next_due
from models.calendar import SchoolCalendar
from models.db import Database
from models.rules import thresholds_for
from models.seed_alerts import Team, term_cases

BATCH = 5_000
TIMEZONE = "Europe/Stockholm"
NAMESPACE = "seed"

# Cadences mentors actually pick; most follow the school default (None).
CADENCES: tuple[str | None, ...] = (
    None,
    None,
    None,
    "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
    "FREQ=WEEKLY;BYDAY=TH;BYHOUR=13;BYMINUTE=15;BYSECOND=0",
    "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=8;BYMINUTE=15;BYSECOND=0",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;BYHOUR=10;BYMINUTE=0;BYSECOND=0",
)
STRENGTHS = (
    "Helped a classmate",
    "Finished the maths homework",
    "Came on time all week",
    "Good presentation in Swedish",
    "Played football at lunch with the class",
    "Asked for help when stuck",
)
FIRST_NAMES = ("Alva", "Elias", "Maja", "Omar", "Saga", "Liam", "Noor", "Hugo", "Elsa", "Amir", "Ella", "Leo")
SCHOOL_NAMES = (
    "Björkskolan",
    "Ekskolan",
    "Granskolan",
    "Lindskolan",
    "Almskolan",
    "Askskolan",
    "Lönnskolan",
    "Rönnskolan",
    "Tallskolan",
    "Bokskolan",
)


@dataclass(frozen=True)
class SeedSize:
    """How much to generate; `schools` defaults to one per 30 students, as in the programme."""

    students: int = 120
    schools: int | None = None
    mentees_per_mentor: int = 4
    # The term's length in school weeks: about one check-in a week with the default cadence.
    check_ins_per_student: int = 12
    # The moment the term of check-ins ends; mentorships fall due after it.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    random_seed: int = 8
    # Run the term's check-ins through the early-warning rules (about 5 ms a student).
    alerts: bool = True

    @property
    def school_count(self) -> int:
        return self.schools or max(1, math.ceil(self.students / 30))


@dataclass
class SeedReport:
    namespace: str
    schools: int = 0
    members: int = 0
    students: int = 0
    mentorships: int = 0
    check_ins: int = 0
    prompts: int = 0
    cases: int = 0
    alerts: int = 0  # the rules crossed in the cases
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"seeded {self.schools} school(s), {self.members} member(s), {self.students} student(s), "
            f"{self.mentorships} mentorship(s), {self.check_ins} check-in(s), {self.prompts} prompt(s), "
            f"{self.cases} case(s) with {self.alerts} rule(s) crossed in namespace {self.namespace!r} "
            f"in {self.seconds:.1f} s"
        )


class SeedRefused(Exception):
    """Seeding would mix generated data into a school that already has students."""


class Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, out: TextIO | None = sys.stderr, width: int = 30) -> None:
        self.total, self.out, self.width = max(total, 1), out, width
        self.done, self.label = 0, ""
        self._drawn_at = 0.0

    def advance(self, label: str, count: int) -> None:
        self.done, self.label = self.done + count, label
        now = time.monotonic()
        if now - self._drawn_at >= 0.1 or self.done >= self.total:
            self._drawn_at = now
            self._draw()

    def _draw(self) -> None:
        if self.out is None:
            return
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * self.width)
        self.out.write(
            f"\r{self.label:<12} [{bar:<{self.width}}] {share:6.1%} {self.done:>10,}/{self.total:,}"
        )
        self.out.flush()

    def close(self) -> None:
        # The total was an estimate (how many check-ins a term has is up to chance): end at 100 %.
        self.total = max(self.done, 1)
        if self.out is not None:
            self._draw()
            self.out.write("\n")
            self.out.flush()


def _next_ids(session: Session, tables: list[Table]) -> dict[str, int]:
    return {t.name: (session.scalar(select(func.max(t.c.id))) or 0) + 1 for t in tables}


def _fix_sequences(session: Session, tables: list[Table]) -> None:
    """PostgreSQL hands out ids from a sequence; explicit ids do not advance it, so move it on."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) FROM {table.name}")
        )


def _analyze(session: Session, tables: list[Table]) -> None:
    """Fresh statistics, as a database that grew over time has: the planner needs them.

    On PostgreSQL only the seeded tables, named: a bare ANALYZE visits every schema of the database
    and would lock the tables of whoever else works there (the tests' other workers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {', '.join(table.name for table in tables)}"))
    else:
        session.execute(text("ANALYZE"))


def _run_number(session: Session) -> int:
    """The first N whose `seed-N` prefix no school uses yet."""
    taken = set(
        session.scalars(select(School.workspace_id).where(School.workspace_id.like(f"{NAMESPACE}-%-1")))
    )
    run = 1
    while f"{NAMESPACE}-{run}-1" in taken:
        run += 1
    return run


def school_name(run: int, n: int) -> str:
    """A name a person can read: Björkskolan, Ekskolan, ... (Björkskolan 2 after the list, and
    the run added for a second seed: "Björkskolan (demo 2)")."""
    name = SCHOOL_NAMES[n % len(SCHOOL_NAMES)]
    if n >= len(SCHOOL_NAMES):
        name += f" {n // len(SCHOOL_NAMES) + 1}"
    return name if run == 1 else f"{name} (demo {run})"


@dataclass(frozen=True)
class _Occurrence:
    """A cadence occurrence of the term, with what every student's prompt for it shares."""

    due: datetime
    local_date: date
    reminder_at: datetime  # 24 school hours on, when the clock reminds an unanswered prompt
    ad_hoc_at: datetime | None  # the next school day, when a mentor may check in again


def _occurrences(
    cadence: str | None, calendar: SchoolCalendar, term_start: datetime, today: date
) -> list[_Occurrence]:
    """When the clock would have prompted over the term: each occurrence before `today`, one a day."""
    found: dict[date, _Occurrence] = {}
    after = term_start
    zone = ZoneInfo(TIMEZONE)
    while True:
        due = next_due(cadence or DEFAULT_CADENCE, TIMEZONE, after, calendar, anchor=term_start)
        local_date = due.astimezone(zone).date()
        if local_date >= today:
            return list(found.values())
        next_day = due + timedelta(days=1)
        found.setdefault(
            local_date,
            _Occurrence(
                due,
                local_date,
                calendar.add_school_hours(due, 24, TIMEZONE),
                next_day if calendar.is_school_day(next_day.astimezone(zone).date()) else None,
            ),
        )
        after = due


def _school_days(calendar: SchoolCalendar, end: date, count: int) -> list[date]:
    """The `count` school days up to `end`, oldest first."""
    days: list[date] = []
    day = end
    while len(days) < count:
        if calendar.is_school_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


class _Batcher:
    """Collects rows per table and inserts them with one Core statement per batch."""

    def __init__(self, session: Session, progress: Progress) -> None:
        self.session, self.progress = session, progress
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.tables: dict[str, Table] = {}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        rows = self.rows.setdefault(table.name, [])
        self.tables[table.name] = table
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        # Parents first (tables are met in that order), so foreign keys always find their rows.
        for table_name in list(self.rows):
            rows = self.rows[table_name]
            if rows:
                self.session.execute(insert(self.tables[table_name]), rows)
                self.progress.advance("seeding", len(rows))
                self.rows[table_name] = []


def seed(
    db: Database,
    size: SeedSize,
    progress_out: TextIO | None = sys.stderr,
    console_workspace: tuple[str, str] | None = None,
) -> SeedReport:
    """Generate `size` in one transaction; `console_workspace` puts one school where the console acts."""
    started = time.perf_counter()
    rng = random.Random(size.random_seed)
    mentors_per_school = max(1, math.ceil(size.students / size.school_count / size.mentees_per_mentor))
    # An estimate: a prompt and most often a check-in a week, and a few alerts.
    total_rows = size.school_count * (3 + mentors_per_school) + size.students * (
        2 + 2 * size.check_ins_per_student
    )
    progress = Progress(total_rows, progress_out)
    models = (Organisation, School, Member, Student, Mentorship, CheckIn, Prompt, AlertCase, Alert)
    tables = [model.__table__ for model in models]
    organisation_t, school_t, member_t, student_t, mentorship_t, check_in_t, prompt_t = tables[:7]
    case_t, alert_t = tables[7:]
    with db.transaction() as session:
        run = _run_number(session)
        namespace = f"{NAMESPACE}-{run}"
        if console_workspace is not None:
            run, namespace = 1, f"{console_workspace[0]}:{console_workspace[1]}"
            if session.scalar(
                select(func.count())
                .select_from(Student)
                .join(School)
                .where(School.platform == console_workspace[0], School.workspace_id == console_workspace[1])
            ):
                raise SeedRefused("the console's school already has students; seed it only once")
            session.execute(
                organisation_t.delete().where(
                    organisation_t.c.platform == console_workspace[0],
                    organisation_t.c.workspace_id == console_workspace[1],
                )
            )
        ids = _next_ids(session, tables)
        report = SeedReport(namespace)
        batch = _Batcher(session, progress)
        now = size.now
        calendar = SchoolCalendar()
        zone = ZoneInfo(TIMEZONE)
        today = now.astimezone(zone).date()
        term_days = _school_days(calendar, today, max(size.check_ins_per_student, 1) * 5)
        term_start = datetime.combine(term_days[0], datetime.min.time(), tzinfo=zone).astimezone(UTC)
        # Every school shares the calendar and the term start, so each cadence's occurrences and
        # next due time are worked out once (evaluating an RRULE per mentorship would dominate).
        due_of: dict[str | None, datetime] = {}
        occurrences_of: dict[str | None, list[_Occurrence]] = {}
        for cadence in CADENCES:
            due_of[cadence] = next_due(cadence or DEFAULT_CADENCE, TIMEZONE, now, calendar, anchor=term_start)
            occurrences_of[cadence] = (
                _occurrences(cadence, calendar, term_start, today) if size.check_ins_per_student else []
            )
        thresholds = thresholds_for({})
        with_alerts = size.alerts and size.check_ins_per_student > 0

        students_left = size.students
        for n in range(size.school_count):
            school_id = ids["school"]
            ids["school"] += 1
            workspace = (
                console_workspace if console_workspace and n == 0 else ("console", f"{namespace}-{n + 1}")
            )
            # Each seeded school in a workspace of its own, as if from a different municipality.
            organisation_id = ids["organisation"]
            ids["organisation"] += 1
            batch.add(
                organisation_t,
                {
                    "id": organisation_id,
                    "platform": workspace[0],
                    "workspace_id": workspace[1],
                    "name": "",
                    "created_at": term_start,
                },
            )
            batch.add(
                school_t,
                {
                    "id": school_id,
                    "organisation_id": organisation_id,
                    "platform": workspace[0],
                    "workspace_id": workspace[1],
                    "name": school_name(run, n),
                    "timezone": TIMEZONE,
                    "language": "sv",
                    # A channel id as the `eht` command stores it: without the '#' people type.
                    "eht_channel": "eht",
                    "thresholds": {},
                    "created_at": term_start,
                },
            )
            report.schools += 1
            in_school = math.ceil(students_left / (size.school_count - n))
            students_left -= in_school
            mentor_ids = []
            eht_id = 0
            people = [("coordinator", {"is_coordinator": True}), ("eht", {"is_eht": True})]
            people += [(f"mentor{m + 1:02d}", {"is_mentor": True}) for m in range(mentors_per_school)]
            for user_id, roles in people:
                member_id = ids["member"]
                ids["member"] += 1
                batch.add(
                    member_t,
                    {
                        "id": member_id,
                        "school_id": school_id,
                        "user_id": user_id,
                        "display_name": user_id.capitalize(),
                        "is_coordinator": False,
                        "is_mentor": False,
                        "is_eht": False,
                        "created_at": term_start,
                        **roles,
                    },
                )
                if roles.get("is_mentor"):
                    mentor_ids.append(member_id)
                if roles.get("is_eht"):
                    eht_id = member_id
            report.members += len(people)
            team = Team(eht_id, TIMEZONE, calendar, thresholds)
            for k, code, grade in _codes(in_school, rng):
                student_id, mentorship_id = ids["student"], ids["mentorship"]
                ids["student"] += 1
                ids["mentorship"] += 1
                mentor_id = mentor_ids[k % len(mentor_ids)]
                batch.add(
                    student_t,
                    {
                        "id": student_id,
                        "school_id": school_id,
                        "code": code,
                        "display_name": rng.choice(FIRST_NAMES) if console_workspace else "",
                        "grade": grade,
                        "class_name": code.split("-")[0],
                        "active": True,
                        "created_at": term_start,
                    },
                )
                cadence = rng.choice(CADENCES)
                batch.add(
                    mentorship_t,
                    {
                        "id": mentorship_id,
                        "student_id": student_id,
                        "mentor_id": mentor_id,
                        "cadence": cadence,
                        "next_due_at": due_of[cadence],
                        "started_at": term_start,
                    },
                )
                check_ins, prompts = _term(rng, occurrences_of[cadence], now)
                for row in check_ins:
                    row.update(id=ids["check_in"], student_id=student_id, mentorship_id=mentorship_id)
                    ids["check_in"] += 1
                    batch.add(check_in_t, {**row, "author_id": mentor_id})
                for prompt in prompts:
                    batch.add(prompt_t, {**prompt, "id": ids["prompt"], "mentorship_id": mentorship_id})
                    ids["prompt"] += 1
                cases = term_cases(rng, team, check_ins, term_days[0], now) if with_alerts else []
                for seeded in cases:
                    case_id = ids["alert_case"]
                    ids["alert_case"] += 1
                    batch.add(case_t, {**seeded.case, "id": case_id, "student_id": student_id})
                    report.cases += 1
                    for alert in seeded.alerts.values():
                        row = {**alert, "id": ids["alert"], "case_id": case_id, "student_id": student_id}
                        batch.add(alert_t, row)
                        ids["alert"] += 1
                        report.alerts += 1
                report.check_ins += len(check_ins)
                report.prompts += len(prompts)
                report.students += 1
                report.mentorships += 1
        batch.flush()
        _fix_sequences(session, tables)
        _analyze(session, tables)
    progress.close()
    report.seconds = time.perf_counter() - started
    return report


def _codes(count: int, rng: random.Random) -> Iterator[tuple[int, str, int]]:
    """Pseudonymous codes like `7B-03`: grade, class letter, a number within the class."""
    used: dict[str, int] = {}
    for k in range(count):
        grade = rng.randint(5, 9)
        group = f"{grade}{rng.choice('ABC')}"
        used[group] = used.get(group, 0) + 1
        yield k, f"{group}-{used[group]:02d}", grade


def _term(
    rng: random.Random, occurrences: list[_Occurrence], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One student's term: check-ins (oldest first) and the prompts of the cadence's occurrences.

    Most prompts are answered by a check-in within hours; the others were missed when the next
    came, and the latest may still be waiting (reminded after 24 school hours, as the clock does).
    """
    drifting = rng.random() < 0.15  # the students the early-warning rules exist for
    level = rng.uniform(2.2, 3.4) if drifting else rng.uniform(3.0, 4.6)
    answer_rate = 0.75 if drifting else 0.9
    check_ins: list[dict[str, Any]] = []
    prompts: list[dict[str, Any]] = []
    for index, occurrence in enumerate(occurrences):
        due = occurrence.due
        prompt: dict[str, Any] = {
            "due_at": due,
            "local_date": occurrence.local_date,
            "created_at": due,
            "sent_at": due,
            "reminded_at": None,
            "answered_at": None,
            "snoozed_until": None,
        }
        recorded = due + timedelta(minutes=rng.randint(10, 360))
        if rng.random() < answer_rate and recorded < now:
            check_ins.append(_check_in(rng, recorded, "scheduled", drifting, level))
            prompt.update(status="answered", answered_at=recorded)
            if occurrence.ad_hoc_at is not None and rng.random() < 0.08:
                # Now and then the mentor checks in again between prompts, the next school day.
                ad_hoc = occurrence.ad_hoc_at + timedelta(hours=rng.uniform(0, 6))
                if ad_hoc < now:
                    check_ins.append(_check_in(rng, ad_hoc, "adhoc", drifting, level))
        else:
            prompt.update(
                status="sent" if index == len(occurrences) - 1 else "missed",
                reminded_at=occurrence.reminder_at if occurrence.reminder_at <= now else None,
            )
        prompts.append(prompt)
    check_ins.sort(key=lambda row: row["recorded_at"])
    return check_ins, prompts


def _check_in(
    rng: random.Random, recorded: datetime, kind: str, drifting: bool, level: float
) -> dict[str, Any]:
    met = rng.random() < 0.92
    absent = rng.choices((0, 1, 2, 3), (60, 20, 12, 8))[0] if drifting else rng.choices((0, 1), (92, 8))[0]
    lessons = rng.choices((0, 1, 2, 4), (70, 15, 10, 5))[0] if drifting else 0
    ratings = {
        dimension: (max(1, min(5, round(rng.gauss(level, 0.7)))) if met else None)
        for dimension in ("behavioural", "academic", "cognitive", "affective")
    }
    concern = met and rng.random() < (0.08 if drifting else 0.01)
    return {
        "recorded_at": recorded,
        "kind": kind,
        "met": met,
        "absent_days": absent,
        "absent_lessons": lessons,
        "unexcused_days": absent if absent and rng.random() < 0.3 else 0,
        "unexcused_lessons": lessons // 2,
        "late_arrivals": rng.choices((0, 1, 2), (80, 15, 5))[0],
        "guardians_told": None,
        **ratings,
        # Free text is encrypted on the way in; about a third of check-ins name a strength.
        "strengths": rng.choice(STRENGTHS) if met and rng.random() < 0.33 else "",
        "concern": concern,
        "concern_domain": rng.choice(("individual", "home", "school")) if concern else None,
        "note": "",
    }


def mark_due(db: Database, moment: datetime, limit: int | None = None) -> int:
    """Make mentorships due at `moment` (the benchmarks' "100,000 prompts are due now")."""
    with db.transaction() as session:
        ids = select(Mentorship.id).where(Mentorship.ended_at.is_(None)).order_by(Mentorship.id)
        if limit is not None:
            ids = ids.limit(limit)
        result = session.execute(
            Mentorship.__table__.update()
            .where(Mentorship.__table__.c.id.in_(ids.scalar_subquery()))
            .values(next_due_at=moment)
        )
        session.execute(text("ANALYZE mentorship"))  # as autovacuum would after such a change
        return int(result.rowcount or 0)
