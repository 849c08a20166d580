"""The plain-data results of use cases, which every platform renders in its own way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from models.alert import AlertStatus
from models.messages import Message
from models.trends import Direction

if TYPE_CHECKING:
    from handlers.reports.figures import Figure, ReportFigures


class RecipientKind(StrEnum):
    PERSON = "person"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    id: str

    @classmethod
    def person(cls, user_id: str) -> Recipient:
        return cls(RecipientKind.PERSON, user_id)

    @classmethod
    def channel(cls, channel_id: str) -> Recipient:
        return cls(RecipientKind.CHANNEL, channel_id)


@dataclass(frozen=True)
class DueMentee:
    code: str
    label: str
    due_at: datetime


@dataclass(frozen=True)
class DuePrompt:
    """One message per mentor per round: every mentee now due, each with Check in / Snooze / Did not meet."""

    timezone: str
    mentees: list[DueMentee]
    reminder: bool = False


class AlertStep(StrEnum):
    """A next step the student health team can take on a case (see `AlertNotice.next_steps`)."""

    ACKNOWLEDGE = "acknowledge"
    TAKE_OWNERSHIP = "take_ownership"
    RESOLVE = "resolve"
    # Record (or change) the case's intervention plan: kind, review date, goal.
    PLAN = "plan"
    # Answer yes or no: has an investigation (Skollagen 7 kap. 19 a §) been started?
    ANSWER_INVESTIGATION = "answer_investigation"


class RuleState(StrEnum):
    """How a rule on a case's card stands, compared with the card before."""

    STEADY = "steady"
    NEW = "new"  # crossed for the first time in this case, or again after it cleared
    UPDATED = "updated"  # still crossed, with new numbers
    CLEARED = "cleared"  # no longer holds (`models.rules.clears`)
    WITHDRAWN = "withdrawn"  # the check-in behind it was withdrawn


@dataclass(frozen=True)
class CrossedRule:
    """One rule on a case's card: the student's own numbers, why they crossed it, the trend, its state."""

    rule: str
    title: Message
    # Why the student was flagged: their numbers against the threshold (`models.flagged`).
    explanation: Message
    evidence: Message
    sparkline: str = ""
    state: str = RuleState.STEADY.value


@dataclass(frozen=True)
class AlertNotice:
    """A student's case as its one card in the EHT channel: the risk level first, then every rule
    crossed with its numbers and trend, then where the case stands; never free text.

    Platforms render it with its `next_steps` (buttons, or typed commands in plain text); a later
    change to the case is posted as a new AlertNotice that replaces the earlier message.
    """

    case_id: int
    student_code: str
    grade: int | None
    class_name: str
    risk: str
    status: str
    timezone: str
    rules: list[CrossedRule] = field(default_factory=list)
    acknowledged_by: str | None = None  # user ids
    owner: str | None = None
    outcome: Message | None = None
    follow_up_on: date | None = None
    # A rule about repeated or long absence is crossed: has an investigation (7 kap. 19 a §)
    # started? None: not answered.
    asks_investigation: bool = False
    investigation_started: bool | None = None
    # Posted again because nobody acknowledged it in time.
    reraised: bool = False
    # The plan in force: its kind (`models.PlanKind`) and review date; never its goal.
    plan_kind: str | None = None
    plan_review_on: date | None = None

    @property
    def next_steps(self) -> tuple[AlertStep, ...]:
        """What the team can do next, the one definition every platform draws its buttons from.

        A resolved case offers nothing (its outcome is final). Take ownership stays on an owned
        case, so a colleague can take it over; Acknowledge only until someone has.
        """
        if self.status == AlertStatus.RESOLVED.value:
            return ()
        steps = [AlertStep.ACKNOWLEDGE] if self.status == AlertStatus.OPEN.value else []
        steps += [AlertStep.TAKE_OWNERSHIP, AlertStep.PLAN, AlertStep.RESOLVE]
        if self.asks_investigation and self.investigation_started is None:
            steps.append(AlertStep.ANSWER_INVESTIGATION)
        return tuple(steps)

    @property
    def new_rules(self) -> list[CrossedRule]:
        return [r for r in self.rules if r.state == RuleState.NEW.value]

    @property
    def crossed(self) -> list[CrossedRule]:
        """The rules the student crosses now."""
        gone = (RuleState.CLEARED.value, RuleState.WITHDRAWN.value)
        return [r for r in self.rules if r.state not in gone]


@dataclass(frozen=True)
class MentorOverdue:
    mentor_user_id: str
    overdue: int


@dataclass(frozen=True)
class Digest:
    """The weekly picture for coordinators."""

    timezone: str
    period_start: datetime
    period_end: datetime
    prompts_due: int
    prompts_answered: int
    check_ins: int
    overdue: list[MentorOverdue]
    # Open cases (one per student).
    open_alerts: int
    # Open cases whose follow-up or plan review date has passed with nobody acting on it.
    overdue_cases: list[AlertRow] = field(default_factory=list)

    @property
    def participation(self) -> float | None:
        return self.prompts_answered / self.prompts_due if self.prompts_due else None


@dataclass(frozen=True)
class AlertSummary:
    """The weekly list for the student health team's channel: each open case once, with its age
    and owner, the most worrying first."""

    timezone: str
    rows: list[AlertRow]


@dataclass(frozen=True)
class GuardiansToldQuestion:
    """Skollagen 7 kap. 17 §, to the mentor: the school's system registered unexcused absence for
    the student on `day`; were the guardians told that day? Answered yes or no (buttons, or
    `guardians ID yes|no`)."""

    question_id: int
    student_code: str
    day: date
    source: str
    # The answer once given (the question is then updated in place, without its buttons).
    told: bool | None = None


@dataclass(frozen=True)
class Notification:
    to: Recipient
    content: Message | DuePrompt | Digest | AlertSummary | AlertNotice | GuardiansToldQuestion
    # The reader's language; filled in by `handlers.dispatch` from the recipient's settings.
    language: str | None = None
    # A reference to an earlier message (e.g. a Slack ts) to update in place instead of posting anew.
    replaces: str | None = None
    # The school it is about when that is not the one the actor acts in (an admin's `school add`
    # tells the new school's coordinator); None: the actor's school.
    school_id: int | None = None


@dataclass(frozen=True)
class Destination:
    """Where a school lives: the platform and workspace that notifications go out through."""

    platform: str
    workspace_id: str
    # The Slack Enterprise Grid org of the workspace: an org-wide install's bot token is the org's.
    enterprise_id: str | None = None
    # The school inside the workspace: buttons and forms carry its id back, so a press acts in the
    # school the message came from. Its name is shown only where the workspace holds several
    # schools (None otherwise: a single-school workspace never sees the concept).
    school_id: int | None = None
    school_name: str | None = None


@dataclass(frozen=True)
class StudentRow:
    code: str
    display_name: str
    grade: int | None
    class_name: str
    mentor_user_id: str | None
    # Set for a student taken off the programme (`students removed`).
    removed_at: datetime | None = None


@dataclass(frozen=True)
class StudentList:
    rows: list[StudentRow]
    timezone: str = "Europe/Stockholm"
    # The removed students, who can be brought back with `student reactivate`.
    removed: bool = False


@dataclass(frozen=True)
class MenteeRow:
    code: str
    display_name: str
    grade: int | None
    class_name: str
    last_check_in_at: datetime | None
    last_met: bool | None
    next_due_at: datetime | None
    # Set when a check-in is due and not yet answered: when it fell due.
    waiting_since: datetime | None = None


@dataclass(frozen=True)
class MenteeList:
    mentor_user_id: str
    own: bool
    timezone: str
    rows: list[MenteeRow]


@dataclass(frozen=True)
class AlertRow:
    """One case in a list: the student, its risk, where it stands, and the rules it crosses now."""

    student_code: str
    rules: list[str]
    status: str
    opened_at: datetime
    case_id: int = 0
    risk: str = "watch"
    owner: str | None = None
    follow_up_on: date | None = None
    # Days since it opened (the weekly summary says how long a case has waited).
    age_days: int | None = None
    # The next date someone acts on: the plan's review, or a follow-up (`next_is_review` False).
    next_on: date | None = None
    next_is_review: bool = False


@dataclass(frozen=True)
class AlertList:
    """The open cases, the most worrying first."""

    timezone: str
    rows: list[AlertRow]
    # Resolved cases whose follow-up date has come (recently): the owner has something to do.
    follow_ups: list[AlertRow] = field(default_factory=list)


@dataclass(frozen=True)
class AgendaItem:
    """One open case on the EHT meeting's agenda: the case, the student's engagement since it
    opened, and what changed since the last meeting."""

    case: AlertRow
    sparkline: str
    direction: Direction
    changes: list[Message] = field(default_factory=list)
    # The plan in force, in words (its kind; the goal is never on the agenda), None: no plan yet.
    plan: Message | None = None


@dataclass(frozen=True)
class Agenda:
    """The EHT's weekly meeting: every open case, most worrying and oldest first, and the cases
    closed since the last meeting (`last_meeting`: when the agenda was last shown, None before the first)."""

    timezone: str
    last_meeting: datetime | None
    items: list[AgendaItem]
    closed: list[AlertRow] = field(default_factory=list)


@dataclass(frozen=True)
class Help:
    """The command overview, or one command's usage when `command` is set."""

    command: str | None = None
    # Commands the overview leaves out for this reader (the school commands, for one-school people).
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class TypedHint:
    """What to type next (e.g. "alert own 3"), for plain text.

    The answer to a button press leaves it out: the card pressed has a button for that step.
    """

    message: Message


@dataclass(frozen=True)
class OpenCheckIn:
    """Ask the platform to show the check-in form for this student.

    Where the school's system registered the student's days over the check-in's period,
    `registered` says so in one line (source, figures, since when) and `prefilled` holds the
    absence answers the form starts from, for the mentor to confirm or correct."""

    student_code: str
    student_label: str
    registered: Message | None = None
    prefilled: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StudentExport:
    """All data about one student as JSON, for the coordinator's eyes only."""

    student_code: str
    json: str


@dataclass(frozen=True)
class ThresholdRow:
    name: str
    value: int
    default: int
    low: int
    high: int
    meaning: Message


@dataclass(frozen=True)
class ThresholdList:
    """A school's early-warning thresholds, each with its meaning."""

    rows: list[ThresholdRow]


@dataclass(frozen=True)
class HistoryRow:
    recorded_at: datetime
    met: bool
    absent_days: int
    unexcused_days: int
    absent_lessons: int
    unexcused_lessons: int
    late_arrivals: int
    # behavioural, academic, cognitive, affective
    ratings: tuple[int | None, ...]
    concern: bool
    guardians_told: bool | None


@dataclass(frozen=True)
class FlaggedCase:
    """A case of the student in their history: why they were flagged, rule by rule."""

    case_id: int
    resolved: bool
    rules: list[CrossedRule]


@dataclass(frozen=True)
class CheckInHistory:
    """A student's check-ins, newest first, for the people allowed to read them (never the note),
    and the cases those check-ins are part of, each rule with why it was crossed."""

    student_code: str
    timezone: str
    sparkline: str
    rows: list[HistoryRow]
    direction: Direction = Direction.UNKNOWN
    cases: list[FlaggedCase] = field(default_factory=list)


@dataclass(frozen=True)
class KeyFigure:
    label: Message
    figure: Figure  # withheld (shown "< 5") when fewer than 5 students are behind it


@dataclass(frozen=True)
class MonthReport:
    """A school's key figures this month so far, and the figures of its one chart (`chart`: the
    school year so far, drawn at the edge by bot/reports/chat.py). Never about one child."""

    school: str  # its name; "" for the one unnamed school of a workspace, which is never named
    report_id: str
    first: date
    last: date
    key_figures: tuple[KeyFigure, ...]
    chart: ReportFigures
    label: str  # the school's label in `chart`


Reply = (
    Message
    | TypedHint
    | StudentList
    | MenteeList
    | AlertList
    | Agenda
    | Help
    | OpenCheckIn
    | ThresholdList
    | CheckInHistory
    | StudentExport
    | MonthReport
)


@dataclass
class Outcome:
    reply: list[Reply] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    language: str = "sv"
    refused: bool = False
    # Set when a submitted form had wrong answers: field name -> what to tell the user.
    form_errors: dict[str, Message] = field(default_factory=dict)
    # The actor's school, for delivering the notifications.
    destination: Destination | None = None

    @classmethod
    def say(cls, message: Message, *notifications: Notification) -> Outcome:
        return cls(reply=[message], notifications=list(notifications))
