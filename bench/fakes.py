"""A zero-latency fake chat platform: takes every message at once and only counts it."""

from __future__ import annotations

import threading

from handlers.results import Destination, DuePrompt, Notification


class CountingNotifier:
    def __init__(self) -> None:
        self.messages = 0
        self.prompts = 0  # mentees named in "time to check in" messages
        self.alerts = 0
        self._lock = threading.Lock()

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        with self._lock:
            self.messages += 1
            content = notification.content
            if isinstance(content, DuePrompt) and not content.reminder:
                self.prompts += len(content.mentees)
            elif type(content).__name__ == "AlertNotice":
                self.alerts += 1
            return f"ts-{self.messages}"
