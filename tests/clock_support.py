"""Helpers for clock tests: a recording notifier and a school set up at a chosen moment."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.delivery import DeliveryFailed
from handlers.results import Destination, DuePrompt, Notification
from models import Mentorship, Prompt, Student
from models.db import Database

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


class RecordingNotifier:
    """Remembers every delivery; can be told to fail, like a platform that is down."""

    def __init__(self) -> None:
        self.sent: list[tuple[Destination, Notification]] = []
        self.failing = False
        self._lock = threading.Lock()

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        if self.failing:
            raise DeliveryFailed("platform down")
        with self._lock:
            self.sent.append((destination, notification))
            return f"ref-{len(self.sent)}"

    def prompts(self, reminder: bool = False) -> list[tuple[str, DuePrompt]]:
        return [
            (n.to.id, n.content)
            for _, n in self.sent
            if isinstance(n.content, DuePrompt) and n.content.reminder == reminder
        ]

    def prompted_codes(self) -> list[str]:
        return [m.code for _, prompt in self.prompts() for m in prompt.mentees]


def start_mentorships(db: Database, start: datetime, cadence: str | None = None) -> None:
    """Pretend every active mentorship began at `start` (and has `cadence`), as if assigned then."""
    with db.transaction() as session:
        for mentorship in session.scalars(select(Mentorship).where(Mentorship.ended_at.is_(None))):
            mentorship.started_at = start
            if cadence is not None:
                mentorship.cadence = cadence
            mentorship.schedule_next(start)


def prompts_of(db: Database, code: str) -> list[Prompt]:
    with db.transaction() as session:
        return list(
            session.scalars(
                select(Prompt)
                .join(Mentorship)
                .join(Student)
                .where(Student.code == code)
                .order_by(Prompt.local_date)
            )
        )
