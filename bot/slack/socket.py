"""Socket Mode: the same Bolt app over a WebSocket, for development behind a firewall (no public URL)."""

from __future__ import annotations

import asyncio

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.config import Settings
from bot.runtime import school_defaults
from bot.slack.app import build_app
from bot.slack.deps import Deps
from handlers.delivery import Notifier
from handlers.dispatch import Core
from models.db import Database


def run_socket_mode(settings: Settings, db: Database, notifier: Notifier) -> None:
    app = build_app(settings, Deps(Core(db, school_defaults(settings), notifier)), socket_mode=True)

    async def main() -> None:
        await AsyncSocketModeHandler(app, settings.slack_app_token).start_async()

    asyncio.run(main())
