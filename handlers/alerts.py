"""Student health team use cases on a student's case, and reading a student's check-in history.

A case (one per student, holding every rule the student crosses) goes open → acknowledged (by
whom) → owned (by whom) → resolved (with an outcome and an optional follow-up date). Only EHT
members act on cases; coordinators may look. Every step is audited and updates the case's one card
in the EHT channel in place. The commands keep their words (`alert ack ID`, `larm kvittera ID`):
the number is the case's, as its card shows it ("Case #12").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from handlers.access import active_mentorship, require_role
from handlers.early_warning import (
    OUTCOME_WORDS,
    WITHDRAWN,
    about_absence,
    alert_titles,
    channel_notice,
    crossed_rules,
    local_today,
)
from handlers.lookups import find_student
from handlers.results import (
    AlertList,
    AlertRow,
    CheckInHistory,
    FlaggedCase,
    HistoryRow,
    Outcome,
    TypedHint,
)
from models import AlertCase, AlertStatus, CheckIn, Member, Role, School, Student
from models.audit import record
from models.checkin import ENGAGEMENT_DIMENSIONS
from models.messages import N_, Refused, listing, msg
from models.risk import RISK_ORDER, RiskLevel
from models.trends import engagement_trend

# What the EHT may type for an outcome, in English or Swedish.
OUTCOME_NAMES = {
    "talked": "talked",
    "samtal": "talked",
    "guardians": "guardians",
    "vårdnadshavare": "guardians",
    "vardnadshavare": "guardians",
    "eht_meeting": "eht_meeting",
    "eht-meeting": "eht_meeting",
    "meeting": "eht_meeting",
    "eht-möte": "eht_meeting",
    "möte": "eht_meeting",
    "referral": "referral",
    "remiss": "referral",
    "not_relevant": "not_relevant",
    "not-relevant": "not_relevant",
    "inte_relevant": "not_relevant",
    "inte-relevant": "not_relevant",
    "other": "other",
    "annat": "other",
}
# The outcomes as a person types them, listed when one is missing (Swedish in rules.po).
OUTCOME_CHOICES = listing(
    msg(word)
    for word in (
        N_("talked"),
        N_("guardians"),
        N_("eht_meeting"),
        N_("referral"),
        N_("not_relevant"),
        N_("other"),
    )
)
HISTORY_ROWS = 12
# There is no "follow-up done" step: a follow-up is listed as due for two weeks from its date.
FOLLOW_UP_LISTED = timedelta(days=14)


def case_row(case: AlertCase, code: str, school: School, today: date | None = None) -> AlertRow:
    """A case in a list: the rules it crosses now (all of them once none is), and its age on `today`."""
    shown = case.live or [a for a in case.alerts if a.withdrawn_at is None] or case.alerts
    age = None if today is None else (today - local_today(school, case.opened_at)).days
    return AlertRow(
        code,
        [a.rule for a in shown],
        case.status.value,
        case.opened_at,
        case_id=case.id,
        risk=RiskLevel(case.risk).value,
        owner=case.owner.user_id if case.owner else None,
        follow_up_on=case.follow_up_on,
        age_days=age,
        **next_date(case),
    )


def next_date(case: AlertCase) -> dict[str, Any]:
    """The case's next date, `next_on`, and whether it is the plan's review (else a follow-up)."""
    plan = case.plan
    follow_up = case.follow_up_on if case.status is not AlertStatus.RESOLVED else None
    if plan is not None and (follow_up is None or plan.review_on <= follow_up):
        return {"next_on": plan.review_on, "next_is_review": True}
    return {"next_on": follow_up, "next_is_review": False}


def _most_worrying_first(case: AlertCase) -> tuple[int, datetime, int]:
    return (-RISK_ORDER.index(RiskLevel(case.risk)), case.opened_at, case.id)


def school_cases(
    session: Session, school: School, *conditions: ColumnElement[bool], order_by: tuple[Any, ...] = ()
) -> list[tuple[AlertCase, str]]:
    """The school's cases that meet `conditions`, with the student's code, rules, owner and plans loaded."""
    rows = session.execute(
        select(AlertCase, Student.code)
        .join(Student, Student.id == AlertCase.student_id)
        .where(Student.school_id == school.id, *conditions)
        .order_by(*order_by)
        .options(selectinload(AlertCase.alerts), selectinload(AlertCase.owner), selectinload(AlertCase.plans))
    ).all()
    return [(case, code) for case, code in rows]


def open_case_rows(session: Session, school: School, today: date | None = None) -> list[AlertRow]:
    """The school's open cases, one per student: the most urgent first, then the oldest.

    With `today`, each row says how many days its case has been open.
    """
    rows = school_cases(session, school, AlertCase.status != AlertStatus.RESOLVED)
    ordered = sorted(rows, key=lambda row: _most_worrying_first(row[0]))
    return [case_row(case, code, school, today) for case, code in ordered]


def follow_up_rows(session: Session, school: School, today: date) -> list[AlertRow]:
    """Resolved cases whose follow-up date has come in the last two weeks, earliest first."""
    rows = school_cases(
        session,
        school,
        AlertCase.status == AlertStatus.RESOLVED,
        AlertCase.follow_up_on <= today,
        AlertCase.follow_up_on > today - FOLLOW_UP_LISTED,
        order_by=(AlertCase.follow_up_on, AlertCase.id),
    )
    return [replace(case_row(case, code, school), follow_up_on=case.follow_up_on) for case, code in rows]


def open_alerts(session: Session, actor: Member, now: datetime) -> Outcome:
    """The school's open cases, and the follow-ups that are due."""
    require_role(actor, Role.EHT, Role.COORDINATOR)
    school = actor.school
    return Outcome(
        reply=[
            AlertList(
                school.timezone,
                open_case_rows(session, school),
                follow_ups=follow_up_rows(session, school, local_today(school, now)),
            )
        ]
    )


def find_case(session: Session, actor: Member, case_id: int) -> AlertCase:
    """A case of the actor's own school; another school's case is as unknown as a missing one."""
    case = session.scalar(
        select(AlertCase)
        .join(Student, Student.id == AlertCase.student_id)
        .where(AlertCase.id == case_id, Student.school_id == actor.school_id)
    )
    if case is None:
        raise Refused(N_("There is no case #{id}. Type alerts to see the open ones."), id=case_id)
    return case


def unresolved(case: AlertCase) -> None:
    if case.status is AlertStatus.RESOLVED:
        raise Refused(N_("Case #{id} is already resolved."), id=case.id)


def updated(case: AlertCase, reply: str) -> Outcome:
    outcome = Outcome.say(msg(reply, id=case.id, code=case.student.code))
    notice = channel_notice(case)
    if notice is not None:
        outcome.notifications.append(notice)
    return outcome


def took_step(case: AlertCase, actor: Member, now: datetime, follow_up_on: date | None = None) -> None:
    """A person's step on an open case: a follow-up it sets replaces the one before; a step on or
    after the follow-up date means the follow-up was done."""
    today = local_today(actor.school, now)
    if follow_up_on is not None:
        if follow_up_on < today:
            raise Refused(N_("The follow-up date cannot be in the past."))
        case.follow_up_on, case.follow_up_reminded_at = follow_up_on, None
    elif case.status is not AlertStatus.RESOLVED and case.follow_up_on and case.follow_up_on <= today:
        case.follow_up_on = case.follow_up_reminded_at = None


def acknowledge(
    session: Session, actor: Member, now: datetime, case_id: int, follow_up_on: date | None = None
) -> Outcome:
    require_role(actor, Role.EHT)
    case = find_case(session, actor, case_id)
    unresolved(case)
    if case.status is not AlertStatus.OPEN:
        who = case.acknowledged_by.user_id if case.acknowledged_by else "?"
        return Outcome.say(msg(N_("Case #{id} was already acknowledged by @{user}."), id=case.id, user=who))
    took_step(case, actor, now, follow_up_on)
    case.status = AlertStatus.ACKNOWLEDGED
    case.acknowledged_by, case.acknowledged_at = actor, now
    case.updated_at = case.acknowledged_at
    record(session, actor, actor.school_id, "case.acknowledge", "case", case.id, now)
    outcome = updated(case, N_("Case #{id} for {code} acknowledged."))
    outcome.reply.append(TypedHint(msg(N_("Take it on with: alert own {id}"), id=case.id)))
    return outcome


def take_ownership(
    session: Session, actor: Member, now: datetime, case_id: int, follow_up_on: date | None = None
) -> Outcome:
    require_role(actor, Role.EHT)
    case = find_case(session, actor, case_id)
    unresolved(case)
    if case.owner_id == actor.id:
        if follow_up_on is None:
            return Outcome.say(msg(N_("You already own case #{id}."), id=case.id))
        took_step(case, actor, now, follow_up_on)
        case.updated_at = now
        record(session, actor, actor.school_id, "case.follow_up.set", "case", case.id, now)
        return updated(case, N_("Follow-up date set on case #{id} for {code}."))
    took_step(case, actor, now, follow_up_on)
    if case.acknowledged_by is None:
        case.acknowledged_by, case.acknowledged_at = actor, now
    case.status, case.owner, case.updated_at = AlertStatus.OWNED, actor, now
    record(session, actor, actor.school_id, "case.own", "case", case.id, now)
    outcome = updated(case, N_("You own case #{id} for {code}."))
    hint = msg(N_("When it is done: alert resolve {id} OUTCOME [YYYY-MM-DD]"), id=case.id)
    outcome.reply.append(TypedHint(hint))
    return outcome


def before_resolving(session: Session, actor: Member, now: datetime, case_id: int) -> Outcome:
    """The checks `resolve` makes, for a platform that asks for the outcome in a form first.

    So a person who may not resolve (or a case already resolved) is told at once, not after
    filling in the form. Changes nothing; the reply names the case for the form's heading.
    """
    require_role(actor, Role.EHT)
    case = find_case(session, actor, case_id)
    unresolved(case)
    return Outcome.say(
        msg(
            N_("Resolve case #{id} for {code}: {rules}"),
            id=case.id,
            code=case.student.code,
            rules=alert_titles(case.live or case.alerts),
        )
    )


def resolve(
    session: Session,
    actor: Member,
    now: datetime,
    case_id: int,
    outcome: str,
    follow_up_on: date | None = None,
) -> Outcome:
    require_role(actor, Role.EHT)
    if outcome not in OUTCOME_WORDS:
        raise Refused(N_("Say what was done: {outcomes}."), usage="alert resolve", outcomes=OUTCOME_CHOICES)
    case = find_case(session, actor, case_id)
    unresolved(case)
    school = actor.school
    if follow_up_on is not None and follow_up_on < local_today(school, now):
        raise Refused(N_("The follow-up date cannot be in the past."), usage="alert resolve")
    if case.acknowledged_by is None:
        case.acknowledged_by, case.acknowledged_at = actor, now
    if case.owner is None:
        case.owner = actor
    case.status, case.resolved_by, case.resolved_at = AlertStatus.RESOLVED, actor, now
    case.outcome, case.follow_up_on, case.updated_at = outcome, follow_up_on, now
    record(session, actor, actor.school_id, "case.resolve", "case", case.id, now)
    return updated(case, N_("Case #{id} for {code} resolved. Thank you."))


def record_investigation(
    session: Session, actor: Member, now: datetime, case_id: int, started: bool
) -> Outcome:
    """Record the answer to: has an investigation under Skollagen 7 kap. 19 a § been started?"""
    require_role(actor, Role.EHT)
    case = find_case(session, actor, case_id)
    if not about_absence(case):
        raise Refused(
            N_("Case #{id} is not about absence; the investigation question does not apply."), id=case.id
        )
    took_step(case, actor, now)
    case.investigation_started, case.investigation_recorded_at = started, now
    case.updated_at = case.investigation_recorded_at
    record(session, actor, actor.school_id, "case.investigation", "case", case.id, now)
    return updated(
        case,
        N_("Noted on case #{id}: an investigation (7 kap. 19 a §) has been started.")
        if started
        else N_("Noted on case #{id}: no investigation (7 kap. 19 a §) has been started yet."),
    )


def check_in_history(session: Session, actor: Member, now: datetime, code: str) -> Outcome:
    """A student's recent check-ins, for their mentor, coordinators, and the EHT while a case is open.

    The note is never shown here; reading is audited because it is personal data about a child.
    """
    student = find_student(session, actor.school_id, code, include_inactive=True)
    mentorship = active_mentorship(session, student)
    allowed = actor.is_coordinator or (mentorship is not None and mentorship.mentor_id == actor.id)
    if not allowed and actor.is_eht:
        allowed = (
            session.scalar(
                select(AlertCase.id)
                .where(AlertCase.student_id == student.id, AlertCase.status != AlertStatus.RESOLVED)
                .limit(1)
            )
            is not None
        )
        if not allowed:
            raise Refused(
                N_("The student health team can open {code}'s history while {code} has an open case."),
                code=student.code,
            )
    if not allowed:
        raise Refused(
            N_("Only the student's mentor, coordinators and the EHT can read {code}'s history."),
            code=student.code,
        )
    check_ins = session.scalars(
        select(CheckIn)
        .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None))
        .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
        .limit(HISTORY_ROWS)
    ).all()
    record(session, actor, actor.school_id, "student.history", "student", student.id, now)
    rows = [
        HistoryRow(
            recorded_at=c.recorded_at,
            met=c.met,
            absent_days=c.absent_days,
            unexcused_days=c.unexcused_days,
            absent_lessons=c.absent_lessons,
            unexcused_lessons=c.unexcused_lessons,
            late_arrivals=c.late_arrivals,
            ratings=tuple(c.rating(d) for d in ENGAGEMENT_DIMENSIONS),
            concern=c.concern,
            guardians_told=c.guardians_told,
        )
        for c in check_ins
    ]
    trend = engagement_trend(list(reversed(check_ins)))
    history = CheckInHistory(
        student.code,
        actor.school.timezone,
        trend.sparkline,
        rows,
        trend.direction,
        cases=_flagged_cases(session, student, check_ins[-1].recorded_at if check_ins else None),
    )
    return Outcome(reply=[history])


def _flagged_cases(session: Session, student: Student, since: datetime | None) -> list[FlaggedCase]:
    """The student's open case and the cases opened since the oldest check-in shown, newest first,
    each rule with why it was crossed; a case closed because its check-in was withdrawn is left out."""
    unresolved = AlertCase.status != AlertStatus.RESOLVED
    cases = session.scalars(
        select(AlertCase)
        .where(
            AlertCase.student_id == student.id,
            unresolved if since is None else unresolved | (AlertCase.opened_at >= since),
            AlertCase.outcome.is_distinct_from(WITHDRAWN),
        )
        .order_by(AlertCase.opened_at.desc(), AlertCase.id.desc())
        .options(selectinload(AlertCase.alerts))
    ).all()
    return [
        FlaggedCase(case.id, case.status is AlertStatus.RESOLVED, crossed_rules(case)) for case in cases
    ]
