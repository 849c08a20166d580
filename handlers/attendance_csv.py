"""Attendance exports as CSV files: column mapping profiles, and every row checked before any is stored.

Schools without an SS 12000 connection export attendance from their system as a spreadsheet: one
row per student and school day, separated by semicolons, decimals with a comma, dates as
YYYY-MM-DD, headers in Swedish. A *profile* says which header holds what and whether times are in
hours or minutes; columns are found by their header, in any order, and other columns (a name, a
class, a personal identity number) are never read. `parse_export` checks every row and returns the
records with their line numbers, or the problems: one bad row and the caller stores nothing.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from handlers.attendance import AttendanceRecord, record_problem
from models.messages import N_, Message, Refused, listing, msg


@dataclass(frozen=True)
class Profile:
    """Which header holds what in one system's export; times in hours (60) or minutes (1)."""

    name: str
    source: str
    person_id: str
    day: str
    offered: str
    absent: str
    unexcused: str
    late_arrivals: str
    full_day: str
    minutes_per_unit: int

    @property
    def headers(self) -> tuple[str, ...]:
        return (
            self.person_id,
            self.day,
            self.offered,
            self.absent,
            self.unexcused,
            self.late_arrivals,
            self.full_day,
        )


PROFILES = (
    Profile(
        name="skola24",
        source="Skola24",
        person_id="Elev-ID",
        day="Datum",
        offered="Schemalagd tid (h)",
        absent="Frånvaro (h)",
        unexcused="Varav ogiltig (h)",
        late_arrivals="Sena ankomster",
        full_day="Heldagsfrånvaro",
        minutes_per_unit=60,
    ),
    Profile(
        name="schoolsoft",
        source="SchoolSoft",
        person_id="Elevid",
        day="Datum",
        offered="Lektionstid (min)",
        absent="Frånvarotid (min)",
        unexcused="Ogiltig frånvaro (min)",
        late_arrivals="Sen ankomst",
        full_day="Hel dag",
        minutes_per_unit=1,
    ),
)
PROFILES_BY_NAME = {profile.name: profile for profile in PROFILES}
DELIMITER = ";"
MAX_ROWS = 200_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^\d{1,6}(?:[,.]\d{1,4})?$")
_COUNT = re.compile(r"^\d{1,3}$")
_YES = {"ja", "j", "x", "1", "yes", "y", "true"}
_NO = {"nej", "n", "0", "no", "false", ""}


@dataclass
class ParsedExport:
    profile: Profile
    records: list[tuple[int, AttendanceRecord]] = field(default_factory=list)
    problems: list[tuple[int, Message]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.records) + len(self.problems)


def header_key(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def _profile_for(header: list[str], name: str | None) -> Profile:
    """The profile asked for (its columns must all be there), or the one whose columns are all there."""
    present = {header_key(cell) for cell in header}
    if name is not None:
        profile = PROFILES_BY_NAME.get(name.casefold())
        if profile is None:
            raise Refused(
                N_("There is no profile called {name}. The profiles are: {names}."),
                name=name[:40],
                names=", ".join(PROFILES_BY_NAME),
            )
        missing = [h for h in profile.headers if header_key(h) not in present]
        if missing:
            raise Refused(
                N_("The first line lacks the columns of the {profile} profile: {missing}."),
                profile=profile.name,
                missing=listing(missing),
            )
        return profile
    for profile in PROFILES:
        if all(header_key(h) in present for h in profile.headers):
            return profile
    raise Refused(
        N_("The first line names no profile's columns. Expected, separated by semicolons: {expected}."),
        expected=listing(
            (msg(N_("{profile}: {headers}"), profile=p.name, headers="; ".join(p.headers)) for p in PROFILES),
            separator=" | ",
        ),
    )


def _minutes(cell: str, per_unit: int, what: Message) -> int:
    text = cell.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return 0
    if not _NUMBER.match(text):
        raise ValueError(msg(N_("{what} is not a number (write decimals with a comma: 1,5)."), what=what))
    minutes = Decimal(text.replace(",", ".")) * per_unit
    return int(minutes.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _count(cell: str, what: Message) -> int:
    text = cell.strip()
    if not text:
        return 0
    if not _COUNT.match(text):
        raise ValueError(msg(N_("{what} is not a whole number."), what=what))
    return int(text)


def parse_day(cell: str) -> date:
    text = cell.strip()
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(msg(N_("The date is not a date written YYYY-MM-DD."))) from None


def _full_day(cell: str) -> bool:
    text = cell.strip().casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(msg(N_("Full-day absence is neither Ja nor Nej.")))


def _record(profile: Profile, cells: dict[str, str]) -> AttendanceRecord:
    """One row as a record; ValueError carrying the reason when a cell cannot be read."""

    def cell(header: str) -> str:
        return cells.get(header_key(header), "")

    unit = profile.minutes_per_unit
    if not cell(profile.offered).strip():
        raise ValueError(msg(N_("The offered time is missing.")))
    return AttendanceRecord(
        person_id=cell(profile.person_id).strip(),
        day=parse_day(cell(profile.day)),
        offered_minutes=_minutes(cell(profile.offered), unit, msg(N_("The offered time"))),
        absent_minutes=_minutes(cell(profile.absent), unit, msg(N_("The absence"))),
        unexcused_minutes=_minutes(cell(profile.unexcused), unit, msg(N_("The unexcused absence"))),
        late_arrivals=_count(cell(profile.late_arrivals), msg(N_("Late arrivals"))),
        full_day=_full_day(cell(profile.full_day)),
    )


def parse_export(text: str, profile_name: str | None = None) -> ParsedExport:
    """Every row of an export checked; refuses when the header names no profile's columns."""
    lines = text.splitlines()
    reader = csv.reader(lines, delimiter=DELIMITER)
    header = next((row for row in reader if any(c.strip() for c in row)), None)
    if header is None:
        raise Refused(N_("The file is empty."))
    profile = _profile_for(header, profile_name)
    keys = [header_key(cell) for cell in header]
    parsed = ParsedExport(profile)
    seen: dict[tuple[str, date], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if parsed.rows_read >= MAX_ROWS:
            raise Refused(N_("At most {max} rows at a time."), max=MAX_ROWS)
        if len(row) != len(keys):
            parsed.problems.append(
                (
                    line,
                    msg(N_("Expected {expected} values, found {found}."), expected=len(keys), found=len(row)),
                )
            )
            continue
        try:
            record = _record(profile, dict(zip(keys, row, strict=True)))
        except ValueError as error:
            parsed.problems.append((line, error.args[0]))
            continue
        problem = record_problem(record)
        key = (record.person_id.casefold(), record.day)
        if problem is None and key in seen:
            problem = msg(N_("The same student and day as on line {other}."), other=seen[key])
        if problem is not None:
            parsed.problems.append((line, problem))
            continue
        seen[key] = line
        parsed.records.append((line, record))
    return parsed
