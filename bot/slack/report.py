"""`report` in Slack: the chart goes to the coordinator's direct messages as a file.

A slash command's answer is ephemeral and cannot carry a file, so the figures are answered there
and the chart is uploaded to the DM with Slack's upload flow (files.getUploadURLExternal, the
bytes to the URL it gives, files.completeUploadExternal: slack_sdk's `files_upload_v2`). The app
needs the `files:write` scope for it.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.reports.chat import chart_file_name, month_chart, month_heading
from bot.reports.text import Words
from bot.slack.deps import off_loop
from handlers.results import MonthReport
from models.messages import N_, Message, msg

log = logging.getLogger("mentorbot.slack")

CHART_SENT = N_("The chart is in your direct messages with me.")
CHART_NOT_SENT = N_("I could not send the chart just now; the figures above are complete.")


async def upload_chart(client: AsyncWebClient, user_id: str, language: str, report: MonthReport) -> Message:
    """Upload the report's chart to `user_id`'s DM; what to tell them about it."""
    chart = await off_loop(month_chart, language, report)
    try:
        opened = await client.conversations_open(users=user_id)
        await client.files_upload_v2(
            channel=opened["channel"]["id"],
            content=chart.png,
            filename=chart_file_name(report),
            title=chart.title,
            alt_txt=chart.alt,
            initial_comment=month_heading(Words(language), report),
        )
    except (SlackApiError, SlackClientError, OSError, KeyError, TypeError) as exc:
        log.warning("could not upload the report chart: %s", type(exc).__name__)
        return msg(CHART_NOT_SENT)
    return msg(CHART_SENT)
