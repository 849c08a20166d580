"""Delivering notifications to Slack: to a person (a DM from the app) or a channel.

`SlackNotifier` implements `handlers.delivery.Notifier` with slack_sdk's synchronous client; the
outbox deliverer (`schedules/outbox.py`) calls it from a worker thread, right after a listener's
use case and on every clock tick. A message reference is "channel:ts", which is what chat.update
needs to change the message in place later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.config import Settings
from bot.slack.blocks import notification_content
from bot.slack.oauth import bot_token_finder
from bot.slack.stamps import stamp
from handlers.delivery import DeliveryFailed
from handlers.results import Destination, Notification
from models.db import Database

log = logging.getLogger("mentorbot.slack")


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_ref(ref: str, default_channel: str) -> tuple[str, str]:
    channel, _, ts = ref.rpartition(":")
    return (channel or default_channel), ts


# Seconds to wait for Slack; a delivery that times out stays in the outbox and is tried again.
CLIENT_TIMEOUT = 10


class SlackNotifier:
    """Posts (or updates) notifications through Slack's Web API; `token_for` finds a workspace's bot token."""

    def __init__(
        self, token_for: Callable[[Destination], str | None], api_url: str, language: str = "sv"
    ) -> None:
        self.token_for = token_for
        self.api_url = api_url
        self.language = language

    def _client(self, destination: Destination) -> WebClient:
        token = self.token_for(destination)
        if not token:
            raise DeliveryFailed("no bot token for this workspace (is the app installed?)")
        client = WebClient(token=token, base_url=self.api_url, timeout=CLIENT_TIMEOUT)
        # Slack answers 429 when we post too fast (a Monday-morning prompt round); wait and retry.
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        return client

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        client = self._client(destination)
        # Its buttons carry the school, so a press acts there (`bot/slack/stamps.py`).
        content = stamp(notification_content(self.language, notification), destination)
        try:
            if notification.replaces:
                channel, ts = split_ref(notification.replaces, notification.to.id)
                response = client.chat_update(
                    channel=channel, ts=ts, text=content.text, blocks=content.blocks
                )
            else:
                response = client.chat_postMessage(
                    channel=notification.to.id, text=content.text, blocks=content.blocks
                )
        except (SlackApiError, SlackClientError) as exc:
            raise DeliveryFailed(_reason(exc)) from None
        return message_ref(str(response.get("channel") or notification.to.id), str(response.get("ts") or ""))


def slack_notifier(settings: Settings, db: Database) -> SlackNotifier:
    """One workspace's bot token, or each installed workspace's own (OAuth)."""
    if settings.slack_oauth:
        token_for = bot_token_finder(settings.slack_client_id, db)
    else:
        token = settings.slack_bot_token

        def token_for(_destination: Destination) -> str | None:
            return token

    return SlackNotifier(token_for, settings.slack_api_url, settings.language)


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_api_error")
    return type(exc).__name__
