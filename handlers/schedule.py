"""Setting the rhythm: a mentorship's check-in cadence, the school's default, and school breaks."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import active_mentorship, require_role
from handlers.lookups import find_student
from handlers.results import Outcome
from handlers.typed_fields import check_name
from models import Member, Mentorship, Role, SchoolBreak, Student
from models.audit import record
from models.cadence import CADENCE_OFF, DEFAULT_CADENCE, Cadence, CadenceError, parse_cadence
from models.calendar import SchoolCalendar
from models.messages import N_, Message, Refused, msg

_CADENCE_PROBLEMS = {
    "interval": N_("Say how many weeks between check-ins, from 1 to 8, e.g. every 2 weeks."),
    "time": N_("End with a time, e.g. 08:30."),
    "invalid_time": N_(
        "{word} is not a time of day: hours go from 00 to 23 and minutes from 00 to 59, e.g. 08:30."
    ),
    "day": N_("Name school days: mon, tue, wed, thu, fri (or mån, tis, ons, tor, fre)."),
    "weekend": N_("Check-ins are only on school days, not weekends."),
}
WEEKDAYS = (N_("mon"), N_("tue"), N_("wed"), N_("thu"), N_("fri"))
BREAK_NAME_MAX = 60
LONGEST_BREAK_DAYS = 120


def describe_cadence(rule: str | None) -> Message:
    """A cadence in words, e.g. 'every 2 weeks on thu at 14:00'."""
    if rule == CADENCE_OFF:
        return msg(N_("off (no prompts)"))
    cadence = Cadence.from_rrule(rule or DEFAULT_CADENCE)
    # Each day is translated on its own ("mån" in Swedish); the joining template needs none.
    days = msg(
        ",".join(f"{{d{d}}}" for d in cadence.weekdays),
        **{f"d{d}": msg(WEEKDAYS[d]) for d in cadence.weekdays},
    )
    time = f"{cadence.hour:02d}:{cadence.minute:02d}"
    if cadence.interval_weeks == 1:
        return msg(N_("weekly on {days} at {time}"), days=days, time=time)
    return msg(
        N_("every {weeks} weeks on {days} at {time}"), weeks=cadence.interval_weeks, days=days, time=time
    )


def _parse(words: list[str]) -> str:
    try:
        return parse_cadence(words)
    except CadenceError as problem:
        raise Refused(_CADENCE_PROBLEMS[problem.reason], usage="cadence", word=problem.word) from None


def _reschedule_school(session: Session, actor: Member, now: datetime) -> None:
    """After the calendar or default cadence changes, every upcoming prompt is worked out again."""
    calendar = SchoolCalendar.for_school(actor.school)
    mentorships = session.scalars(
        select(Mentorship)
        .join(Student)
        .where(Student.school_id == actor.school_id, Mentorship.ended_at.is_(None))
        .where((Mentorship.next_due_at.is_(None)) | (Mentorship.next_due_at > now))
    ).all()
    for mentorship in mentorships:
        mentorship.schedule_next(now, calendar)


def set_cadence(session: Session, actor: Member, now: datetime, code: str, words: list[str]) -> Outcome:
    """Show (no words) or change a mentorship's cadence: coordinators, or the student's own mentor."""
    student = find_student(session, actor.school_id, code)
    mentorship = active_mentorship(session, student)
    if mentorship is None:
        raise Refused(N_("{code} has no mentor."), code=student.code)
    if mentorship.mentor_id != actor.id:
        require_role(actor, Role.COORDINATOR)
    if words:
        mentorship.cadence = _parse(words)
        mentorship.schedule_next(now)
        record(session, actor, actor.school_id, "mentorship.cadence", "mentorship", mentorship.id, now)
    return Outcome.say(
        msg(
            N_("Check-ins for {code}: {cadence}."),
            code=student.code,
            cadence=describe_cadence(mentorship.cadence or actor.school.default_cadence),
        )
    )


def set_default_cadence(session: Session, actor: Member, now: datetime, words: list[str]) -> Outcome:
    if words:
        require_role(actor, Role.COORDINATOR)
        actor.school.default_cadence = _parse(words)
        _reschedule_school(session, actor, now)
        record(session, actor, actor.school_id, "school.cadence", "school", actor.school_id, now)
    return Outcome.say(
        msg(
            N_("The school's default cadence: {cadence}."),
            cadence=describe_cadence(actor.school.default_cadence),
        )
    )


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(N_("Write dates as YYYY-MM-DD, e.g. 2027-02-15."), usage="break add") from None


def add_break(session: Session, actor: Member, now: datetime, start: str, end: str, name: str) -> Outcome:
    require_role(actor, Role.COORDINATOR)
    starts_on, ends_on = _parse_date(start), _parse_date(end)
    if ends_on < starts_on:
        raise Refused(N_("The break ends before it starts."), usage="break add")
    if (ends_on - starts_on).days > LONGEST_BREAK_DAYS:
        raise Refused(N_("A break can be at most {days} days long."), days=LONGEST_BREAK_DAYS)
    name = check_name(" ".join(name.split()))[:BREAK_NAME_MAX]
    if not name:
        # A name is what `break list` shows and what `break remove` can use.
        raise Refused(
            N_("Give the break a name, e.g. break add {start} {end} Sportlov"),
            start=starts_on.isoformat(),
            end=ends_on.isoformat(),
            usage="break add",
        )
    today = now.astimezone(ZoneInfo(actor.school.timezone)).date()
    if ends_on < today:
        raise Refused(
            N_("That break is already over: {end} has passed. Only breaks still to come change prompts."),
            end=ends_on.isoformat(),
        )
    for other in actor.school.breaks:
        if other.starts_on <= ends_on and starts_on <= other.ends_on:
            raise Refused(
                N_(
                    "That break overlaps {name} ({start} to {end}). Choose other dates, "
                    "or remove that break first with: break remove {start}"
                ),
                name=other.name or "-",
                start=other.starts_on.isoformat(),
                end=other.ends_on.isoformat(),
            )
    school_break = SchoolBreak(school=actor.school, starts_on=starts_on, ends_on=ends_on, name=name)
    session.add(school_break)
    session.flush()
    _reschedule_school(session, actor, now)
    record(session, actor, actor.school_id, "school.break.add", "school_break", school_break.id, now)
    return Outcome.say(
        msg(
            N_("Break added: {name} {start} to {end}. No prompts on those days."),
            name=name,
            start=starts_on.isoformat(),
            end=ends_on.isoformat(),
        )
    )


def list_breaks(session: Session, actor: Member, now: datetime) -> Outcome:
    require_role(actor, Role.COORDINATOR, Role.MENTOR, Role.EHT)
    breaks = actor.school.breaks
    if not breaks:
        return Outcome.say(
            msg(N_("No school breaks set. Add one with: break add 2027-02-15 2027-02-19 Sportlov"))
        )
    lines = [f"{b.starts_on.isoformat()}..{b.ends_on.isoformat()} {b.name}".rstrip() for b in breaks]
    return Outcome.say(msg(N_("School breaks:\n{breaks}"), breaks="\n".join(lines)))


def remove_break(session: Session, actor: Member, now: datetime, which: str) -> Outcome:
    """Remove by start date (YYYY-MM-DD) or by name."""
    require_role(actor, Role.COORDINATOR)
    matches = [
        b for b in actor.school.breaks if b.starts_on.isoformat() == which or b.name.lower() == which.lower()
    ]
    if len(matches) != 1:
        raise Refused(
            N_("No single break matches {which}; give its start date."), which=which, usage="break remove"
        )
    actor.school.breaks.remove(matches[0])
    session.flush()
    _reschedule_school(session, actor, now)
    record(session, actor, actor.school_id, "school.break.remove", "school", actor.school_id, now)
    return Outcome.say(msg(N_("Break removed: {name}."), name=matches[0].name or which))
