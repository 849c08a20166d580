"""Delivering notifications to Slack: to a person (a DM from the app) or a channel.

`SlackNotifier` implements `handlers.delivery.Notifier` for the clock, with slack_sdk's synchronous
client; `deliver_outcome` does the same from inside a Bolt listener with its async client (which
already carries the right workspace's token). A message reference is "channel:ts", which is what
chat.update needs to change the message in place later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import notification_content
from handlers.delivery import DeliveryFailed
from handlers.results import Destination, Notification, Outcome

log = logging.getLogger("mentorbot.slack")


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_ref(ref: str, default_channel: str) -> tuple[str, str]:
    channel, _, ts = ref.rpartition(":")
    return (channel or default_channel), ts


class SlackNotifier:
    """Posts (or updates) notifications through Slack's Web API; `token_for` finds a workspace's bot token."""

    def __init__(self, token_for: Callable[[str], str | None], api_url: str, language: str = "sv") -> None:
        self.token_for = token_for
        self.api_url = api_url
        self.language = language

    def _client(self, workspace_id: str) -> WebClient:
        token = self.token_for(workspace_id)
        if not token:
            raise DeliveryFailed("no bot token for this workspace (is the app installed?)")
        client = WebClient(token=token, base_url=self.api_url)
        # Slack answers 429 when we post too fast (a Monday-morning prompt round); wait and retry.
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        return client

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        client = self._client(destination.workspace_id)
        content = notification_content(self.language, notification)
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


async def deliver_outcome(client: AsyncWebClient, outcome: Outcome) -> None:
    """Send an outcome's notifications from a listener; a failed one is logged and the rest still go."""
    for notification in outcome.notifications:
        content = notification_content(outcome.language, notification)
        try:
            if notification.replaces:
                channel, ts = split_ref(notification.replaces, notification.to.id)
                await client.chat_update(channel=channel, ts=ts, text=content.text, blocks=content.blocks)
            else:
                await client.chat_postMessage(
                    channel=notification.to.id, text=content.text, blocks=content.blocks
                )
        except (SlackApiError, SlackClientError) as exc:
            # Only the API's error code: message texts may name students.
            log.warning("notification not delivered (%s): %s", notification.to.kind.value, _reason(exc))


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_api_error")
    return type(exc).__name__
