"""Answering the person who acted, privately: through the request's response_url when there is one
(slash commands, buttons), otherwise as an ephemeral message in the channel, otherwise as a DM.

The response_url is posted to over the client's own HTTP session (one per process,
`bot/sessions.py`), not a session opened for each answer as Bolt's `respond` does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.blocks import Content, message_content, reply_blocks
from bot.slack.stamps import stamp
from handlers.results import Destination, Reply
from models.messages import Message

log = logging.getLogger("mentorbot.slack")


async def answer(
    body: Mapping[str, Any],
    client: AsyncWebClient,
    user_id: str,
    content: Content,
) -> None:
    if not content.text and not content.blocks:
        return
    try:
        response_url = body.get("response_url")
        if isinstance(response_url, str) and response_url:
            webhook = AsyncWebhookClient(response_url, session=client.session)
            await webhook.send(
                text=content.text, blocks=content.blocks, response_type="ephemeral", replace_original=False
            )
            return
        channel = _channel_of(body)
        if channel:
            await client.chat_postEphemeral(
                channel=channel, user=user_id, text=content.text, blocks=content.blocks
            )
        else:
            await client.chat_postMessage(channel=user_id, text=content.text, blocks=content.blocks)
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("could not answer the user: %s", type(exc).__name__)


async def answer_replies(
    body: Mapping[str, Any],
    client: AsyncWebClient,
    user_id: str,
    language: str,
    replies: Iterable[Reply],
    destination: Destination | None = None,
) -> None:
    """`destination`: the school the answer is about (`Outcome.destination`), named where one has several."""
    content = reply_blocks(language, replies)
    await answer(body, client, user_id, stamp(content, destination))


async def answer_message(
    body: Mapping[str, Any],
    client: AsyncWebClient,
    user_id: str,
    language: str,
    message: Message,
) -> None:
    await answer(body, client, user_id, message_content(language, message))


def _channel_of(body: Mapping[str, Any]) -> str | None:
    channel = body.get("channel_id")
    if isinstance(channel, str):
        return channel
    nested = body.get("channel")
    if isinstance(nested, Mapping) and isinstance(nested.get("id"), str):
        return nested["id"]
    return None
