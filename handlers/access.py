"""Who may do what: every use case asks here before it reads or changes anything."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Member, Mentorship, Role, Student
from models.messages import N_, Refused

_ROLE_REQUIRED = {
    Role.COORDINATOR: N_("Only coordinators can do that. Ask a coordinator to give you the role."),
    Role.MENTOR: N_("Only mentors can do that."),
    Role.EHT: N_("Only the student health team (EHT) can do that."),
}


def require_role(actor: Member, *roles: Role) -> None:
    """Refuse unless the actor has at least one of the roles."""
    if not any(actor.has_role(role) for role in roles):
        raise Refused(_ROLE_REQUIRED[roles[0]])


def active_mentorship(session: Session, student: Student) -> Mentorship | None:
    return session.scalar(
        select(Mentorship).where(Mentorship.student_id == student.id, Mentorship.ended_at.is_(None))
    )


def require_mentor_of(session: Session, actor: Member, student: Student) -> Mentorship:
    """The actor's active mentorship of the student, or a refusal that does not reveal who mentors it."""
    mentorship = active_mentorship(session, student)
    if mentorship is None or mentorship.mentor_id != actor.id:
        raise Refused(N_("{code} is not one of your mentees."), code=student.code)
    return mentorship
