"""Intervention plans on a case: record or change one, show it, and answer its review.

The case's owner (or anyone in the student health team, or a coordinator) records what the school
does (`PlanKind`), the goal, the people responsible and a review date; recording a plan on a case
nobody owns makes the recorder its owner. On the review date the owner is asked whether the goal
was met (`reviews_due`, by the clock): *continue* with a new review date, *change* the plan (record
it again), or *close* it saying whether the goal was met; a goal met resolves the case with the
outcome the plan's kind stands for.

The goal is free text about a child: it is shown only in replies to the EHT, coordinators and the
people responsible, never on the channel's card, in a reminder (it would wait in the outbox as
plain text), a digest or a log. The student's mentor learns that a plan exists and when it is
reviewed, and its details only when they are among the responsible.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.access import active_mentorship, require_role
from handlers.actors import find_or_create_member, language_of
from handlers.alerts import find_case, resolve, took_step, unresolved, updated
from handlers.early_warning import alert_titles, local_today
from handlers.lookups import find_student
from handlers.results import Notification, Outcome, Recipient, TypedHint
from handlers.typed_fields import check_name
from models import AlertCase, AlertStatus, CasePlan, Member, PlanKind, PlanResult, Role, School, Student
from models.audit import record
from models.calendar import SchoolCalendar
from models.messages import N_, Refused, listing, msg
from models.plan import GOAL_MAX, kind_words

# What a person types for a kind of plan, in English or Swedish.
KIND_NAMES = {
    "cc-basic": PlanKind.CHECK_CONNECT_BASIC,
    "cc-bas": PlanKind.CHECK_CONNECT_BASIC,
    "cc-intensive": PlanKind.CHECK_CONNECT_INTENSIVE,
    "cc-intensiv": PlanKind.CHECK_CONNECT_INTENSIVE,
    "guardians": PlanKind.GUARDIANS,
    "vårdnadshavare": PlanKind.GUARDIANS,
    "vardnadshavare": PlanKind.GUARDIANS,
    "eht-meeting": PlanKind.EHT_MEETING,
    "eht-möte": PlanKind.EHT_MEETING,
    "referral": PlanKind.REFERRAL,
    "remiss": PlanKind.REFERRAL,
    "teaching": PlanKind.TEACHING,
    "anpassning": PlanKind.TEACHING,
    "other": PlanKind.OTHER,
    "annat": PlanKind.OTHER,
}
KIND_CHOICES = listing(
    msg(word)
    for word in (
        N_("cc-basic"),
        N_("cc-intensive"),
        N_("guardians"),
        N_("eht-meeting"),
        N_("referral"),
        N_("teaching"),
        N_("other"),
    )
)
RESULT_NAMES = {
    "met": PlanResult.MET,
    "uppnått": PlanResult.MET,
    "uppnatt": PlanResult.MET,
    "partly": PlanResult.PARTLY,
    "delvis": PlanResult.PARTLY,
    "not-met": PlanResult.NOT_MET,
    "ej-uppnått": PlanResult.NOT_MET,
    "ej-uppnatt": PlanResult.NOT_MET,
}
RESULT_CHOICES = msg(N_("met, partly or not-met"))
# The case's outcome when a plan of this kind met its goal.
OUTCOME_OF_KIND = {
    PlanKind.CHECK_CONNECT_BASIC: "talked",
    PlanKind.CHECK_CONNECT_INTENSIVE: "talked",
    PlanKind.GUARDIANS: "guardians",
    PlanKind.EHT_MEETING: "eht_meeting",
    PlanKind.REFERRAL: "referral",
    PlanKind.TEACHING: "other",
    PlanKind.OTHER: "other",
}
# A review further ahead than a school year is a typo.
LONGEST_REVIEW = timedelta(days=366)


def _review_date(school: School, now: datetime, review_on: date, usage: str) -> date:
    today = local_today(school, now)
    if review_on <= today:
        raise Refused(N_("The review date must be after today."), usage=usage)
    if review_on > today + LONGEST_REVIEW:
        raise Refused(N_("The review date must be within a year."), usage=usage)
    return review_on


def record_plan(
    session: Session,
    actor: Member,
    now: datetime,
    case_id: int,
    kind: PlanKind,
    review_on: date,
    goal: str,
    responsible: tuple[tuple[str, str], ...] = (),
) -> Outcome:
    """Record the case's plan, or change the one in force (same row, new details, prompted again)."""
    require_role(actor, Role.EHT, Role.COORDINATOR)
    case = find_case(session, actor, case_id)
    unresolved(case)
    goal = check_name(" ".join(goal.split()), "plan")
    if not goal:
        raise Refused(N_("Say what the plan aims at: the goal, after the date."), usage="plan")
    if len(goal) > GOAL_MAX:
        raise Refused(N_("Keep the goal short: at most {count} characters."), usage="plan", count=GOAL_MAX)
    _review_date(actor.school, now, review_on, "plan")
    people = [
        find_or_create_member(session, actor.school, user_id, now, name) for user_id, name in responsible
    ]
    plan = case.plan
    changed = plan is not None
    if plan is None:
        plan = CasePlan(case_id=case.id, created_by=actor, created_at=now)
        case.plans.append(plan)
    plan.kind, plan.goal, plan.review_on, plan.updated_at = kind.value, goal, review_on, now
    plan.responsible = list({member.id: member for member in people}.values())
    if case.owner is None:
        case.owner, case.status = actor, AlertStatus.OWNED
        if case.acknowledged_by is None:
            case.acknowledged_by, case.acknowledged_at = actor, now
    took_step(case, actor, now)
    session.flush()
    record(
        session, actor, actor.school_id, "case.plan.change" if changed else "case.plan", "case", case.id, now
    )
    outcome = updated(
        case,
        N_("Plan changed on case #{id} for {code}.")
        if changed
        else N_("Plan recorded on case #{id} for {code}."),
    )
    outcome.reply.append(
        msg(
            N_("{kind}; review on {day}; responsible: {people}."),
            kind=kind_words(plan.kind),
            day=review_on.isoformat(),
            people=_people(case, plan),
        )
    )
    outcome.notifications += [
        Notification(
            Recipient.person(member.user_id),
            msg(
                N_(
                    "You are responsible in the plan for {code} (case #{id}), review on {day}. "
                    "See it with: plan show {id}"
                ),
                code=case.student.code,
                id=case.id,
                day=review_on.isoformat(),
            ),
            language=language_of(member),
        )
        for member in plan.responsible
        if member.id != actor.id
    ]
    return outcome


def before_planning(session: Session, actor: Member, now: datetime, case_id: int) -> Outcome:
    """The checks `record_plan` makes, for a platform that asks for the plan in a form first, so a
    person who may not plan is told at once. Changes nothing; the reply heads the form."""
    require_role(actor, Role.EHT, Role.COORDINATOR)
    case = find_case(session, actor, case_id)
    unresolved(case)
    return Outcome.say(
        msg(
            N_("Plan for case #{id} for {code}: {rules}"),
            id=case.id,
            code=case.student.code,
            rules=alert_titles(case.live or case.alerts),
        )
    )


def _people(case: AlertCase, plan: CasePlan) -> str:
    owner = [case.owner] if case.owner is not None else []
    people = {member.user_id: member for member in [*owner, *plan.responsible]}
    return ", ".join(f"@{user_id}" for user_id in people)


def show_plan(session: Session, actor: Member, now: datetime, which: str) -> Outcome:
    """A case's plan (by case number or student code): in full for the EHT, coordinators and the
    people responsible; to the student's mentor only that it exists and when it is reviewed."""
    student, case = _case_named(session, actor, which)
    plan = case.plan if case is not None else None
    if case is None or plan is None:
        _may_see_that_a_plan_exists(session, actor, student)
        return Outcome.say(msg(N_("There is no plan in force for {which}."), which=which))
    code = case.student.code
    if not (actor.is_eht or actor.is_coordinator or actor in plan.responsible or case.owner_id == actor.id):
        _may_see_that_a_plan_exists(session, actor, student)
        return Outcome.say(
            msg(
                N_("{code} has an intervention plan with the student health team, reviewed on {day}."),
                code=code,
                day=plan.review_on.isoformat(),
            )
        )
    record(session, actor, actor.school_id, "case.plan.read", "case", case.id, now)
    return Outcome.say(
        msg(
            N_("Plan for {code} (case #{id}): {kind}. Goal: {goal}. Responsible: {people}. Review on {day}."),
            code=code,
            id=case.id,
            kind=kind_words(plan.kind),
            goal=plan.goal,
            people=_people(case, plan),
            day=plan.review_on.isoformat(),
        )
    )


def _case_named(session: Session, actor: Member, which: str) -> tuple[Student, AlertCase | None]:
    """A case by its number (#12 or 12) with its student, or a student (by code) and their open case."""
    number = which.lstrip("#")
    if number.isdigit():
        case = find_case(session, actor, int(number))
        return case.student, case
    student = find_student(session, actor.school_id, which, include_inactive=True)
    case = session.scalar(
        select(AlertCase).where(AlertCase.student_id == student.id, AlertCase.status != AlertStatus.RESOLVED)
    )
    return student, case


def _may_see_that_a_plan_exists(session: Session, actor: Member, student: Student) -> None:
    """The EHT, coordinators and the student's mentor may know whether a plan exists."""
    if actor.is_eht or actor.is_coordinator:
        return
    mentorship = active_mentorship(session, student)
    if mentorship is None or mentorship.mentor_id != actor.id:
        raise Refused(
            N_("Only the student health team, coordinators and the student's mentor can see plans.")
        )


def _plan_in_force(session: Session, actor: Member, case_id: int, usage: str) -> tuple[AlertCase, CasePlan]:
    require_role(actor, Role.EHT, Role.COORDINATOR)
    case = find_case(session, actor, case_id)
    unresolved(case)
    plan = case.plan
    if plan is None:
        raise Refused(
            N_("Case #{id} has no plan in force. Record one with: plan {id} KIND YYYY-MM-DD goal"),
            id=case.id,
            usage=usage,
        )
    return case, plan


def continue_plan(session: Session, actor: Member, now: datetime, case_id: int, review_on: date) -> Outcome:
    """The goal is not met yet and the plan goes on: a new review date."""
    case, plan = _plan_in_force(session, actor, case_id, "plan continue")
    plan.review_on = _review_date(actor.school, now, review_on, "plan continue")
    plan.updated_at = now
    took_step(case, actor, now)
    record(session, actor, actor.school_id, "case.plan.continue", "case", case.id, now)
    outcome = updated(case, N_("The plan for {code} (case #{id}) continues."))
    outcome.reply.append(msg(N_("Next review on {day}."), day=review_on.isoformat()))
    return outcome


def close_plan(session: Session, actor: Member, now: datetime, case_id: int, result: PlanResult) -> Outcome:
    """Close the plan saying whether its goal was met; a goal met resolves the case as well."""
    case, plan = _plan_in_force(session, actor, case_id, "plan close")
    plan.closed_at, plan.result, plan.updated_at = now, result.value, now
    record(session, actor, actor.school_id, "case.plan.close", "case", case.id, now)
    if result is PlanResult.MET:
        session.flush()
        return resolve(session, actor, now, case.id, OUTCOME_OF_KIND[PlanKind(plan.kind)])
    took_step(case, actor, now)
    outcome = updated(case, N_("The plan for {code} (case #{id}) is closed; the case stays open."))
    outcome.reply.append(
        TypedHint(msg(N_("Record the next plan with: plan {id} KIND YYYY-MM-DD goal"), id=case.id))
    )
    return outcome


def reviews_due(session: Session, now: datetime) -> list[tuple[School, Notification]]:
    """Ask each owner whose plan's review date has come whether the goal was met, once per date.

    Only on the school's school days: a review dated on a Saturday, a holiday or in a break is
    asked the next school day, when the team is at school to act on the answer. The goal itself is
    not in the message (it would wait in the outbox as plain text): `plan show` reads it.
    """
    asked: list[tuple[School, Notification]] = []
    plans = session.scalars(
        select(CasePlan)
        .join(AlertCase, AlertCase.id == CasePlan.case_id)
        .where(
            CasePlan.closed_at.is_(None),
            AlertCase.status != AlertStatus.RESOLVED,
            # Wide by a day: the school's own date is checked below, in its time zone.
            CasePlan.review_on <= now.date() + timedelta(days=1),
        )
        .order_by(CasePlan.review_on, CasePlan.id)
    ).all()
    calendars: dict[int, SchoolCalendar] = {}
    for plan in plans:
        case = session.get_one(AlertCase, plan.case_id)
        school = case.student.school
        today = local_today(school, now)
        calendar = calendars.setdefault(school.id, SchoolCalendar.for_school(school))
        if (
            plan.review_on > today
            or plan.review_prompted_on == plan.review_on
            or not calendar.is_school_day(today)
        ):
            continue
        plan.review_prompted_on = plan.review_on
        owner = case.owner or plan.created_by
        if owner is None:
            continue  # nobody to ask; the coordinators' digest lists the review as overdue
        record(session, None, school.id, "case.plan.review", "case", case.id, now)
        question = msg(
            N_(
                "Review today of the plan for {code} (case #{id}, {kind}, since {since}): is the goal met? "
                "Read it with: plan show {id}. Then answer: plan continue {id} YYYY-MM-DD | "
                "plan {id} KIND YYYY-MM-DD goal (to change it) | plan close {id} met|partly|not-met"
            ),
            code=case.student.code,
            id=case.id,
            kind=kind_words(plan.kind),
            since=local_today(school, plan.created_at).isoformat(),
        )
        asked.append((school, Notification(Recipient.person(owner.user_id), question, language_of(owner))))
    return asked
