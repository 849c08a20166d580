"""Plain-text rendering of outcomes, for the console (and anywhere formatting is not available)."""

from __future__ import annotations

from babel.dates import format_date

from bot.i18n import LOCALES, local_date, local_percent, local_time, translate
from bot.i18n import gettext as _g
from handlers.checkin_form import CONFIRM_REGISTERED
from handlers.checkins import DIRECTION_WORDS
from handlers.commands import COMMANDS, CommandSpec, spec_named
from handlers.results import (
    Agenda,
    AlertList,
    AlertNotice,
    AlertRow,
    AlertStep,
    AlertSummary,
    CheckInHistory,
    CrossedRule,
    Digest,
    DuePrompt,
    GuardiansToldQuestion,
    Help,
    HistoryRow,
    MenteeList,
    MonthReport,
    Notification,
    OpenCheckIn,
    RecipientKind,
    Reply,
    RuleState,
    StudentExport,
    StudentList,
    ThresholdList,
    TypedHint,
)
from models.alert import AlertStatus
from models.messages import N_, Message, listing, msg
from models.plan import kind_words
from models.risk import RISK_MARKS, RISK_WORDS
from models.rules import RULES_BY_ID

STATUS_WORDS = {
    AlertStatus.OPEN.value: N_("open"),
    AlertStatus.ACKNOWLEDGED.value: N_("acknowledged"),
    AlertStatus.OWNED.value: N_("owned"),
    AlertStatus.RESOLVED.value: N_("resolved"),
}


def shown_commands(hidden: tuple[str, ...]) -> list[CommandSpec]:
    return [spec for spec in COMMANDS if spec.name not in hidden]


def render_help(language: str, command: str | None, hidden: tuple[str, ...] = ()) -> list[str]:
    if command is not None:
        spec = spec_named(command)
        usage = translate(language, msg(N_("Usage: {usage}"), usage=msg(spec.usage)))
        return [usage, "  " + _g(language, spec.summary)]
    lines = [_g(language, N_("Commands (type help COMMAND for one of them):"))]
    for spec in shown_commands(hidden):
        usage, summary = _g(language, spec.usage), _g(language, spec.summary)
        lines.append(f"  {usage:<48} {summary}")
    return lines


def render_reply(language: str, reply: Reply) -> list[str]:
    if isinstance(reply, Message):
        return [translate(language, reply)]
    if isinstance(reply, TypedHint):
        return [translate(language, reply.message)]
    if isinstance(reply, Help):
        return render_help(language, reply.command, reply.hidden)
    if isinstance(reply, StudentList):
        return _render_students(language, reply)
    if isinstance(reply, MenteeList):
        return _render_mentees(language, reply)
    if isinstance(reply, AlertList):
        return _render_alerts(language, reply)
    if isinstance(reply, Agenda):
        return _render_agenda(language, reply)
    if isinstance(reply, StudentExport):
        return [translate(language, msg(N_("All data about {code}:"), code=reply.student_code)), reply.json]
    if isinstance(reply, ThresholdList):
        lines = [_g(language, N_("Early-warning thresholds (change one with: threshold set NAME VALUE):"))]
        for t in reply.rows:
            default = (
                ""
                if t.value == t.default
                else " " + translate(language, msg(N_("(default {default})"), default=t.default))
            )
            name = _g(language, t.name)
            lines.append(
                f"  {name:<22} {t.value:>3}{default}  {translate(language, t.meaning)} [{t.low}-{t.high}]"
            )
        return lines
    if isinstance(reply, CheckInHistory):
        return _render_history(language, reply)
    if isinstance(reply, MonthReport):
        from bot.reports.chat import month_lines  # matplotlib is loaded only where a report is shown

        return month_lines(language, reply)
    if isinstance(reply, OpenCheckIn):
        lines = [translate(language, msg(N_("Check-in for {student}"), student=reply.student_label))]
        if reply.registered is not None:
            lines += [translate(language, reply.registered), _g(language, CONFIRM_REGISTERED)]
        return lines
    raise TypeError(f"cannot render {type(reply).__name__}")


def _render_alerts(language: str, alerts: AlertList) -> list[str]:
    """The open cases, one line each: number, student, risk, where it stands, the rules crossed."""
    lines = [_g(language, N_("Open cases:")) if alerts.rows else _g(language, N_("No open cases."))]
    for row in alerts.rows:
        opened = local_date(language, row.opened_at, alerts.timezone)
        status = _g(language, STATUS_WORDS.get(row.status, row.status))
        owner = f" @{row.owner}" if row.owner else ""
        lines.append(
            f"{_case_start(language, row)} {status}{owner} · {opened} · {_rules(language, row.rules)}"
            + _next(language, row)
        )
    if alerts.follow_ups:
        lines.append(_g(language, N_("Follow-ups due:")))
    for row in alerts.follow_ups:
        assert row.follow_up_on is not None
        day = format_date(row.follow_up_on, "d MMM", locale=LOCALES[language])
        owner = f"@{row.owner} · " if row.owner else ""
        lines.append(
            f"  #{row.case_id:<4} {row.student_code:<12} {owner}{day} · {_rules(language, row.rules)}"
        )
    return lines


def _render_agenda(language: str, agenda: Agenda) -> list[str]:
    """The EHT meeting's agenda: each open case, its trend since it opened, what changed since then."""
    if agenda.last_meeting is None:
        since = _g(language, N_("changes in the last 7 days"))
    else:
        when = local_date(language, agenda.last_meeting, agenda.timezone)
        since = translate(language, msg(N_("changes since the last meeting, {date}"), date=when))
    if len(agenda.items) == 1:
        heading = N_("Agenda for the EHT meeting: 1 open case ({since})")
    else:
        heading = N_("Agenda for the EHT meeting: {count} open cases ({since})")
    lines = [
        translate(language, msg(heading, count=len(agenda.items), since=since))
        if agenda.items
        else _g(language, N_("Agenda: no open cases."))
    ]
    for item in agenda.items:
        lines.append(_summary_row(language, item.case))
        if item.sparkline:
            trend = f"{item.sparkline} {_g(language, DIRECTION_WORDS[item.direction])}"
            line = msg(N_("engagement since the case opened: {trend}"), trend=trend)
            lines.append("        " + translate(language, line))
        plan = msg(N_("plan: {kind}"), kind=item.plan) if item.plan is not None else msg(N_("no plan yet"))
        lines.append("        " + translate(language, plan))
        changed = listing(item.changes) if item.changes else msg(N_("nothing new"))
        lines.append("        " + translate(language, msg(N_("since then: {changes}"), changes=changed)))
    if agenda.closed:
        lines.append(_g(language, N_("Closed since then:")))
    for row in agenda.closed:
        lines.append(f"  #{row.case_id:<4} {row.student_code:<12} {_rules(language, row.rules)}")
    return lines


def _case_start(language: str, row: AlertRow) -> str:
    return f"  #{row.case_id:<4} {row.student_code:<12} {risk_words(language, row.risk):<15}"


def _summary_row(language: str, row: AlertRow) -> str:
    """A case in the weekly summary: how long it has been open and who owns it."""
    if row.age_days is None or row.age_days <= 0:
        age = _g(language, N_("opened today"))
    elif row.age_days == 1:
        age = _g(language, N_("open 1 day"))
    else:
        age = translate(language, msg(N_("open {days} days"), days=row.age_days))
    owner = f"@{row.owner}" if row.owner else _g(language, N_("no owner"))
    rules = _rules(language, row.rules)
    return f"{_case_start(language, row)} {age} · {owner} · {rules}{_next(language, row)}"


def _next(language: str, row: AlertRow) -> str:
    """A case's next date: its plan's review or a follow-up."""
    if row.next_on is None:
        return ""
    template = N_("review {date}") if row.next_is_review else N_("follow-up {date}")
    return " · " + translate(language, msg(template, date=row.next_on.isoformat()))


def _rules(language: str, rules: list[str]) -> str:
    return ", ".join(_g(language, RULES_BY_ID[rule].title) if rule in RULES_BY_ID else rule for rule in rules)


def risk_words(language: str, risk: str) -> str:
    """The risk level as a reader sees it first: its colour, then its word."""
    return f"{RISK_MARKS.get(risk, '')} {_g(language, RISK_WORDS.get(risk, risk))}".strip()


def _render_students(language: str, students: StudentList) -> list[str]:
    if students.removed:
        if not students.rows:
            return [_g(language, N_("No removed students."))]
        lines = [_g(language, N_("Removed students (bring one back with: student reactivate CODE):"))]
    elif not students.rows:
        return [_g(language, "No students yet. Add one with: student add CODE")]
    else:
        lines = [_g(language, "Students:")]
    for row in students.rows:
        if row.removed_at is not None:
            status = translate(
                language,
                msg(N_("removed {date}"), date=local_date(language, row.removed_at, students.timezone)),
            )
        elif row.mentor_user_id:
            status = f"@{row.mentor_user_id}"
        else:
            status = _g(language, "no mentor")
        parts = (row.display_name, _grade(language, row.grade), row.class_name)
        details = " ".join(str(p) for p in parts if p)
        lines.append(f"  {row.code:<12} {details:<28} {status}")
    return lines


def _grade(language: str, grade: int | None) -> str:
    return translate(language, msg(N_("grade {grade}"), grade=grade)) if grade else ""


def _render_mentees(language: str, mentees: MenteeList) -> list[str]:
    if not mentees.rows:
        if mentees.own:
            return [_g(language, "You have no mentees.")]
        return [translate(language, msg(N_("@{mentor} has no mentees."), mentor=mentees.mentor_user_id))]
    header = (
        _g(language, "Your mentees:")
        if mentees.own
        else translate(language, msg(N_("Mentees of @{mentor}:"), mentor=mentees.mentor_user_id))
    )
    lines = [header]
    for row in mentees.rows:
        if row.last_check_in_at is None:
            last = _g(language, "never checked in")
        else:
            last = translate(
                language,
                msg(
                    N_("last check-in {date}") if row.last_met else N_("last check-in {date} (did not meet)"),
                    date=local_date(language, row.last_check_in_at, mentees.timezone),
                ),
            )
        if row.waiting_since is not None:
            due = translate(
                language,
                msg(
                    N_("check-in waiting now (due {when})"),
                    when=local_time(language, row.waiting_since, mentees.timezone),
                ),
            )
        elif row.next_due_at:
            due = translate(
                language,
                msg(N_("next due {when}"), when=local_time(language, row.next_due_at, mentees.timezone)),
            )
        else:
            due = _g(language, "no check-ins scheduled")
        name = f" {row.display_name}" if row.display_name else ""
        lines.append(f"  {row.code}{name} · {last} · {due}")
    return lines


def render_notification(language: str, notification: Notification) -> str:
    sigil = "@" if notification.to.kind is RecipientKind.PERSON else "#"
    text = "\n".join(render_content(notification.language or language, notification.content))
    return f"[→ {sigil}{notification.to.id}] {text}"


def render_content(language: str, content: object) -> list[str]:
    """Any notification content as lines of text; other platforms use this as their fallback."""
    if isinstance(content, DuePrompt):
        return render_prompt(language, content)
    if isinstance(content, Digest):
        return render_digest(language, content)
    if isinstance(content, AlertNotice):
        return render_alert(language, content)
    if isinstance(content, AlertSummary):
        header = _g(language, N_("Weekly summary of open cases, the most urgent first:"))
        if not content.rows:
            return [header, _g(language, N_("No open cases."))]
        return [header, *(_summary_row(language, row) for row in content.rows)]
    if isinstance(content, GuardiansToldQuestion):
        return [guardians_question(language, content), guardians_answer_hint(language, content)]
    if isinstance(content, Message):
        return [translate(language, content)]
    raise TypeError(f"cannot render {type(content).__name__}")


def guardians_question(language: str, question: GuardiansToldQuestion) -> str:
    """Skollagen 7 kap. 17 §, asked of the mentor about one absence day, the source named."""
    return translate(
        language,
        msg(
            N_(
                "{source} registered unexcused absence for {code} on {day}. Were the guardians told "
                "that day? (Skollagen 7 kap. 17 §)"
            ),
            source=question.source,
            code=question.student_code,
            day=question.day,
        ),
    )


def guardians_answer_hint(language: str, question: GuardiansToldQuestion) -> str:
    """How to answer by typing (for plain text and a client that cannot show the buttons), or,
    once answered, the answer."""
    if question.told is not None:
        return _g(language, GUARDIANS_ANSWERED[question.told])
    return translate(language, msg(N_("Answer with: guardians {id} yes|no"), id=question.question_id))


GUARDIANS_ANSWERED = {
    True: N_("Answered: the guardians were told."),
    False: N_("Answered: the guardians were not told."),
}


def render_digest(language: str, digest: Digest) -> list[str]:
    period = translate(
        language,
        msg(
            N_("Weekly digest, {start} to {end}:"),
            start=local_date(language, digest.period_start, digest.timezone),
            end=local_date(language, digest.period_end, digest.timezone),
        ),
    )
    rate = local_percent(language, digest.participation) if digest.participation is not None else "-"
    lines = [
        period,
        "  "
        + translate(
            language,
            msg(
                N_("Participation: {rate} of {due} due check-ins answered; {check_ins} check-ins logged."),
                rate=rate,
                due=digest.prompts_due,
                check_ins=digest.check_ins,
            ),
        ),
        "  " + translate(language, msg(N_("Open cases: {count}"), count=digest.open_alerts)),
    ]
    if digest.overdue:
        lines.append("  " + _g(language, N_("Overdue check-ins by mentor:")))
        lines += [f"    @{row.mentor_user_id}: {row.overdue}" for row in digest.overdue]
    else:
        lines.append("  " + _g(language, N_("No overdue check-ins.")))
    if digest.overdue_cases:
        lines.append("  " + _g(language, N_("Cases whose follow-up or review date has passed:")))
        lines += [
            f"  {_case_start(language, row)} {'@' + row.owner if row.owner else _g(language, N_('no owner'))}"
            + _next(language, row)
            for row in digest.overdue_cases
        ]
    return lines


def render_prompt(language: str, prompt: DuePrompt) -> list[str]:
    header = N_("Reminder: these check-ins are still open:") if prompt.reminder else N_("Time to check in:")
    lines = [_g(language, header)]
    for mentee in prompt.mentees:
        due = local_time(language, mentee.due_at, prompt.timezone)
        commands = translate(
            language, msg(N_("checkin {code} | snooze {code} | notmet {code}"), code=mentee.code)
        )
        lines.append(f"  {mentee.label} ({due}) · {commands}")
    return lines


# The typed command for each next step of a case, for plain text (cards have buttons instead).
STEP_COMMANDS = {
    AlertStep.ACKNOWLEDGE: N_("alert ack {id}"),
    AlertStep.TAKE_OWNERSHIP: N_("alert own {id}"),
    AlertStep.PLAN: N_("plan {id} KIND YYYY-MM-DD goal"),
    AlertStep.RESOLVE: N_("alert resolve {id} OUTCOME"),
}
# How a rule on a case's card stands, next to its title (nothing for one that is as it was).
STATE_WORDS = {
    RuleState.NEW.value: N_("new"),
    RuleState.UPDATED.value: N_("updated"),
    RuleState.CLEARED.value: N_("cleared"),
    RuleState.WITHDRAWN.value: N_("withdrawn"),
}


def render_alert(language: str, notice: AlertNotice) -> list[str]:
    """A case's card as plain text: `alert_lines`, then its next steps as typed commands."""
    shown = alert_lines(language, notice)
    lines = [shown[0]] + ["  " + line for line in shown[1:]]
    steps = notice.next_steps
    if AlertStep.ANSWER_INVESTIGATION in steps:
        question = msg(
            N_(
                "Repeated or long absence: has an investigation (Skollagen 7 kap. 19 a §) been "
                "started? Answer with: alert investigation {id} yes|no"
            ),
            id=notice.case_id,
        )
        lines[-1] = "  " + translate(language, question)
    commands = [
        translate(language, msg(STEP_COMMANDS[s], id=notice.case_id)) for s in steps if s in STEP_COMMANDS
    ]
    if commands:
        history = translate(language, msg(N_("history {code}"), code=notice.student_code))
        lines.append(f"  {' | '.join(commands)} · {history}")
    return lines


def alert_lines(language: str, notice: AlertNotice) -> list[str]:
    """What every platform shows of a case: risk and who first, what is new, each rule with the
    student's numbers and trend, and where the case stands."""
    lines = [alert_heading(language, notice)]
    news = alert_news(language, notice)
    if news:
        lines.append(news)
    for rule in notice.rules:
        lines.append(rule_line(language, rule))
        if rule.state not in (RuleState.CLEARED.value, RuleState.WITHDRAWN.value):
            lines.append("  " + translate(language, rule.explanation))
    lines.append(translate(language, msg(N_("Status: {status}"), status=alert_status(language, notice))))
    if notice.asks_investigation:
        lines.append(investigation_state(language, notice))
    return lines


def alert_news(language: str, notice: AlertNotice) -> str | None:
    """What is new on an updated card: the rules just crossed."""
    new = notice.new_rules
    if not new:
        return None
    return translate(language, msg(N_("New: {rules}"), rules=listing(r.title for r in new)))


def rule_line(language: str, rule: CrossedRule) -> str:
    """One rule of a case: its title (and state), the student's numbers and the trend."""
    title = translate(language, rule.title)
    if rule.state in STATE_WORDS:
        title += f" ({_g(language, STATE_WORDS[rule.state])})"
    evidence = translate(language, rule.evidence)
    line = f"• {title}: {evidence}"
    return f"{line} {rule.sparkline}" if rule.sparkline else line


def investigation_state(language: str, notice: AlertNotice) -> str:
    """The 7 kap. 19 a § question on a case about absence: its answer, the question, or that none came."""
    if notice.investigation_started is not None:
        return investigation_answer(language, notice.investigation_started)
    if AlertStep.ANSWER_INVESTIGATION in notice.next_steps:
        return _g(
            language,
            N_("Repeated or long absence: has an investigation (Skollagen 7 kap. 19 a §) been started?"),
        )
    return _g(language, N_("Investigation (7 kap. 19 a §): not answered."))


def alert_student(language: str, notice: AlertNotice) -> str:
    """The student as the EHT channel names them: code, grade and class (never the name)."""
    student = ", ".join(p for p in (_grade(language, notice.grade), notice.class_name) if p)
    return f"{notice.student_code} ({student})" if student else notice.student_code


def alert_heading(language: str, notice: AlertNotice) -> str:
    """The card's first line, what a phone shows: the risk first, the case, the student, the rules."""
    resolved = notice.status == AlertStatus.RESOLVED.value
    risk = _g(language, RISK_WORDS.get(notice.risk, notice.risk))
    mark = "✅" if resolved else RISK_MARKS.get(notice.risk, "⚠")
    parts = [f"{mark} {risk}", f"{_g(language, N_('Case'))} #{notice.case_id}"]
    if notice.reraised:
        parts.append(_g(language, N_("raised again, not yet acknowledged")))
    parts.append(alert_student(language, notice))
    crossed = notice.crossed or notice.rules
    if crossed:
        parts.append(", ".join(translate(language, rule.title) for rule in crossed))
    return " · ".join(parts)


def alert_status(language: str, notice: AlertNotice) -> str:
    """Where the case stands: status, who acknowledged and owns it, and how it was resolved."""
    status = _g(language, STATUS_WORDS.get(notice.status, notice.status))
    if notice.acknowledged_by:
        status += " · " + translate(language, msg(N_("acknowledged by @{user}"), user=notice.acknowledged_by))
    if notice.owner:
        status += " · " + translate(language, msg(N_("owner @{user}"), user=notice.owner))
    if notice.outcome is not None:
        status += " · " + translate(language, msg(N_("outcome: {outcome}"), outcome=notice.outcome))
    if notice.follow_up_on is not None:
        status += " · " + translate(
            language, msg(N_("follow-up {date}"), date=notice.follow_up_on.isoformat())
        )
    if notice.plan_kind is not None and notice.plan_review_on is not None:
        plan = msg(
            N_("plan: {kind}, review {date}"),
            kind=kind_words(notice.plan_kind),
            date=notice.plan_review_on.isoformat(),
        )
        status += " · " + translate(language, plan)
    return status


def investigation_answer(language: str, started: bool) -> str:
    if started:
        return _g(language, N_("Investigation (7 kap. 19 a §): started."))
    return _g(language, N_("Investigation (7 kap. 19 a §): not started."))


def _rating(value: int | None) -> str:
    return "-" if value is None else str(value)


# Short names of the four engagement dimensions for a history row, in ENGAGEMENT_DIMENSIONS order.
DIMENSION_LABELS = (N_("behaviour"), N_("school work"), N_("meaning"), N_("belonging"))


def _render_history(language: str, history: CheckInHistory) -> list[str]:
    if not history.rows:
        empty = translate(language, msg(N_("{code} has no check-ins yet."), code=history.student_code))
        return [empty, *_why_flagged(language, history)]
    lines = [
        translate(
            language,
            msg(
                N_("Check-ins of {code}, newest first. Engagement trend: {sparkline} {direction}"),
                code=history.student_code,
                sparkline=history.sparkline or "-",
                direction=msg(DIRECTION_WORDS[history.direction]),
            ),
        )
    ]
    for row in history.rows:
        parts = [
            local_date(language, row.recorded_at, history.timezone),
            _g(language, N_("met")) if row.met else _g(language, N_("not met")),
            *_absence(language, row),
            *(
                f"{_g(language, label)} {_rating(rating)}"
                for label, rating in zip(DIMENSION_LABELS, row.ratings, strict=True)
            ),
        ]
        if row.concern:
            parts.append(_g(language, N_("concern raised")))
        if row.guardians_told is not None:
            parts.append(
                _g(language, N_("guardians told") if row.guardians_told else N_("guardians not told"))
            )
        lines.append("  " + " · ".join(parts))
    return lines + _why_flagged(language, history)


def _why_flagged(language: str, history: CheckInHistory) -> list[str]:
    """The student's cases, each rule with the numbers against the threshold that flagged it."""
    lines = []
    for case in history.cases:
        heading = (
            N_("Why flagged, case #{id} (resolved):") if case.resolved else N_("Why flagged, case #{id}:")
        )
        lines.append(translate(language, msg(heading, id=case.case_id)))
        # A rule whose check-in was withdrawn no longer counts: history leaves it out, as its check-in.
        for rule in case.rules:
            if rule.state != RuleState.WITHDRAWN.value:
                lines.append("  " + rule_line(language, rule))
                lines.append("    " + translate(language, rule.explanation))
    return lines


def _absence(language: str, row: HistoryRow) -> list[str]:
    """Absence in words, each number named; "no absence" when there was none."""
    parts = []
    if row.absent_days:
        template = (
            N_("days absent {count} ({unexcused} unexcused)")
            if row.unexcused_days
            else N_("days absent {count}")
        )
        parts.append(msg(template, count=row.absent_days, unexcused=row.unexcused_days))
    if row.absent_lessons:
        template = (
            N_("lessons missed {count} ({unexcused} unexcused)")
            if row.unexcused_lessons
            else N_("lessons missed {count}")
        )
        parts.append(msg(template, count=row.absent_lessons, unexcused=row.unexcused_lessons))
    if row.late_arrivals:
        parts.append(msg(N_("late arrivals {count}"), count=row.late_arrivals))
    return [translate(language, part) for part in parts] or [_g(language, N_("no absence"))]
