"""The notification port: how outcomes and the clock reach people and channels on a school's platform.

Each platform adapter in `bot/` implements `Notifier`; use cases and the clock only produce
`Notification`s, so adding a platform never touches `handlers/` or `schedules/`.
"""

from __future__ import annotations

from typing import Protocol

from handlers.results import Destination, Notification


class DeliveryFailed(Exception):
    """The platform did not take the message; the caller may retry later."""


class Notifier(Protocol):
    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        """Post the notification (or update `notification.replaces`); return a reference to the message."""
        ...
