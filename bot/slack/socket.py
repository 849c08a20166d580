"""Socket Mode: the same Bolt app over a WebSocket, for development behind a firewall (no public URL)."""

from __future__ import annotations

import asyncio

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.config import Settings
from bot.runtime import school_defaults
from bot.slack.app import build_app, share_session
from bot.slack.deps import Deps
from handlers.delivery import Notifier
from handlers.dispatch import Core
from models.db import Database


def run_socket_mode(settings: Settings, db: Database, notifier: Notifier) -> None:
    deps = Deps(Core(db, school_defaults(settings), notifier), settings.queue_limit)
    app = build_app(settings, deps, socket_mode=True)

    async def main() -> None:
        # The worker that does the changes acked over the socket; it first takes up what was left.
        assert deps.worker is not None
        deps.worker.start()
        share_session(app, deps)
        try:
            await AsyncSocketModeHandler(app, settings.slack_app_token).start_async()
        finally:
            await deps.worker.stop()
            await deps.http.close()

    asyncio.run(main())
