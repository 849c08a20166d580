"""Coordinator use cases for the student register: add, edit, remove (deactivate) and list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.access import active_mentorship, require_role
from handlers.attendance import person_id_problem
from handlers.lookups import find_student, normalise_code
from handlers.results import Notification, Outcome, Recipient, StudentList, StudentRow
from handlers.typed_fields import check_name
from models import Member, Mentorship, PromptStatus, Role, Student
from models.audit import record
from models.messages import N_, Refused, msg
from models.prompt import close_open_prompts

NAME_MAX = 40
CLASS_MAX = 12


def _clean_name(name: str) -> str:
    name = check_name(" ".join(name.split()))
    if len(name) > NAME_MAX:
        raise Refused(N_("Keep the name short: at most {max} characters."), max=NAME_MAX)
    return name


def _clean_grade(grade: int | None) -> int | None:
    if grade is not None and not 5 <= grade <= 9:
        raise Refused(N_("The grade must be between 5 and 9."))
    return grade


def _clean_class(class_name: str) -> str:
    class_name = check_name(class_name.strip())
    if len(class_name) > CLASS_MAX:
        raise Refused(N_("Keep the class short: at most {max} characters."), max=CLASS_MAX)
    return class_name


def _clean_person_id(session: Session, student: Student, person_id: str) -> str | None:
    """The school's own id for the student (empty: none); refused if it is not one, or is another's."""
    person_id = person_id.strip()
    if not person_id:
        return None
    problem = person_id_problem(person_id)
    if problem is not None:
        raise Refused(problem.template, **problem.params)
    other = session.scalar(
        select(Student.code).where(
            Student.school_id == student.school_id,
            func.lower(Student.person_id) == person_id.casefold(),
            Student.id != student.id,
        )
    )
    if other is not None:
        raise Refused(N_("{other} already has that person id."), other=other)
    return person_id


def add_student(
    session: Session,
    actor: Member,
    now: datetime,
    *,
    code: str,
    name: str | None = None,
    grade: int | None = None,
    class_name: str | None = None,
) -> Outcome:
    """Register a student; a removed student's code brings them back (see `reactivate_student`)."""
    require_role(actor, Role.COORDINATOR)
    code = normalise_code(code)
    existing = session.scalar(
        select(Student).where(Student.school_id == actor.school_id, Student.code == code)
    )
    if existing is not None and existing.active:
        raise Refused(N_("{code} is already registered."), code=code)
    if existing is not None:
        return _reactivate(session, actor, now, existing, name, grade, class_name)
    student = Student(
        school_id=actor.school_id,
        code=code,
        created_at=now,
        display_name=_clean_name(name or ""),
        grade=_clean_grade(grade),
        class_name=_clean_class(class_name or ""),
    )
    session.add(student)
    session.flush()
    record(session, actor, actor.school_id, "student.add", "student", student.id, now)
    return Outcome.say(
        msg(N_("Student {code} registered. Assign a mentor with: assign {code} @mentor"), code=code)
    )


def reactivate_student(session: Session, actor: Member, now: datetime, *, code: str) -> Outcome:
    """Bring a removed student back onto the programme, with their records, name, grade and class."""
    require_role(actor, Role.COORDINATOR)
    student = find_student(session, actor.school_id, code, include_inactive=True)
    if student.active:
        raise Refused(N_("{code} is already on the programme."), code=student.code)
    return _reactivate(session, actor, now, student, None, None, None)


def _reactivate(
    session: Session,
    actor: Member,
    now: datetime,
    student: Student,
    name: str | None,
    grade: int | None,
    class_name: str | None,
) -> Outcome:
    """A returning student gets their old record back; only what is given now is changed."""
    if name is not None:
        student.display_name = _clean_name(name)
    if grade is not None:
        student.grade = _clean_grade(grade)
    if class_name is not None:
        student.class_name = _clean_class(class_name)
    student.active, student.deactivated_at = True, None
    record(session, actor, actor.school_id, "student.reactivate", "student", student.id, now)
    return Outcome(
        reply=[
            msg(
                N_(
                    "{code} was removed earlier and is now back on the programme, with their earlier "
                    "records. Assign a mentor with: assign {code} @mentor"
                ),
                code=student.code,
            ),
            StudentList([_row(student, None)], timezone=actor.school.timezone),
        ]
    )


def edit_student(
    session: Session,
    actor: Member,
    now: datetime,
    *,
    code: str,
    name: str | None = None,
    grade: int | None = None,
    class_name: str | None = None,
    person_id: str | None = None,
) -> Outcome:
    require_role(actor, Role.COORDINATOR)
    student = find_student(session, actor.school_id, code)
    if name is None and grade is None and class_name is None and person_id is None:
        raise Refused(N_("Say what to change, for example: name=Alex grade=7 class=7B"), usage="student edit")
    if person_id is not None:
        student.person_id = _clean_person_id(session, student, person_id)
    if name is not None:
        student.display_name = _clean_name(name)
    if grade is not None:
        student.grade = _clean_grade(grade)
    if class_name is not None:
        student.class_name = _clean_class(class_name)
    record(session, actor, actor.school_id, "student.edit", "student", student.id, now)
    return Outcome.say(msg(N_("Student {code} updated."), code=student.code))


def remove_student(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    """Deactivate: the records stay (retention decides when they go), prompts stop."""
    require_role(actor, Role.COORDINATOR)
    student = find_student(session, actor.school_id, code)
    student.active, student.deactivated_at = False, now
    outcome = Outcome.say(msg(N_("Student {code} removed. Their records are kept."), code=student.code))
    mentorship = active_mentorship(session, student)
    if mentorship is not None:
        mentorship.ended_at = now
        close_open_prompts(session, mentorship.id, PromptStatus.CANCELLED, now)
        outcome.notifications.append(
            Notification(
                Recipient.person(mentorship.mentor.user_id),
                msg(N_("{code} is no longer on your mentee list."), code=student.code),
            )
        )
    record(session, actor, actor.school_id, "student.remove", "student", student.id, now)
    return outcome


def _row(student: Student, mentor_user_id: str | None) -> StudentRow:
    return StudentRow(
        student.code,
        student.display_name,
        student.grade,
        student.class_name,
        mentor_user_id,
        removed_at=None if student.active else student.deactivated_at,
    )


def list_students(session: Session, actor: Member, now: datetime) -> Outcome:
    require_role(actor, Role.COORDINATOR)
    rows = session.execute(
        select(Student, Member.user_id)
        .outerjoin(Mentorship, (Mentorship.student_id == Student.id) & Mentorship.ended_at.is_(None))
        .outerjoin(Member, Member.id == Mentorship.mentor_id)
        .where(Student.school_id == actor.school_id, Student.active.is_(True))
        .order_by(Student.code)
    ).all()
    return Outcome(
        reply=[StudentList([_row(s, mentor_user_id) for s, mentor_user_id in rows], actor.school.timezone)]
    )


def list_removed_students(session: Session, actor: Member, now: datetime) -> Outcome:
    """Students taken off the programme whose records are still kept, to bring one back."""
    require_role(actor, Role.COORDINATOR)
    removed = session.scalars(
        select(Student)
        .where(Student.school_id == actor.school_id, Student.active.is_(False))
        .order_by(Student.code)
    ).all()
    return Outcome(reply=[StudentList([_row(s, None) for s in removed], actor.school.timezone, removed=True)])
