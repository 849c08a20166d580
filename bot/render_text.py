"""Plain-text rendering of outcomes, for the console (and anywhere formatting is not available)."""

from __future__ import annotations

from bot.i18n import gettext as _g
from bot.i18n import local_date, local_time, translate
from handlers.commands import COMMANDS, spec_named
from handlers.results import (
    AlertList,
    AlertSummary,
    Digest,
    DuePrompt,
    Help,
    MenteeList,
    Notification,
    OpenCheckIn,
    RecipientKind,
    Reply,
    StudentExport,
    StudentList,
)
from models.alert import AlertStatus
from models.messages import N_, Message, msg

STATUS_WORDS = {
    AlertStatus.OPEN.value: N_("open"),
    AlertStatus.ACKNOWLEDGED.value: N_("acknowledged"),
    AlertStatus.OWNED.value: N_("owned"),
    AlertStatus.RESOLVED.value: N_("resolved"),
}


def render_help(language: str, command: str | None) -> list[str]:
    if command is not None:
        spec = spec_named(command)
        usage = translate(language, msg(N_("Usage: {usage}"), usage=msg(spec.usage)))
        return [usage, "  " + _g(language, spec.summary)]
    lines = [_g(language, N_("Commands (type help COMMAND for one of them):"))]
    for spec in COMMANDS:
        usage, summary = _g(language, spec.usage), _g(language, spec.summary)
        lines.append(f"  {usage:<48} {summary}")
    return lines


def render_reply(language: str, reply: Reply) -> list[str]:
    if isinstance(reply, Message):
        return [translate(language, reply)]
    if isinstance(reply, Help):
        return render_help(language, reply.command)
    if isinstance(reply, StudentList):
        if not reply.rows:
            return [_g(language, "No students yet. Add one with: student add CODE")]
        lines = [_g(language, "Students:")]
        for row in reply.rows:
            mentor = f"@{row.mentor_user_id}" if row.mentor_user_id else _g(language, "no mentor")
            details = " ".join(
                str(p) for p in (row.display_name, _grade(language, row.grade), row.class_name) if p
            )
            lines.append(f"  {row.code:<12} {details:<28} {mentor}")
        return lines
    if isinstance(reply, MenteeList):
        return _render_mentees(language, reply)
    if isinstance(reply, AlertList):
        if not reply.rows:
            return [_g(language, "No open alerts.")]
        lines = [_g(language, "Open alerts:")]
        for row in reply.rows:
            opened = local_date(language, row.opened_at, reply.timezone)
            status = _g(language, STATUS_WORDS.get(row.status, row.status))
            lines.append(f"  {row.student_code:<12} {row.rule:<24} {status:<14} {opened}")
        return lines
    if isinstance(reply, StudentExport):
        return [translate(language, msg(N_("All data about {code}:"), code=reply.student_code)), reply.json]
    if isinstance(reply, OpenCheckIn):
        return [translate(language, msg(N_("Check-in for {student}"), student=reply.student_label))]
    raise TypeError(f"cannot render {type(reply).__name__}")


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
        due = (
            translate(
                language,
                msg(
                    N_("next due {when}"),
                    when=local_time(language, row.next_due_at, mentees.timezone),
                ),
            )
            if row.next_due_at
            else _g(language, "no check-ins scheduled")
        )
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
    if isinstance(content, AlertSummary):
        header = _g(language, N_("Weekly summary of open alerts:"))
        return (
            [header, *render_reply(language, AlertList(content.timezone, content.rows))[1:]]
            if content.rows
            else [
                header,
                _g(language, "No open alerts."),
            ]
        )
    if isinstance(content, Message):
        return [translate(language, content)]
    raise TypeError(f"cannot render {type(content).__name__}")


def render_digest(language: str, digest: Digest) -> list[str]:
    period = translate(
        language,
        msg(
            N_("Weekly digest, {start} to {end}:"),
            start=local_date(language, digest.period_start, digest.timezone),
            end=local_date(language, digest.period_end, digest.timezone),
        ),
    )
    rate = f"{digest.participation:.0%}" if digest.participation is not None else "-"
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
        "  " + translate(language, msg(N_("Open alerts: {count}"), count=digest.open_alerts)),
    ]
    if digest.overdue:
        lines.append("  " + _g(language, N_("Overdue check-ins by mentor:")))
        lines += [f"    @{row.mentor_user_id}: {row.overdue}" for row in digest.overdue]
    else:
        lines.append("  " + _g(language, N_("No overdue check-ins.")))
    return lines


def render_prompt(language: str, prompt: DuePrompt) -> list[str]:
    header = N_("Reminder: these check-ins are still open:") if prompt.reminder else N_("Time to check in:")
    lines = [_g(language, header)]
    for mentee in prompt.mentees:
        due = local_time(language, mentee.due_at, prompt.timezone)
        lines.append(
            f"  {mentee.label} ({due}) · checkin {mentee.code} | snooze {mentee.code} | notmet {mentee.code}"
        )
    return lines
