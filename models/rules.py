"""The early-warning rules: pure functions over one student's recent check-ins, with no I/O.

Each rule has an id, a title (English source here, Swedish in `bot/locale/sv/rules.po`; why a
student crossed it, in words, is `models/flagged.py`) and reads its parameters from the school's
thresholds: the defaults below, overridden per school in `School.thresholds` (Swedish law leaves
the trigger for "repeated or long absence" to each principal, so these are configuration, not code).

A rule that fires returns a `RuleResult`: the evidence as numbers and a short trend (sparkline).
The facts a rule sees (`CheckInFacts`) do not carry the strengths or the note at all, so free text
can never reach an alert.

Where the school's own system registered a student's attendance (`RegisteredDay`, minutes per
school day, see models/attendance.py), the rules count from it instead of the mentor's figures: the
attendance rate over offered minutes, full days absent, unexcused lessons and late arrivals, for
each window the source covers. Where it does not, the mentor's check-ins are counted as before.

Course performance (`CourseMark`, models/course.py): the newest signal per core subject from the
school's system — an F, no grade, a warning of F, or a pass or withdrawn warning that clears it. The
`risk_of_f` rule fires when the student is at risk of F in `core_subjects_at_risk` of svenska (or
svenska som andraspråk), engelska and matematik, and says so for grade 9, where upper-secondary
eligibility needs a pass in all three.

Rules that read check-ins run when a check-in is logged; `no_contact` and `risk_of_f` depend on time
passing (or on what the school's system registered overnight) and run daily (`Rule.daily`). The
count and attendance rules speak only when the newest check-in adds to what they count: absences
that already raised an alert the EHT resolved do not raise it again.

A rule that no longer holds for a student *clears* (`clears`): back above the attendance threshold,
fewer counted in the last 30 days, no low rating any more, contact again. A case shows it as cleared
rather than forgetting it; a concern never clears by itself (only the EHT can close it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row

from models.calendar import SchoolCalendar
from models.checkin import ENGAGEMENT_DIMENSIONS, CheckIn
from models.course import AT_RISK, GROUP_ORDER, SUBJECT_GROUP
from models.messages import N_, Message, Refused, listing, msg
from models.trends import sparkline

SCHOOL_WEEK = 5  # school days
MONTH = timedelta(days=30)  # "a month" for the monthly markers: the 30 days up to the check-in
LESSONS_PER_DAY = 6  # single lessons missed count as this fraction of a day in the attendance rate
FIRST_PERIOD = SCHOOL_WEEK  # a student's first check-in covers the school week before it
MIN_COVERED = SCHOOL_WEEK  # fewer school days covered than this says too little about a rate
TREND_LENGTH = 6
# Unexcused minutes from the school's system count as lessons of this length, rounded up per day:
# any unexcused time on a day is at least one lesson.
LESSON_MINUTES = 60
# A course signal older than this says nothing any more: a grade is given every term, so the newest
# one is at most about half a year old, and a warning is about the term it was given in.
COURSE_MEMORY = timedelta(days=365)
# Upper-secondary eligibility (gymnasiebehörighet) is decided by the grades at the end of grade 9.
FINAL_YEAR = 9


# --- Thresholds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One threshold a school can change with `threshold set NAME VALUE`."""

    name: str
    default: int
    low: int
    high: int
    meaning: str


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("attendance_percent", 90, 50, 100, N_("Alert when attendance falls below this percentage.")),
    Parameter("attendance_weeks", 4, 1, 20, N_("School weeks the attendance rate is measured over.")),
    Parameter("absent_days_month", 3, 1, 30, N_("Full days absent in a month that raise an alert.")),
    Parameter("skipped_lessons_month", 3, 1, 100, N_("Unexcused lessons in a month that raise an alert.")),
    Parameter("late_arrivals_month", 5, 1, 100, N_("Late arrivals in a month that raise an alert.")),
    Parameter("rating_floor", 1, 1, 4, N_("A rating at or below this in any dimension raises an alert.")),
    Parameter("rating_low", 2, 1, 4, N_("A rating at or below this several check-ins in a row alerts.")),
    Parameter("low_in_a_row", 2, 2, 10, N_("How many low ratings in a row raise an alert.")),
    Parameter("drop_points", 2, 1, 4, N_("A drop of this many points against the student's average alerts.")),
    Parameter("average_of", 3, 1, 10, N_("How many earlier ratings make the student's own average.")),
    Parameter("no_contact_weeks", 3, 1, 20, N_("School weeks without a check-in with contact that alert.")),
    Parameter(
        "core_subjects_at_risk",
        1,
        1,
        3,
        N_("Core subjects (Swedish, English, mathematics) with an F, no grade or a warning of F that alert."),
    ),
    Parameter(
        "reraise_days",
        5,
        1,
        30,
        N_(
            "School days before an unacknowledged case is raised again, once; then its coordinators are told."
        ),
    ),
    Parameter(
        "urgent_attendance_percent",
        80,
        50,
        100,
        N_("A case is urgent when attendance falls below this percentage."),
    ),
    Parameter("at_risk_rules", 3, 2, 8, N_("This many rules crossed at once make a case at least at risk.")),
    Parameter(
        "channel_risk",
        2,
        1,
        3,
        N_(
            "The lowest risk posted in the EHT channel at once (1 watch, 2 at risk, 3 urgent); "
            "lower cases wait for the weekly summary."
        ),
    ),
)
PARAMETERS_BY_NAME = {p.name: p for p in PARAMETERS}
# Each threshold's Swedish name, shown to Swedish readers (rules.po translates the English name to
# it) and accepted when typed, as the English one is, with or without å, ä and ö.
SWEDISH_NAMES = {
    N_("attendance_percent"): "närvaro",
    N_("attendance_weeks"): "närvaroveckor",
    N_("absent_days_month"): "frånvarodagar",
    N_("skipped_lessons_month"): "ogiltiga_lektioner",
    N_("late_arrivals_month"): "sena_ankomster",
    N_("rating_floor"): "lägsta_bedömning",
    N_("rating_low"): "låg_bedömning",
    N_("low_in_a_row"): "låga_i_rad",
    N_("drop_points"): "nedgång_poäng",
    N_("average_of"): "snitt_av",
    N_("no_contact_weeks"): "veckor_utan_kontakt",
    N_("core_subjects_at_risk"): "kärnämnen_med_f_risk",
    N_("reraise_days"): "larma_igen_dagar",
    N_("urgent_attendance_percent"): "akut_närvaro",
    N_("at_risk_rules"): "risk_antal_regler",
    N_("channel_risk"): "kanal_risknivå",
}


def _folded(name: str) -> str:
    """A name as typed on any keyboard: lower case, å and ä as a, ö as o, hyphens as underscores."""
    return name.strip().lower().replace("-", "_").translate(str.maketrans("åäö", "aao"))


# Every spelling a person may type for a threshold, English or Swedish.
_PARAMETER_SPELLINGS = {
    _folded(spelling): p for p in PARAMETERS for spelling in (p.name, SWEDISH_NAMES[p.name])
}

Thresholds = Mapping[str, int]


def thresholds_for(overrides: Mapping[str, Any] | None) -> dict[str, int]:
    """The defaults with a school's valid overrides applied; anything invalid in storage is ignored."""
    values = {p.name: p.default for p in PARAMETERS}
    for name, value in (overrides or {}).items():
        parameter = PARAMETERS_BY_NAME.get(name)
        if (
            parameter is not None
            and isinstance(value, int)
            and not isinstance(value, bool)
            and parameter.low <= value <= parameter.high
        ):
            values[name] = value
    return values


def parse_threshold(name: str, raw: str, usage: str | None = "threshold set") -> tuple[str, int]:
    """A threshold as typed, validated; refuses politely with the allowed range."""
    parameter = _PARAMETER_SPELLINGS.get(_folded(name))
    if parameter is None:
        raise Refused(
            N_("There is no threshold called {name}. The thresholds are: {names}."),
            usage=usage,
            name=name[:40],
            names=listing(msg(p.name) for p in PARAMETERS),
        )
    key = parameter.name
    text = raw.strip().removesuffix("%")
    if not (
        text.isascii() and text.isdigit() and len(text) <= 4 and parameter.low <= int(text) <= parameter.high
    ):
        raise Refused(
            N_("{name} must be a whole number from {low} to {high}."),
            usage=usage,
            name=msg(key),
            low=parameter.low,
            high=parameter.high,
        )
    return key, int(text)


# --- What the rules see --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInFacts:
    """The numbers of one check-in, on the school's local date. Deliberately no free text."""

    on: date
    met: bool = True
    absent_days: int = 0
    absent_lessons: int = 0
    unexcused_days: int = 0
    unexcused_lessons: int = 0
    late_arrivals: int = 0
    # In the order of ENGAGEMENT_DIMENSIONS; None when the mentor could not judge.
    ratings: tuple[int | None, ...] = (None, None, None, None)
    concern: bool = False
    concern_domain: str | None = None

    def rating(self, dimension: str) -> int | None:
        return self.ratings[ENGAGEMENT_DIMENSIONS.index(dimension)]


# What the rules read of a check-in: its numbers and flags, never its text, so evaluating a student
# loads and decrypts no note. `facts_of` takes a `CheckIn` or a row of these columns.
FACT_COLUMNS = (
    CheckIn.recorded_at,
    CheckIn.met,
    CheckIn.absent_days,
    CheckIn.absent_lessons,
    CheckIn.unexcused_days,
    CheckIn.unexcused_lessons,
    CheckIn.late_arrivals,
    *(getattr(CheckIn, dimension) for dimension in ENGAGEMENT_DIMENSIONS),
    CheckIn.concern,
    CheckIn.concern_domain,
)


def facts_of(check_in: CheckIn | Row[Any], timezone: str) -> CheckInFacts:
    return CheckInFacts(
        on=check_in.recorded_at.astimezone(ZoneInfo(timezone)).date(),
        met=check_in.met,
        absent_days=check_in.absent_days,
        absent_lessons=check_in.absent_lessons,
        unexcused_days=check_in.unexcused_days,
        unexcused_lessons=check_in.unexcused_lessons,
        late_arrivals=check_in.late_arrivals,
        ratings=tuple(getattr(check_in, d) for d in ENGAGEMENT_DIMENSIONS),
        concern=check_in.concern,
        concern_domain=check_in.concern_domain.value if check_in.concern_domain else None,
    )


@dataclass(frozen=True)
class RegisteredDay:
    """One school day of a student as the school's own system registered it, in minutes."""

    on: date
    offered_minutes: int
    absent_minutes: int
    unexcused_minutes: int = 0
    late_arrivals: int = 0
    full_day: bool = False

    # What the monthly rules count, named as on a check-in (see MONTHLY).
    @property
    def absent_days(self) -> int:
        return int(self.full_day)

    @property
    def unexcused_lessons(self) -> int:
        return -(-self.unexcused_minutes // LESSON_MINUTES)


@dataclass(frozen=True)
class CourseMark:
    """One course signal of a student from the school's system (models/course.CourseSignal)."""

    subject: str  # SV, SVA, EN, MA
    kind: str  # a models.course.SignalKind
    on: date


@dataclass(frozen=True)
class Situation:
    """A student as the rules see them on `today`: check-ins oldest first, the mentorship's start,
    and the school days the school's system registered (oldest first; empty where it has none)."""

    today: date
    history: Sequence[CheckInFacts]
    # When the active mentorship started; None when the student has no mentor now.
    mentored_since: date | None = None
    registered: Sequence[RegisteredDay] = ()
    # Course signals, oldest first (the same day in the order they were imported).
    courses: Sequence[CourseMark] = ()
    # The student's grade (5-9), when known.
    school_year: int | None = None

    @property
    def latest(self) -> CheckInFacts | None:
        return self.history[-1] if self.history else None


@dataclass(frozen=True)
class RuleResult:
    """A rule fired: its evidence as numbers (and fixed identifiers), and a short trend."""

    rule: str
    evidence: dict[str, Any]
    trend: str = ""


Check = Callable[[Situation, Thresholds, SchoolCalendar], RuleResult | None]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    check: Check
    daily: bool = False
    # Repeated or long absence: the EHT is asked whether an investigation (7 kap. 19 a §) has started.
    about_absence: bool = False


# --- Helpers ---------------------------------------------------------------------------------------


def _count_trend(values: Sequence[int], threshold: int) -> str:
    """Counts drawn on the 1-5 bar scale: the tallest bar is the threshold or the highest count."""
    top = max([threshold, *values, 1])
    return sparkline([1 + 4 * v / top for v in values[-TREND_LENGTH:]])


def _ratings_of(history: Sequence[CheckInFacts], dimension: str) -> list[int]:
    return [r for c in history if (r := c.rating(dimension)) is not None]


def window_start(calendar: SchoolCalendar, today: date, school_days: int) -> date:
    """The day before the earliest of the last `school_days` school days up to `today`.

    So `calendar.school_days_between(window_start(...), today) == school_days`.
    """
    day, counted = today, 0
    for _ in range(school_days * 7 + 400):  # bounded: breaks are long, but not endless
        if counted >= school_days:
            return day
        if calendar.is_school_day(day):
            counted += 1
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class AttendanceRate:
    rate: Fraction
    absent: Fraction  # days, single lessons counted as 1/LESSONS_PER_DAY of a day
    covered: int  # school days of the window the check-ins cover


def attendance_rate(
    history: Sequence[CheckInFacts], today: date, school_days: int, calendar: SchoolCalendar
) -> AttendanceRate | None:
    """The attendance rate over the last `school_days` school days up to `today`, or None.

    Each check-in reports absence *since the previous check-in*, so check-in i covers the school
    days in (previous check-in, its own date]; a student's first check-in covers the school week
    before it. A period that straddles the window's start counts with the share of its school
    days inside the window (absence is assumed spread evenly over the period). The rate is
        1 - (absent days + absent lessons / LESSONS_PER_DAY) / school days covered,
    floored at 0. Fewer than MIN_COVERED covered school days gives None: too little to judge.
    Exact fractions keep a rate of exactly 90 % from reading as 89.999...
    """
    start = window_start(calendar, today, school_days)
    covered, absent = 0, Fraction(0)
    previous: date | None = None
    for check_in in history:
        if check_in.on > today:
            break
        since = previous if previous is not None else window_start(calendar, check_in.on, FIRST_PERIOD)
        previous = check_in.on
        if check_in.on <= start:
            continue
        whole = calendar.school_days_between(since, check_in.on)
        inside = calendar.school_days_between(max(since, start), check_in.on)
        days_absent = check_in.absent_days + Fraction(check_in.absent_lessons, LESSONS_PER_DAY)
        # A period with no school day in it (two check-ins the same day) still counts its absences.
        absent += days_absent * inside / whole if whole else days_absent
        covered += inside
    if covered < MIN_COVERED:
        return None
    absent = min(absent, Fraction(covered))
    return AttendanceRate(1 - absent / covered, absent, covered)


def registered_rate(
    registered: Sequence[RegisteredDay], today: date, school_days: int, calendar: SchoolCalendar
) -> AttendanceRate | None:
    """The attendance rate over the last `school_days` school days from the school's own system:
        1 - absent minutes / offered minutes
    over the registered days in the window with time offered, or None when fewer than MIN_COVERED
    such days are registered (then the check-ins are counted instead). Absent days are the absent
    share of the days covered."""
    start = window_start(calendar, today, school_days)
    days = [d for d in registered if start < d.on <= today and d.offered_minutes > 0]
    if len(days) < MIN_COVERED:
        return None
    share = Fraction(sum(d.absent_minutes for d in days), sum(d.offered_minutes for d in days))
    return AttendanceRate(1 - share, share * len(days), len(days))


def attendance_over(s: Situation, school_days: int, calendar: SchoolCalendar) -> AttendanceRate | None:
    """The rate from the school's system where it covers the window, else estimated from check-ins."""
    return registered_rate(s.registered, s.today, school_days, calendar) or attendance_rate(
        s.history, s.today, school_days, calendar
    )


def _latest_period(s: Situation, calendar: SchoolCalendar) -> tuple[date, date]:
    """The days the newest check-in reports on: after the previous one, up to its own date."""
    latest = s.history[-1]
    since = s.history[-2].on if len(s.history) > 1 else window_start(calendar, latest.on, FIRST_PERIOD)
    return since, latest.on


def _registered_in(s: Situation, after: date, until: date) -> list[RegisteredDay]:
    return [d for d in s.registered if after < d.on <= until]


# --- The rules ------------------------------------------------------------------------------------


def _attendance(s: Situation, t: Thresholds, calendar: SchoolCalendar) -> RuleResult | None:
    latest = s.latest
    if latest is None:
        return None
    school_days = t["attendance_weeks"] * SCHOOL_WEEK
    registered = registered_rate(s.registered, s.today, school_days, calendar)
    if registered is not None:
        adds = sum(d.absent_minutes for d in _registered_in(s, *_latest_period(s, calendar)))
    else:
        adds = latest.absent_days + latest.absent_lessons
    if adds == 0:
        return None
    rate = registered or attendance_rate(s.history, s.today, school_days, calendar)
    if rate is None or rate.rate * 100 >= t["attendance_percent"]:
        return None
    recent = [c for c in s.history if s.today - MONTH * 2 < c.on <= s.today]
    return RuleResult(
        "attendance",
        {
            "percent": float(round(rate.rate * 100, 1)),
            "absent": float(round(rate.absent, 1)),
            "school_days": rate.covered,
            "threshold": t["attendance_percent"],
            "weeks": t["attendance_weeks"],
        },
        # Days absent per check-in over the last two months, the tallest bar the most days.
        _count_trend([c.absent_days for c in recent], 1),
    )


# The monthly markers: rule id -> (what the check-in counts, the threshold's name).
MONTHLY = {
    "absent_days": ("absent_days", "absent_days_month"),
    "skipped_lessons": ("unexcused_lessons", "skipped_lessons_month"),
    "late_arrivals": ("late_arrivals", "late_arrivals_month"),
}


def _month_count(s: Situation, attribute: str) -> int:
    """What the month counts: from the school's system when it registered a day of the month."""
    registered = _registered_in(s, s.today - MONTH, s.today)
    if registered:
        return sum(getattr(d, attribute) for d in registered)
    return sum(getattr(c, attribute) for c in s.history if s.today - MONTH < c.on <= s.today)


def _per_check_in(s: Situation, attribute: str, calendar: SchoolCalendar) -> list[int]:
    """Per check-in of the month, what its period counts (the trend); the newest last."""
    from_source = bool(_registered_in(s, s.today - MONTH, s.today))
    values = []
    for index, check_in in enumerate(s.history):
        if not s.today - MONTH < check_in.on <= s.today:
            continue
        if from_source:
            period = _latest_period(replace(s, history=s.history[: index + 1]), calendar)
            values.append(sum(getattr(d, attribute) for d in _registered_in(s, *period)))
        else:
            values.append(getattr(check_in, attribute))
    return values


def _monthly(rule_id: str, attribute: str, threshold: str) -> Check:
    def check(s: Situation, t: Thresholds, calendar: SchoolCalendar) -> RuleResult | None:
        if s.latest is None:
            return None
        recent = _per_check_in(s, attribute, calendar)
        if not recent or recent[-1] == 0:
            return None
        count = _month_count(s, attribute)
        if count < t[threshold]:
            return None
        return RuleResult(
            rule_id,
            {"count": count, "threshold": t[threshold]},
            _count_trend(recent, t[threshold]),
        )

    return check


def _low_rating(s: Situation, t: Thresholds, _calendar: SchoolCalendar) -> RuleResult | None:
    latest = s.latest
    if latest is None:
        return None
    worst: tuple[int, str] | None = None
    for dimension in ENGAGEMENT_DIMENSIONS:
        rating = latest.rating(dimension)
        if rating is None:
            continue
        ratings = _ratings_of(s.history, dimension)
        streak = ratings[-t["low_in_a_row"] :]
        is_low = rating <= t["rating_floor"] or (
            len(streak) == t["low_in_a_row"] and all(r <= t["rating_low"] for r in streak)
        )
        if is_low and (worst is None or rating < worst[0]):
            worst = (rating, dimension)
    if worst is None:
        return None
    rating, dimension = worst
    ratings = _ratings_of(s.history, dimension)[-TREND_LENGTH:]
    return RuleResult(
        "low_rating",
        {
            "dimension": dimension,
            "rating": rating,
            "ratings": ratings,
            "floor": t["rating_floor"],
            "low": t["rating_low"],
            "in_a_row": t["low_in_a_row"],
        },
        sparkline(ratings),
    )


def _rating_drop(s: Situation, t: Thresholds, _calendar: SchoolCalendar) -> RuleResult | None:
    latest = s.latest
    if latest is None:
        return None
    biggest: tuple[Fraction, str, Fraction] | None = None
    for dimension in ENGAGEMENT_DIMENSIONS:
        rating = latest.rating(dimension)
        if rating is None:
            continue
        earlier = _ratings_of(s.history[:-1], dimension)[-t["average_of"] :]
        if len(earlier) < min(2, t["average_of"]):
            continue  # no average of the student's own yet
        average = Fraction(sum(earlier), len(earlier))
        drop = average - rating
        if drop >= t["drop_points"] and (biggest is None or drop > biggest[0]):
            biggest = (drop, dimension, average)
    if biggest is None:
        return None
    drop, dimension, average = biggest
    ratings = _ratings_of(s.history, dimension)[-TREND_LENGTH:]
    return RuleResult(
        "rating_drop",
        {
            "dimension": dimension,
            "rating": latest.rating(dimension),
            "average": float(round(average, 1)),
            "ratings": ratings,
            "drop_points": t["drop_points"],
        },
        sparkline(ratings),
    )


def _concern(s: Situation, _t: Thresholds, _calendar: SchoolCalendar) -> RuleResult | None:
    latest = s.latest
    if latest is None or not latest.concern:
        return None
    return RuleResult("concern", {"domain": latest.concern_domain or ""})


def _no_contact(s: Situation, t: Thresholds, calendar: SchoolCalendar) -> RuleResult | None:
    if s.mentored_since is None:
        return None
    contacts = [c.on for c in s.history if c.met and c.on <= s.today]
    since = max([s.mentored_since, *contacts])
    school_days = calendar.school_days_between(since, s.today)
    if school_days < t["no_contact_weeks"] * SCHOOL_WEEK:
        return None
    # The date, not the day count, is the evidence: it stays the same from day to day.
    return RuleResult(
        "no_contact",
        {"since": since.isoformat(), "weeks": t["no_contact_weeks"], "contact": bool(contacts)},
    )


def course_standing(marks: Sequence[CourseMark], today: date) -> list[CourseMark]:
    """The newest signal per core subject up to `today` (SVA counting as SV), in the order SV, EN, MA."""
    newest: dict[str, CourseMark] = {}
    for mark in sorted(marks, key=lambda m: m.on):  # stable: the same day keeps the import order
        if today - COURSE_MEMORY < mark.on <= today and mark.subject in SUBJECT_GROUP:
            newest[SUBJECT_GROUP[mark.subject]] = mark
    return [newest[group] for group in GROUP_ORDER if group in newest]


def _risk_of_f(s: Situation, t: Thresholds, _calendar: SchoolCalendar) -> RuleResult | None:
    at_risk = [mark for mark in course_standing(s.courses, s.today) if mark.kind in AT_RISK]
    if not at_risk or len(at_risk) < t["core_subjects_at_risk"]:
        return None
    # Subjects, kinds and dates only: they stay the same from day to day until the school's system
    # registers something new.
    return RuleResult(
        "risk_of_f",
        {
            "subjects": [{"subject": m.subject, "kind": m.kind, "on": m.on.isoformat()} for m in at_risk],
            "threshold": t["core_subjects_at_risk"],
            "final_year": s.school_year == FINAL_YEAR,
        },
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "attendance",
        N_("Low attendance"),
        _attendance,
        about_absence=True,
    ),
    Rule(
        "absent_days",
        N_("Full-day absences"),
        _monthly("absent_days", *MONTHLY["absent_days"]),
        about_absence=True,
    ),
    Rule(
        "skipped_lessons",
        N_("Skipped lessons"),
        _monthly("skipped_lessons", *MONTHLY["skipped_lessons"]),
        about_absence=True,
    ),
    Rule(
        "late_arrivals",
        N_("Late arrivals"),
        _monthly("late_arrivals", *MONTHLY["late_arrivals"]),
    ),
    Rule(
        "low_rating",
        N_("Low engagement"),
        _low_rating,
    ),
    Rule(
        "rating_drop",
        N_("Engagement drop"),
        _rating_drop,
    ),
    Rule(
        "concern",
        N_("Concern raised"),
        _concern,
    ),
    Rule(
        "no_contact",
        N_("No contact"),
        _no_contact,
        daily=True,
    ),
    Rule(
        "risk_of_f",
        N_("Risk of F in a core subject"),
        _risk_of_f,
        daily=True,
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}


def clears(
    rule_id: str,
    evidence: Mapping[str, Any],
    s: Situation,
    t: Thresholds,
    calendar: SchoolCalendar,
) -> bool:
    """Whether a rule the student crossed (with this evidence) no longer holds on `s.today`.

    Judged only on what is known: an attendance rate over too few school days, a check-in without
    ratings or a "did not meet" leaves a crossing as it was. A concern never clears by itself.
    """
    latest = s.latest
    if rule_id == "attendance":
        rate = attendance_over(s, t["attendance_weeks"] * SCHOOL_WEEK, calendar)
        return rate is not None and rate.rate * 100 >= t["attendance_percent"]
    if rule_id in MONTHLY:
        attribute, threshold = MONTHLY[rule_id]
        return _month_count(s, attribute) < t[threshold]
    if rule_id == "low_rating":
        rated = latest is not None and any(r is not None for r in latest.ratings)
        return rated and _low_rating(s, t, calendar) is None
    if rule_id == "rating_drop":
        dimension = evidence.get("dimension")
        if latest is None or dimension not in ENGAGEMENT_DIMENSIONS:
            return False
        rating = latest.rating(dimension)
        return rating is not None and float(evidence.get("average", 0)) - rating < t["drop_points"]
    if rule_id == "no_contact":
        return _no_contact(s, t, calendar) is None
    if rule_id == "risk_of_f":
        return _risk_of_f(s, t, calendar) is None
    return False


def evaluate(
    situation: Situation,
    thresholds: Thresholds,
    calendar: SchoolCalendar,
    daily: bool = False,
) -> list[RuleResult]:
    """The rules that fire, in the order of RULES: check-in rules, or (daily=True) the time-based ones."""
    fired = []
    for rule in RULES:
        if rule.daily == daily:
            result = rule.check(situation, thresholds, calendar)
            if result is not None:
                fired.append(result)
    return fired


# --- Evidence in words ---------------------------------------------------------------------------

DIMENSION_WORDS = {
    "behavioural": N_("behavioural engagement"),
    "academic": N_("academic engagement"),
    "cognitive": N_("cognitive engagement"),
    "affective": N_("affective engagement"),
}
SUBJECT_WORDS = {
    "SV": N_("Swedish"),
    "SVA": N_("Swedish as a second language"),
    "EN": N_("English"),
    "MA": N_("mathematics"),
}
# A course signal in words; the day is the grade's registered date or the warning's date.
COURSE_SIGNAL_WORDS = {
    "grade_f": N_("F in {subject} ({day})"),
    "no_grade": N_("no grade (-) in {subject} ({day})"),
    "warning": N_("a warning of F in {subject} ({day})"),
}


def course_signals_message(subjects: Sequence[Mapping[str, Any]]) -> Message:
    """The subjects at risk in words, from the stored evidence: "F in mathematics (Friday 30 October)"."""
    return listing(
        msg(
            COURSE_SIGNAL_WORDS[item["kind"]],
            subject=msg(SUBJECT_WORDS[item["subject"]]),
            day=date.fromisoformat(item["on"]),
        )
        for item in subjects
    )


DOMAIN_WORDS = {
    "individual": N_("the student (individual)"),
    "home": N_("home and family"),
    "school": N_("school"),
}


def evidence_message(rule_id: str, evidence: Mapping[str, Any]) -> Message:
    """The evidence in words, built from numbers and fixed identifiers only."""
    e = evidence
    if rule_id == "attendance":
        return msg(
            N_("attendance {percent}% over {school_days} school days ({absent} days absent)"),
            percent=e["percent"],
            school_days=e["school_days"],
            absent=e["absent"],
        )
    if rule_id == "absent_days":
        return msg(N_("{count} full days absent in the last 30 days"), count=e["count"])
    if rule_id == "skipped_lessons":
        return msg(N_("{count} unexcused lessons in the last 30 days"), count=e["count"])
    if rule_id == "late_arrivals":
        return msg(N_("{count} late arrivals in the last 30 days"), count=e["count"])
    if rule_id == "low_rating":
        return msg(
            N_("{dimension} rated {rating} (latest ratings {ratings})"),
            dimension=msg(DIMENSION_WORDS[e["dimension"]]),
            rating=e["rating"],
            ratings=", ".join(str(r) for r in e["ratings"]),
        )
    if rule_id == "rating_drop":
        return msg(
            N_("{dimension} fell to {rating} from an average of {average}"),
            dimension=msg(DIMENSION_WORDS[e["dimension"]]),
            rating=e["rating"],
            average=e["average"],
        )
    if rule_id == "concern":
        if e.get("domain") in DOMAIN_WORDS:
            return msg(N_("a concern about {domain}"), domain=msg(DOMAIN_WORDS[e["domain"]]))
        return msg(N_("a concern"))
    if rule_id == "no_contact":
        if e.get("contact"):
            return msg(N_("no check-in with contact since {since}"), since=e["since"])
        return msg(N_("no check-in with contact since the mentorship began on {since}"), since=e["since"])
    if rule_id == "risk_of_f":
        return course_signals_message(e["subjects"])
    raise KeyError(rule_id)
