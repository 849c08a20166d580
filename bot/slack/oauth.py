"""Installing the app into several workspaces (OAuth): slack_sdk's SQLAlchemy stores in our database.

slack_sdk's SQLAlchemy stores are synchronous, like the rest of our database code; Bolt's AsyncApp
wants async stores, so thin adapters run each call in a worker thread. Their tables are created by
migration 0004. The person who installs the app becomes the school's first coordinator.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.slack.deps import PLATFORM, Deps
from handlers.actors import Caller
from handlers.dispatch import Core
from handlers.results import Outcome
from models.db import Database

log = logging.getLogger("mentorbot.slack")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600
# Keep in step with bot/slack/manifest.yml.
BOT_SCOPES = ["commands", "chat:write", "im:write"]


class ThreadedInstallationStore(AsyncInstallationStore):
    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        return await asyncio.to_thread(lambda: self.store.find_bot(**kwargs))

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        return await asyncio.to_thread(lambda: self.store.find_installation(**kwargs))

    async def async_delete_bot(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_bot(**kwargs))

    async def async_delete_installation(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_installation(**kwargs))


class ThreadedStateStore(AsyncOAuthStateStore):
    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def installation_store(client_id: str, db: Database) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=client_id, engine=db.engine, logger=log)


def oauth_settings(client_id: str, client_secret: str, deps: Deps) -> AsyncOAuthSettings:
    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        workspace = installation.team_id or installation.enterprise_id
        if workspace and installation.user_id:
            await asyncio.to_thread(_make_coordinator, deps, workspace, installation.user_id)
        return await args.default.success(args)

    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=BOT_SCOPES,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=ThreadedInstallationStore(installation_store(client_id, deps.db)),
        state_store=ThreadedStateStore(
            SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=deps.db.engine, logger=log)
        ),
        callback_options=AsyncCallbackOptions(success=success, failure=_failure),
    )


async def _failure(args: Any) -> BoltResponse:
    return await args.default.failure(args)


def _make_coordinator(deps: Deps, workspace_id: str, user_id: str) -> None:
    """The installer is a coordinator from the start, as if listed in MENTORBOT_COORDINATORS."""
    defaults = replace(deps.defaults, coordinators=deps.defaults.coordinators | {user_id})
    Core(deps.db, defaults).run(Caller(PLATFORM, workspace_id, user_id), lambda _s, _a, _n: Outcome())


def bot_token_finder(client_id: str, db: Database) -> Callable[[str], str | None]:
    """For the notifier: a workspace's bot token from the installation store."""
    store = installation_store(client_id, db)

    def token_for(workspace_id: str) -> str | None:
        bot = store.find_bot(enterprise_id=None, team_id=workspace_id)
        return bot.bot_token if bot else None

    return token_for
