"""The plain-data results of use cases, which every platform renders in its own way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from models.messages import Message


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
    open_alerts: int

    @property
    def participation(self) -> float | None:
        return self.prompts_answered / self.prompts_due if self.prompts_due else None


@dataclass(frozen=True)
class AlertSummary:
    """The weekly list of open alerts for the student health team's channel."""

    timezone: str
    rows: list[AlertRow]


@dataclass(frozen=True)
class Notification:
    to: Recipient
    content: Message | DuePrompt | Digest | AlertSummary
    # The reader's language; filled in by `handlers.dispatch` from the recipient's settings.
    language: str | None = None
    # A reference to an earlier message (e.g. a Slack ts) to update in place instead of posting anew.
    replaces: str | None = None


@dataclass(frozen=True)
class Destination:
    """Where a school lives: the platform and workspace that notifications go out through."""

    platform: str
    workspace_id: str


@dataclass(frozen=True)
class StudentRow:
    code: str
    display_name: str
    grade: int | None
    class_name: str
    mentor_user_id: str | None


@dataclass(frozen=True)
class StudentList:
    rows: list[StudentRow]


@dataclass(frozen=True)
class MenteeRow:
    code: str
    display_name: str
    grade: int | None
    class_name: str
    last_check_in_at: datetime | None
    last_met: bool | None
    next_due_at: datetime | None


@dataclass(frozen=True)
class MenteeList:
    mentor_user_id: str
    own: bool
    timezone: str
    rows: list[MenteeRow]


@dataclass(frozen=True)
class AlertRow:
    student_code: str
    rule: str
    status: str
    opened_at: datetime


@dataclass(frozen=True)
class AlertList:
    timezone: str
    rows: list[AlertRow]


@dataclass(frozen=True)
class Help:
    """The command overview, or one command's usage when `command` is set."""

    command: str | None = None


@dataclass(frozen=True)
class OpenCheckIn:
    """Ask the platform to show the check-in form for this student."""

    student_code: str
    student_label: str


@dataclass(frozen=True)
class StudentExport:
    """All data about one student as JSON, for the coordinator's eyes only."""

    student_code: str
    json: str


Reply = Message | StudentList | MenteeList | AlertList | Help | OpenCheckIn | StudentExport


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
