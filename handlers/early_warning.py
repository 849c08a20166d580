"""Early warning at work: run the rules on a student, keep one case per student, re-raise once.

The rules themselves are pure (`models/rules.py`, `models/risk.py`); this module loads what they
need, turns what fires into the student's one open case (`models.AlertCase`) and says whom to
tell. Every rule the student crosses is listed on the case's one card in the EHT channel; a new
crossing updates the card in place and says what is new; a rule that no longer holds is shown as
cleared. It is called when a check-in is logged (`on_check_in`) and by the clock (`evaluate_all`
daily for the time-based rules and for rules that clear as time passes, `reraise_due` for cases
nobody acknowledged). The clock functions take `now` and return (Destination, Notification) pairs
for the school's platform to deliver; a platform that posts a card should store the message's
reference with `remember_message`, so later changes update that message in place.

Re-raise policy: a case nobody acknowledged is posted once more after the school's `reraise_days`
school days; after as many again its coordinators are told in a direct message, and the channel is
not asked again. A case acknowledged, owned, or whose investigation question was answered is never
re-raised. A case below the school's `channel_risk` is not posted at once: the weekly summary lists
it, and its card is posted when its risk rises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from handlers.access import active_mentorship
from handlers.actors import language_of
from handlers.attendance import registered_days
from handlers.courses import all_course_marks, course_marks
from handlers.delivery import destination_of
from handlers.results import (
    AlertNotice,
    CrossedRule,
    Destination,
    Notification,
    Recipient,
    RuleState,
)
from models import Alert, AlertCase, AlertStatus, CheckIn, Member, Mentorship, School, Student
from models.audit import record
from models.backtest import BacktestRow, StudentRecord, Verdict, backtest, crossings, with_verdicts
from models.calendar import SchoolCalendar
from models.fatigue import Fatigue, Pace, fatigue
from models.flagged import why_flagged
from models.messages import N_, Message, listing, msg
from models.risk import RISK_WORDS, RiskLevel, posted_at_once, risk_of
from models.rules import (
    FACT_COLUMNS,
    RULES,
    RULES_BY_ID,
    RuleResult,
    Situation,
    clears,
    evaluate,
    evidence_message,
    facts_of,
    thresholds_for,
)
from models.trends import Direction, engagement_trend

# Every window a rule looks at (4 school weeks, a month, averages) fits in this, breaks included.
HISTORY = timedelta(days=180)

OUTCOME_WORDS = {
    "talked": N_("talked with the student"),
    "guardians": N_("contacted the guardians"),
    "eht_meeting": N_("EHT meeting"),
    "referral": N_("referral"),
    # The EHT judged the case a false positive: counted per rule as the school's precision
    # (`rules backtest`).
    "not_relevant": N_("not relevant"),
    "other": N_("other"),
}
# The outcome no person chooses: the check-in behind the case was withdrawn by its author.
WITHDRAWN = "withdrawn"
# The rules in the order a card lists them.
RULE_ORDER = {rule.id: place for place, rule in enumerate(RULES)}


def local_today(school: School, now: datetime) -> date:
    return now.astimezone(ZoneInfo(school.timezone)).date()


def situation_of(session: Session, student: Student, now: datetime) -> Situation:
    school = student.school
    check_ins = session.execute(
        select(*FACT_COLUMNS)
        .where(CheckIn.student_id == student.id, CheckIn.recorded_at > now - HISTORY)
        .where(CheckIn.recorded_at <= now, CheckIn.withdrawn_at.is_(None))
        .order_by(CheckIn.recorded_at, CheckIn.id)
    ).all()
    mentorship = active_mentorship(session, student)
    today = local_today(school, now)
    return Situation(
        today=today,
        history=[facts_of(c, school.timezone) for c in check_ins],
        mentored_since=local_today(school, mentorship.started_at) if mentorship else None,
        registered=registered_days(session, student.id, today - HISTORY, today),
        courses=course_marks(session, student.id, today),
        school_year=student.grade,
    )


def open_case(session: Session, student: Student) -> AlertCase | None:
    """The student's one unresolved case, if there is one."""
    return session.scalar(
        select(AlertCase).where(AlertCase.student_id == student.id, AlertCase.status != AlertStatus.RESOLVED)
    )


def _state(alert: Alert, news: Mapping[str, RuleState]) -> RuleState:
    if alert.withdrawn_at is not None:
        return RuleState.WITHDRAWN
    if alert.cleared_at is not None:
        return RuleState.CLEARED
    return news.get(alert.rule, RuleState.STEADY)


def _card_order(alert: Alert) -> tuple[bool, bool, int]:
    """Rules crossed now first, then those that cleared, then those withdrawn; each in RULES order."""
    return (alert.withdrawn_at is not None, alert.cleared_at is not None, RULE_ORDER.get(alert.rule, 99))


def alert_notice(
    case: AlertCase, news: Mapping[str, RuleState] | None = None, reraised: bool = False
) -> AlertNotice:
    """What the EHT channel shows of a case: risk, each rule with numbers and trend, status; never text."""
    student = case.student
    rules = crossed_rules(case, news)
    return AlertNotice(
        case_id=case.id,
        student_code=student.code,
        grade=student.grade,
        class_name=student.class_name,
        risk=RiskLevel(case.risk).value,
        status=case.status.value,
        timezone=student.school.timezone,
        rules=rules,
        acknowledged_by=case.acknowledged_by.user_id if case.acknowledged_by else None,
        owner=case.owner.user_id if case.owner else None,
        outcome=_outcome_words(case.outcome),
        follow_up_on=case.follow_up_on,
        asks_investigation=about_absence(case),
        investigation_started=case.investigation_started,
        reraised=reraised,
        plan_kind=case.plan.kind if case.plan is not None else None,
        plan_review_on=case.plan.review_on if case.plan is not None else None,
    )


def crossed_rules(case: AlertCase, news: Mapping[str, RuleState] | None = None) -> list[CrossedRule]:
    """Each rule of a case with the student's numbers, why it was crossed and its trend, card order."""
    thresholds = thresholds_for(case.student.school.thresholds)
    return [
        CrossedRule(
            rule=alert.rule,
            title=msg(RULES_BY_ID[alert.rule].title),
            explanation=why_flagged(alert.rule, alert.evidence, thresholds),
            evidence=evidence_message(alert.rule, alert.evidence),
            sparkline=str(alert.evidence.get("trend", "")),
            state=_state(alert, news or {}).value,
        )
        for alert in sorted(case.alerts, key=_card_order)
        if alert.rule in RULES_BY_ID
    ]


def about_absence(case: AlertCase) -> bool:
    """Whether the case is about repeated or long absence (a rule of it that was not withdrawn)."""
    return any(
        RULES_BY_ID[a.rule].about_absence
        for a in case.alerts
        if a.withdrawn_at is None and a.rule in RULES_BY_ID
    )


def _outcome_words(outcome: str | None) -> Message | None:
    if outcome == WITHDRAWN:
        return msg(N_("the check-in behind it was withdrawn"))
    return msg(OUTCOME_WORDS[outcome]) if outcome in OUTCOME_WORDS else None


def channel_notice(
    case: AlertCase, news: Mapping[str, RuleState] | None = None, reraised: bool = False
) -> Notification | None:
    """The case's card for the school's EHT channel, replacing its earlier message.

    None without a channel, and for a case not yet posted (below the channel's risk level).
    """
    school = case.student.school
    if not school.eht_channel or (case.raised_at is None and not reraised):
        return None
    return Notification(
        Recipient.channel(school.eht_channel),
        alert_notice(case, news, reraised),
        language=school.language,
        replaces=None if reraised else case.message_ref,
    )


def remember_message(session: Session, case_id: int, message_ref: str | None) -> None:
    """Store where a platform posted a case's card, so the next change updates that message in place."""
    case = session.get(AlertCase, case_id)
    if case is not None and message_ref:
        case.message_ref = message_ref


@dataclass
class Evaluation:
    """What evaluating one student did to their case."""

    case: AlertCase | None = None
    opened: bool = False
    # Posted (or, without a channel, told to the coordinators) for the first time now.
    raised: bool = False
    # Rules crossed for the first time in the case, or again after they cleared.
    new: list[Alert] = field(default_factory=list)
    # Rules whose check-in was withdrawn; `closed`: the case went with them.
    withdrawn: list[Alert] = field(default_factory=list)
    closed: bool = False
    notifications: list[Notification] = field(default_factory=list)


def apply_results(
    session: Session,
    student: Student,
    results: list[RuleResult],
    now: datetime,
    situation: Situation,
    *,
    case: AlertCase | None = None,
    withdrawn_since: datetime | None = None,
) -> Evaluation:
    """The rules that fire now, into the student's one open case (opened when there is none).

    A rule already in the case is updated in place; one that does not fire now and no longer holds
    is marked cleared. With `withdrawn_since` (a check-in recorded then was withdrawn), a rule first
    crossed since then that does not fire now is withdrawn, and a case opened since then with no
    rule left is closed as withdrawn. `case`: the open case when the caller has loaded it.
    """
    school = student.school
    thresholds = thresholds_for(school.thresholds)
    calendar = SchoolCalendar.for_school(school)
    evaluation = Evaluation()
    case = case or open_case(session, student)
    if case is None:
        if not results:
            return evaluation
        case = AlertCase(
            student=student, status=AlertStatus.OPEN, risk=RiskLevel.WATCH, opened_at=now, updated_at=now
        )
        session.add(case)
        evaluation.opened = True
    evaluation.case = case
    news: dict[str, RuleState] = {}
    fired = {result.rule for result in results}
    crossings = {alert.rule: alert for alert in case.alerts}
    for result in results:
        evidence = {**result.evidence, "trend": result.trend}
        alert = crossings.get(result.rule)
        if alert is None:
            alert = Alert(
                case=case, student=student, rule=result.rule, evidence=evidence, opened_at=now, updated_at=now
            )
            session.add(alert)
            evaluation.new.append(alert)
            news[result.rule] = RuleState.NEW
        elif not alert.live:
            alert.cleared_at = alert.withdrawn_at = None
            alert.evidence, alert.updated_at = evidence, now
            evaluation.new.append(alert)
            news[result.rule] = RuleState.NEW
        elif alert.evidence != evidence:
            alert.evidence, alert.updated_at = evidence, now
            news[result.rule] = RuleState.UPDATED
    for alert in case.alerts:
        if alert.rule in fired or not alert.live or alert.rule not in RULES_BY_ID:
            continue
        if (
            withdrawn_since is not None
            and alert.opened_at >= withdrawn_since
            and not RULES_BY_ID[alert.rule].daily
        ):
            alert.withdrawn_at = alert.updated_at = now
            evaluation.withdrawn.append(alert)
            news[alert.rule] = RuleState.WITHDRAWN
        elif clears(alert.rule, alert.evidence, situation, thresholds, calendar):
            alert.cleared_at = alert.updated_at = now
            news[alert.rule] = RuleState.CLEARED
    risk = risk_of(((a.rule, a.evidence) for a in case.live), thresholds)
    if not news and risk == case.risk and not evaluation.opened:
        return evaluation
    case.risk, case.updated_at = risk, now
    if withdrawn_since is not None and not case.live and case.opened_at >= withdrawn_since:
        case.status, case.resolved_at, case.outcome = AlertStatus.RESOLVED, now, WITHDRAWN
        evaluation.closed = True
    session.flush()
    action = "case.open" if evaluation.opened else "case.withdraw" if evaluation.withdrawn else "case.update"
    record(session, None, school.id, action, "case", case.id, now)
    if case.raised_at is None:
        if evaluation.closed or not posted_at_once(risk, thresholds):
            return evaluation  # not posted yet: the weekly summary lists it
        case.raised_at = now
        evaluation.raised = True
        news = {}  # the first card: every rule on it is new
    notice = channel_notice(case, news)
    if notice is not None:
        evaluation.notifications.append(notice)
    return evaluation


def _coordinators(session: Session, school: School) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(Member.school_id == school.id, Member.is_coordinator.is_(True))
            .order_by(Member.user_id)
        )
    )


def _no_channel_notifications(session: Session, school: School, codes: list[str]) -> list[Notification]:
    """Cases were raised but nobody can see them in a channel: tell the coordinators."""
    return [
        Notification(
            Recipient.person(coordinator.user_id),
            msg(
                N_(
                    "Early-warning alerts were raised for {codes}, but no EHT channel is set. "
                    "Set one with: eht #channel"
                ),
                codes=", ".join(codes),
            ),
            language=language_of(coordinator),
        )
        for coordinator in _coordinators(session, school)
    ]


def on_check_in(
    session: Session, actor: Member, student: Student, now: datetime
) -> tuple[list[Message], list[Notification]]:
    """Run the check-in rules after a check-in was saved: what to tell the mentor, and whom to notify."""
    school = student.school
    situation = situation_of(session, student, now)
    thresholds = thresholds_for(school.thresholds)
    calendar = SchoolCalendar.for_school(school)
    evaluation = apply_results(session, student, evaluate(situation, thresholds, calendar), now, situation)
    replies: list[Message] = []
    notifications = list(evaluation.notifications)
    if evaluation.new:
        replies.append(
            msg(
                N_("This check-in raised an alert for the student health team: {rules}."),
                rules=alert_titles(evaluation.new),
            )
        )
    if evaluation.new and evaluation.case is not None and evaluation.case.raised_at is None:
        replies.append(
            msg(
                N_(
                    "The case is one to watch: the student health team sees it in the weekly summary, "
                    "and at once if it becomes more serious."
                )
            )
        )
    if evaluation.raised and not school.eht_channel:
        replies.append(
            msg(N_("No EHT channel is set, so nobody was told yet. Ask a coordinator to set one."))
        )
        notifications += _no_channel_notifications(session, school, [student.code])
    improvement = _improvement(session, student, now)
    if improvement is not None:
        replies.append(
            msg(
                N_("{code} is turning upward {sparkline}: notice it and celebrate it with the student."),
                code=student.code,
                sparkline=improvement,
            )
        )
        if school.eht_channel:
            notifications.append(
                Notification(
                    Recipient.channel(school.eht_channel),
                    msg(
                        N_(
                            "Improving: {code}, who has an open case, is turning upward {sparkline}. "
                            "The mentor has been told."
                        ),
                        code=student.code,
                        sparkline=improvement,
                    ),
                    language=school.language,
                )
            )
    return replies, notifications


def alert_titles(alerts: list[Alert]) -> Message:
    """The titles of the rules, each translated, as one message: "Low attendance, Concern raised"."""
    return listing(msg(RULES_BY_ID[a.rule].title) for a in sorted(alerts, key=_card_order))


def _improvement(session: Session, student: Student, now: datetime) -> str | None:
    """The new sparkline when a student with an open case has just turned clearly upward.

    "Just turned": the trend is up with the newest check-in and was not up without it, so the
    adults are told once, when it happens, and not at every later check-in.
    """
    if open_case(session, student) is None:
        return None
    recent = list(
        reversed(
            session.scalars(
                select(CheckIn)
                .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None))
                .order_by(CheckIn.recorded_at.desc(), CheckIn.id.desc())
                .limit(7)
            ).all()
        )
    )
    now_trend = engagement_trend(recent[-6:])
    before = engagement_trend(recent[:-1][-6:])
    if now_trend.direction is Direction.UP and before.direction is not Direction.UP:
        return now_trend.sparkline
    return None


def evaluate_all(session: Session, now: datetime) -> list[tuple[Destination, Notification]]:
    """The daily run for every student with a mentor: the time-based rules (no contact, and a risk
    of F from what the school's system registered overnight), and the rules of open cases that clear
    as time passes (a month's absences growing old)."""
    sent: list[tuple[Destination, Notification]] = []
    for school in session.scalars(select(School).order_by(School.id)):
        thresholds = thresholds_for(school.thresholds)
        calendar = SchoolCalendar.for_school(school)
        if not calendar.is_school_day(local_today(school, now)):
            continue  # nobody should be alerted on a weekend or in a break
        students = session.scalars(
            select(Student)
            .join(Mentorship, (Mentorship.student_id == Student.id) & Mentorship.ended_at.is_(None))
            .where(Student.school_id == school.id, Student.active.is_(True))
            .order_by(Student.code)
        ).all()
        # One query for the school's open cases, not one per student.
        cases = {
            case.student_id: case
            for case in session.scalars(
                select(AlertCase)
                .join(Student, Student.id == AlertCase.student_id)
                .where(Student.school_id == school.id, AlertCase.status != AlertStatus.RESOLVED)
                .options(selectinload(AlertCase.alerts))
            )
        }
        raised_codes = []
        destination = None
        for student in students:
            situation = situation_of(session, student, now)
            results = evaluate(situation, thresholds, calendar, daily=True)
            case = cases.get(student.id)
            if not results and case is None:
                continue
            evaluation = apply_results(session, student, results, now, situation, case=case)
            if evaluation.notifications or evaluation.raised:
                destination = destination or destination_of(session, school)
            sent += [(destination, n) for n in evaluation.notifications if destination]
            if evaluation.raised:
                raised_codes.append(student.code)
        if raised_codes and not school.eht_channel:
            sent += [
                (destination_of(session, school), n)
                for n in _no_channel_notifications(session, school, raised_codes)
            ]
    return sent


def reraise_due(session: Session, now: datetime) -> list[tuple[Destination, Notification]]:
    """Cases nobody acknowledged: posted once more after `reraise_days` school days; after as many
    again, their coordinators are told instead, once. Acknowledged, owned and investigated cases
    (the 7 kap. 19 a § question answered) are never raised again."""
    sent: list[tuple[Destination, Notification]] = []
    cases = session.scalars(
        select(AlertCase)
        .where(
            AlertCase.status == AlertStatus.OPEN,
            AlertCase.raised_at.is_not(None),
            AlertCase.investigation_recorded_at.is_(None),
            AlertCase.escalated_at.is_(None),
        )
        .order_by(AlertCase.raised_at, AlertCase.id)
    ).all()
    calendars: dict[int, SchoolCalendar] = {}
    for case in cases:
        school = case.student.school
        calendar = calendars.setdefault(school.id, SchoolCalendar.for_school(school))
        since = case.reraised_at or case.raised_at
        assert since is not None
        waited = calendar.school_days_between(local_today(school, since), local_today(school, now))
        if waited < thresholds_for(school.thresholds)["reraise_days"]:
            continue
        destination = destination_of(session, school)
        if case.reraised_at is None:
            case.reraised_at = now
            record(session, None, school.id, "case.reraise", "case", case.id, now)
            notice = channel_notice(case, reraised=True)
            if notice is not None:
                sent.append((destination, notice))
            else:
                sent += [
                    (destination, n) for n in _no_channel_notifications(session, school, [case.student.code])
                ]
            continue
        case.escalated_at = now
        record(session, None, school.id, "case.escalate", "case", case.id, now)
        sent += [(destination, n) for n in _escalation(session, case)]
    return sent


def _escalation(session: Session, case: AlertCase) -> list[Notification]:
    """Tell the school's coordinators that nobody in the team has taken a case raised twice."""
    return [
        Notification(
            Recipient.person(coordinator.user_id),
            msg(
                N_(
                    "Nobody in the student health team has acknowledged case #{id} for {code} "
                    "({risk}: {rules}), though it was posted twice in the EHT channel. It will not be "
                    "posted again: please make sure someone in the team takes it on."
                ),
                id=case.id,
                code=case.student.code,
                risk=msg(RISK_WORDS[RiskLevel(case.risk).value]),
                rules=alert_titles(case.live or case.alerts),
            ),
            language=language_of(coordinator),
        )
        for coordinator in _coordinators(session, case.student.school)
    ]


def follow_ups_due(session: Session, now: datetime) -> list[tuple[School, Notification]]:
    """Remind the owner of each case whose follow-up date has come, once: an open case's owner (or
    whoever acknowledged it) to take the next step, a resolved case's to see how it went.

    Only on the school's school days: a follow-up dated on a weekend, holiday or break is reminded
    the next school day.
    """
    reminders: list[tuple[School, Notification]] = []
    cases = session.scalars(
        select(AlertCase)
        .where(
            AlertCase.follow_up_reminded_at.is_(None),
            # Wide by a day: the school's own date is checked below, in its time zone.
            AlertCase.follow_up_on <= now.date() + timedelta(days=1),
        )
        .order_by(AlertCase.follow_up_on, AlertCase.id)
    ).all()
    calendars: dict[int, SchoolCalendar] = {}
    for case in cases:
        school = case.student.school
        today = local_today(school, now)
        calendar = calendars.setdefault(school.id, SchoolCalendar.for_school(school))
        assert case.follow_up_on is not None
        if case.follow_up_on > today or not calendar.is_school_day(today):
            continue
        resolved = case.status is AlertStatus.RESOLVED
        owner = case.owner or (case.resolved_by if resolved else case.acknowledged_by)
        case.follow_up_reminded_at = now
        if owner is None:
            continue  # nobody left to remind; the follow-up still shows in `alerts`
        record(session, None, school.id, "case.follow_up", "case", case.id, now)
        rules = alert_titles([a for a in case.alerts if a.withdrawn_at is None] or case.alerts)
        if resolved:
            message = msg(
                N_("Follow-up for {code} on {day}: case #{id} ({rules}) was resolved with: {outcome}."),
                code=case.student.code,
                day=case.follow_up_on,
                id=case.id,
                rules=rules,
                outcome=msg(OUTCOME_WORDS.get(case.outcome or "other", OUTCOME_WORDS["other"])),
            )
        else:
            message = msg(
                N_(
                    "Follow-up for {code} on {day}: case #{id} ({rules}) is still open. "
                    "Take the next step, or set a new date with: alert own {id} YYYY-MM-DD"
                ),
                code=case.student.code,
                day=case.follow_up_on,
                id=case.id,
                rules=rules,
            )
        reminders.append((school, Notification(Recipient.person(owner.user_id), message, language_of(owner))))
    return reminders


def backtest_school(
    session: Session,
    school: School,
    start: date | None,
    end: date,
    proposed: dict[str, int] | None = None,
    pace: Pace | None = None,
) -> tuple[date, list[BacktestRow], Fatigue]:
    """Replay the rules over a school's stored check-ins with its thresholds (or proposed changes).

    Returns the period's first day (the first stored check-in when `start` is None), per-rule rows
    with the stored cases' verdicts (opened in the period), and the channel messages the replayed
    alerts would have posted under the old policy and today's (with the team acting at `pace`).
    """
    thresholds = thresholds_for({**(school.thresholds or {}), **(proposed or {})})
    calendar = SchoolCalendar.for_school(school)
    records = []
    first = end
    for student in session.scalars(
        select(Student).where(Student.school_id == school.id).order_by(Student.id)
    ):
        check_ins = session.execute(
            select(*FACT_COLUMNS)
            .where(CheckIn.student_id == student.id, CheckIn.withdrawn_at.is_(None))
            .order_by(CheckIn.recorded_at, CheckIn.id)
        ).all()
        mentorships = session.scalars(
            select(Mentorship).where(Mentorship.student_id == student.id).order_by(Mentorship.started_at)
        ).all()
        history = [facts_of(c, school.timezone) for c in check_ins]
        if history:
            first = min(first, history[0].on)
        periods = [
            (local_today(school, m.started_at), local_today(school, m.ended_at) if m.ended_at else None)
            for m in mentorships
        ]
        registered = registered_days(session, student.id, date.min, end)
        courses = all_course_marks(session, student.id)
        records.append(StudentRecord(history, periods, registered, courses, student.grade))
    start = start or first
    episodes = [crossings(record, thresholds, calendar, start, end) for record in records]
    rows = with_verdicts(backtest(episodes), _verdicts(session, school, start, end))
    return start, rows, fatigue(episodes, calendar, start, end, thresholds, pace or Pace())


def _verdicts(session: Session, school: School, start: date, end: date) -> list[Verdict]:
    """The school's cases opened in the period (not those its withdrawn check-in closed), with the
    rules each crossed and how the EHT closed it."""
    zone = ZoneInfo(school.timezone)
    cases = session.scalars(
        select(AlertCase)
        .join(Student, Student.id == AlertCase.student_id)
        .where(
            Student.school_id == school.id,
            AlertCase.opened_at >= datetime.combine(start, datetime.min.time(), zone),
            AlertCase.opened_at < datetime.combine(end + timedelta(days=1), datetime.min.time(), zone),
            AlertCase.outcome.is_distinct_from(WITHDRAWN),
        )
        .options(selectinload(AlertCase.alerts))
    )
    return [
        Verdict(frozenset(a.rule for a in case.alerts if a.withdrawn_at is None), case.outcome)
        for case in cases
    ]
