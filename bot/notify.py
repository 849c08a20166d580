"""Notifiers: deliver notifications on the platform a school lives on (the `handlers.delivery` port)."""

from __future__ import annotations

import threading
from typing import TextIO

from bot.render_text import render_notification
from bot.schools import with_school_prefix
from handlers.delivery import DeliveryFailed, Notifier
from handlers.results import Destination, Notification


class TextNotifier:
    """Console schools: print what would be sent, as `[→ @anna] ...` (`[Norrskolan] [→ @anna] ...`
    where the workspace holds several schools)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()  # the clock's thread and the console share the terminal

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        with self._lock:
            text = render_notification(notification.language or "sv", notification)
            print(with_school_prefix(text, destination), file=self.out, flush=True)
        return None


class PlatformNotifier:
    """Routes each notification to the notifier of its school's platform."""

    def __init__(self, notifiers: dict[str, Notifier]) -> None:
        self.notifiers = notifiers

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        notifier = self.notifiers.get(destination.platform)
        if notifier is None:
            # Kept in the outbox and retried: the platform may be configured after a restart.
            raise DeliveryFailed(f"no notifier configured for platform {destination.platform!r}")
        return notifier.deliver(destination, notification)
