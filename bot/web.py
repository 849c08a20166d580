"""The web app (FastAPI under uvicorn): Slack on /slack/events (and OAuth installs), Teams on
/api/messages, and /healthz.

Signatures are checked here first, before Bolt parses anything: a forged or stale request gets a
bare 401 whatever its body, and a signed request that cannot be parsed gets a polite 200 instead
of a stack trace.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.config import Settings
from bot.i18n import gettext
from bot.runtime import school_defaults
from bot.slack.app import build_app
from bot.slack.deps import UNREADABLE, Deps, log_failure
from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.slack.payloads import well_formed
from handlers.delivery import Notifier
from handlers.dispatch import Core
from models.db import Database

log = logging.getLogger("mentorbot.web")


def create_web_app(settings: Settings, db: Database, notifier: Notifier) -> FastAPI:
    """/healthz, plus Slack and Teams for whichever of them is configured."""
    api = FastAPI(title="mentorbot", docs_url=None, redoc_url=None, openapi_url=None)

    @api.get("/healthz")
    async def healthz() -> Response:
        try:
            await asyncio.to_thread(_ping, db)
        except Exception as exc:
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    defaults = school_defaults(settings)
    if settings.slack_configured:
        _mount_slack(api, settings, Deps(Core(db, defaults, notifier)))
    if settings.teams_enabled:
        from bot.teams.app import teams_router

        api.include_router(teams_router(settings, db, defaults, notifier))
    return api


def _mount_slack(api: FastAPI, settings: Settings, deps: Deps) -> None:
    slack = AsyncSlackRequestHandler(build_app(settings, deps))
    verifier = SignatureVerifier(settings.slack_signing_secret)

    @api.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if not verifier.is_valid_request(body, dict(request.headers)):
            return PlainTextResponse("invalid signature", status_code=401)
        if not well_formed(body, request.headers.get("content-type", "")):
            log.warning("/slack/events: a signed request of the wrong shape was refused")
            return JSONResponse(
                {"response_type": "ephemeral", "text": gettext(deps.defaults.language, UNREADABLE)}
            )
        try:
            return await slack.handle(request)
        except Exception as exc:
            log_failure("/slack/events", exc)
            return JSONResponse(
                {"response_type": "ephemeral", "text": gettext(deps.defaults.language, UNREADABLE)}
            )

    if settings.slack_oauth:

        @api.get(INSTALL_PATH)
        async def slack_install(request: Request) -> Response:
            return await slack.handle(request)

        @api.get(REDIRECT_PATH)
        async def slack_oauth_redirect(request: Request) -> Response:
            return await slack.handle(request)


def _ping(db: Database) -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
