"""The Teams notifier: prompts, reminders, digests and alerts, sent through stored conversation references.

A person is written to in their 1:1 chat with the bot, captured when the app was installed for
them or they first wrote to it; a channel is written to where `eht` was run. Without a reference
the message stays in the outbox and is tried again (the IT person can install the app for everyone,
see README "Install in Teams"). An alert that changes is updated in place (PUT), not posted anew.
"""

from __future__ import annotations

from bot.teams import references
from bot.teams.connector import Connector
from bot.teams.messages import content_activity, with_names
from bot.teams.stamps import stamp_activity
from handlers.delivery import DeliveryFailed
from handlers.results import Destination, Notification
from models import ReferenceKind
from models.db import Database


class TeamsNotifier:
    def __init__(self, db: Database, connector: Connector) -> None:
        self.db = db
        self.connector = connector

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        tenant = destination.workspace_id
        kind = ReferenceKind(notification.to.kind.value)
        reference = references.find(self.db, tenant, kind, notification.to.id)
        if reference is None:
            raise DeliveryFailed(f"no Teams conversation with this {kind.value} yet")
        language = notification.language or "sv"
        # Its buttons carry the school, so a press acts there (bot/teams/stamps.py).
        activity = stamp_activity(content_activity(language, notification.content), destination)
        activity = with_names(activity, references.display_names(self.db, tenant), language)
        if notification.replaces:
            self.connector.update(
                reference.service_url, reference.conversation_id, notification.replaces, activity
            )
            return notification.replaces
        return self.connector.send(reference.service_url, reference.conversation_id, activity)
