"""Installing the app into several workspaces (OAuth): slack_sdk's SQLAlchemy stores in our database.

slack_sdk's SQLAlchemy stores are synchronous, like the rest of our database code; Bolt's AsyncApp
wants async stores, so thin adapters run each call in a worker thread. Their tables are created by
migration 0004.

The person who first installs the app into a workspace becomes that school's first coordinator;
installing again changes no roles (handlers/installs.py). Enterprise Grid follows slack_sdk's
installation store: a workspace of a Grid org is installed as (enterprise id, team id) with its own
bot token, a whole org at once as (enterprise id, no team) with one org token. A school is always
one workspace (its team id) and keeps its org's id beside it, so requests, the notifier's token
and the installer's role all find the same school.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.slack.deps import PLATFORM, Deps, log_failure
from handlers.installs import app_installed
from handlers.results import Destination
from models.base import utcnow
from models.db import Database

log = logging.getLogger("mentorbot.slack")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600
# Keep in step with bot/slack/manifest.yml.
BOT_SCOPES = ["commands", "chat:write", "im:write", "files:write"]


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
        try:
            await asyncio.to_thread(_installed, deps, args.installation)
        except Exception as exc:  # the install itself is stored; only the role and audit are missing
            log_failure("recording the install", exc)
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


def _installed(deps: Deps, installation: Installation) -> None:
    if not installation.user_id:
        return
    # An org-wide install names no workspace; its installer's school is found when they act.
    workspace = None if installation.is_enterprise_install else installation.team_id
    app_installed(
        deps.db,
        deps.defaults,
        utcnow(),
        PLATFORM,
        installation.user_id,
        workspace,
        installation.enterprise_id,
    )


def bot_token_finder(client_id: str, db: Database) -> Callable[[Destination], str | None]:
    """For the notifier: the bot token of a school's workspace from the installation store.

    The workspace's own install first (a stand-alone workspace, or one workspace of a Grid org),
    else the org-wide install of its Grid org, as Bolt's authorize finds them for requests.
    """
    store = installation_store(client_id, db)

    def token_for(destination: Destination) -> str | None:
        bot = store.find_bot(enterprise_id=destination.enterprise_id, team_id=destination.workspace_id)
        if bot is None and destination.enterprise_id:
            bot = store.find_bot(
                enterprise_id=destination.enterprise_id, team_id=None, is_enterprise_install=True
            )
        return bot.bot_token if bot else None

    return token_for
