"""Skollagen 7 kap. 17 §: when a student is absent without a valid reason, the guardians must be
told the same day. When the school's system registers unexcused absence for a mentee, the mentor is
asked whether the guardians were told, and the answer is recorded (audited).

The school's system is read at night (after 02:00, for the previous school day) or imported from a
file during the day, so the question cannot come the same day: it comes at the start of the next
school day (the clock's daily hour at school) and names the day of the absence. It is asked once per
student and absence day: `note_unexcused_absence` writes one `GuardiansQuestion` per student and day
(unique), so a re-import, a second sync or a restart never asks again. Only recent school days are
asked about (`ASK_WITHIN_SCHOOL_DAYS`): a file holding a term of history does not flood the mentor
with questions about absences long past. A day whose absence the school's system has since excused
is not asked about.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handlers.access import active_mentorship, require_mentor_of
from handlers.actors import language_of
from handlers.results import GuardiansToldQuestion, Notification, Outcome, Recipient, RecipientKind
from models import GuardiansQuestion, Member, OutboxMessage, RegisteredAttendance, School, Student
from models.audit import record
from models.calendar import SchoolCalendar
from models.messages import N_, Refused, msg
from models.rules import window_start

# Absences on the school days of the last school week (today included) are asked about; older
# ones, imported late or as history, are not.
ASK_WITHIN_SCHOOL_DAYS = 5


def question_key(question_id: int) -> str:
    """The outbox key the question is sent under: once, and found again to update it when answered."""
    return f"guardians-told:{question_id}"


def note_unexcused_absence(
    session: Session, school: School, now: datetime, absences: Iterable[tuple[int, date, str]]
) -> int:
    """Remember to ask about each (student id, day, source) of unexcused absence on a recent school day.

    Runs in the import's transaction; a student and day already noted is left as it is, so the
    question is asked once however often the day is imported. Returns how many were new."""
    calendar = SchoolCalendar.for_school(school)
    today = now.astimezone(ZoneInfo(school.timezone)).date()
    start = window_start(calendar, today, ASK_WITHIN_SCHOOL_DAYS)
    wanted = {
        (student_id, day): source
        for student_id, day, source in absences
        if start < day <= today and calendar.is_school_day(day)
    }
    if not wanted:
        return 0
    table = GuardiansQuestion.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    new = 0
    for (student_id, day), source in sorted(wanted.items()):
        statement = (
            insert(table)
            .values(student_id=student_id, day=day, source=source, created_at=now)
            .on_conflict_do_nothing(index_elements=["student_id", "day"])
            .returning(table.c.id)
        )
        new += session.execute(statement).scalar() is not None
    return new


def school_day_start(school: School, calendar: SchoolCalendar, now: datetime, hour: int) -> datetime | None:
    """None when `now` is a school day at school, at or after `hour`; else when the next one starts."""
    zone = ZoneInfo(school.timezone)
    local = now.astimezone(zone)
    if calendar.is_school_day(local.date()) and local.hour >= hour:
        return None
    day = local.date() if local.hour < hour else local.date() + timedelta(days=1)
    return datetime.combine(calendar.next_school_day(day), time(hour), tzinfo=zone)


def questions_due(session: Session, now: datetime, hour: int) -> list[tuple[School, int, Notification]]:
    """Ask the mentors the questions waiting, on a school day from `hour` at school.

    Returns (school, question id, notification) for the clock to queue. A question that waits for
    the next school day is given that moment, so the clock does not look at it again before."""
    waiting = session.scalars(
        select(GuardiansQuestion)
        .where(GuardiansQuestion.asked_at.is_(None))
        .where(or_(GuardiansQuestion.send_from.is_(None), GuardiansQuestion.send_from <= now))
        .order_by(GuardiansQuestion.day, GuardiansQuestion.id)
    ).all()
    asked: list[tuple[School, int, Notification]] = []
    calendars: dict[int, SchoolCalendar] = {}
    for question in waiting:
        student = question.student
        school = student.school
        if school.id not in calendars:
            calendars[school.id] = SchoolCalendar.for_school(school)
        calendar = calendars[school.id]
        later = school_day_start(school, calendar, now, hour)
        if later is not None:
            question.send_from = later
            continue
        if not _still_unexcused(session, question):
            session.delete(question)  # excused since it was imported: nothing to ask
            continue
        question.asked_at = now
        mentorship = active_mentorship(session, student) if student.active else None
        if mentorship is None:
            continue  # nobody mentors the student now; the school's own routines apply
        mentor = mentorship.mentor
        question.mentor_id = mentor.id
        record(session, None, school.id, "guardians.asked", "student", student.id, now)
        content = GuardiansToldQuestion(question.id, student.code, question.day, question.source)
        asked.append(
            (
                school,
                question.id,
                Notification(Recipient.person(mentor.user_id), content, language_of(mentor)),
            )
        )
    return asked


def _still_unexcused(session: Session, question: GuardiansQuestion) -> bool:
    """Whether the day is unexcused as the source imported last says (as the rules read a day)."""
    unexcused = session.scalar(
        select(RegisteredAttendance.unexcused_minutes)
        .where(
            RegisteredAttendance.student_id == question.student_id, RegisteredAttendance.day == question.day
        )
        .order_by(RegisteredAttendance.imported_at.desc(), RegisteredAttendance.id.desc())
        .limit(1)
    )
    return bool(unexcused)


def record_guardians_told(
    session: Session, actor: Member, now: datetime, question_id: int, told: bool
) -> Outcome:
    """The mentor's answer: were the guardians told about the unexcused absence that day?"""
    question = session.get(GuardiansQuestion, question_id)
    student = session.get(Student, question.student_id) if question is not None else None
    if question is None or student is None or student.school_id != actor.school_id:
        raise Refused(N_("There is no question number {id} about guardians."), id=question_id)
    require_mentor_of(session, actor, student)
    if question.told is told:
        return Outcome.say(msg(N_("Already noted; nothing changed.")))
    question.told, question.answered_at, question.answered_by_id = told, now, actor.id
    question.asked_at = question.asked_at or now
    record(
        session,
        actor,
        actor.school_id,
        "guardians.told" if told else "guardians.not_told",
        "student",
        student.id,
        now,
    )
    if told:
        reply = msg(
            N_("Noted: the guardians of {code} were told about the unexcused absence on {day}."),
            code=student.code,
            day=question.day,
        )
    else:
        reply = msg(
            N_(
                "Noted: the guardians of {code} were not told about the unexcused absence on {day}. "
                "The law asks that they are told the same day (Skollagen 7 kap. 17 §): please contact "
                "them today."
            ),
            code=student.code,
            day=question.day,
        )
    return Outcome(reply=[reply], notifications=_answered_in_place(session, question, student, actor))


def _answered_in_place(
    session: Session, question: GuardiansQuestion, student: Student, actor: Member
) -> list[Notification]:
    """The question as sent, now with its answer and without buttons; none if it was never sent."""
    sent = session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key == question_key(question.id), OutboxMessage.message_ref.is_not(None)
        )
    )
    if sent is None:
        return []
    content = GuardiansToldQuestion(question.id, student.code, question.day, question.source, question.told)
    to = Recipient(RecipientKind(sent.recipient_kind), sent.recipient_id)
    return [Notification(to, content, sent.language, replaces=sent.message_ref)]
