"""The web app (FastAPI under uvicorn): Slack on /slack/events (and OAuth installs), Teams on
/api/messages, and /healthz.

Signatures are checked here first, before Bolt parses anything: a request without Slack's
signature headers gets a bare 401 before its body is read, a body over `bot.inbound.MAX_BODY` a
413 while it streams in, a forged or stale one a 401, and a signed request that cannot be parsed
(or is nested deeper than any Slack payload) a polite 200 instead of a stack trace. Whatever
still fails is logged as where, never what (`handlers.failures`), and answered 500.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import inbound
from bot.config import Settings, load_settings
from bot.i18n import gettext
from bot.logs import configure_logging
from bot.runtime import build_notifier, open_database, school_defaults
from bot.slack.app import build_app, share_session
from bot.slack.deps import UNREADABLE, Deps
from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.slack.payloads import well_formed
from bot.worker import Queue, Worker
from handlers.delivery import Notifier
from handlers.dispatch import Core
from handlers.failures import log_failure
from models.db import Database

log = logging.getLogger("mentorbot.web")
SIGNATURE_HEADERS = ("x-slack-signature", "x-slack-request-timestamp")


def app_from_environment() -> FastAPI:
    """The app of one of `serve --workers N`'s web processes: its own settings, database pool and
    notifier, from the same environment; the supervising process has upgraded the database."""
    settings = load_settings()
    configure_logging(settings.log_level)
    db = open_database(settings, upgrade=False)
    return create_web_app(settings, db, build_notifier(settings, db, sys.stdout))


def create_web_app(settings: Settings, db: Database, notifier: Notifier) -> FastAPI:
    """/healthz, plus Slack and Teams for whichever of them is configured, and the worker that does
    the changes they ack (`bot/worker.py`): started with the app, or by its first request where the
    server runs no lifespan, and stopped (its HTTP sessions closed) when the app shuts down."""
    worker = Worker(db)
    starts: list[Callable[[], None]] = [worker.start]
    stops: list[Callable[[], Awaitable[None]]] = [worker.stop]

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for start in starts:
            start()
        yield
        for stop in stops:
            await stop()

    api = FastAPI(title="mentorbot", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    api.add_middleware(_LastGuard, starts=starts)

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
        deps = Deps(Core(db, defaults, notifier), settings.queue_limit, worker)
        bolt = build_app(settings, deps)
        starts.append(partial(share_session, bolt, deps))
        stops.append(deps.http.close)
        _mount_slack(api, settings, deps, bolt)
    if settings.teams_enabled:
        from bot.teams.app import teams_router

        http = httpx.Client()
        api.include_router(
            teams_router(settings, db, defaults, notifier, http, Queue(worker, settings.queue_limit))
        )
        stops.append(partial(asyncio.to_thread, http.close))
    return api


def _mount_slack(api: FastAPI, settings: Settings, deps: Deps, bolt: AsyncApp) -> None:
    slack = AsyncSlackRequestHandler(bolt)
    verifier = SignatureVerifier(settings.slack_signing_secret)

    @api.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        if not all(request.headers.get(name) for name in SIGNATURE_HEADERS):
            return PlainTextResponse("invalid signature", status_code=401)
        try:
            body = await inbound.read_body(request)
        except inbound.TooLarge:
            return PlainTextResponse("request too large", status_code=413)
        if not verifier.is_valid_request(body, dict(request.headers)):
            return PlainTextResponse("invalid signature", status_code=401)
        if not well_formed(body, request.headers.get("content-type", "")):
            log.warning("/slack/events: a signed request of the wrong shape was refused")
            return JSONResponse(
                {"response_type": "ephemeral", "text": gettext(deps.defaults.language, UNREADABLE)}
            )
        try:
            return await slack.handle(inbound.replayed(request, body))
        except Exception as exc:
            log_failure("/slack/events", exc, log)
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


class _LastGuard:
    """Starts the worker (and shares the HTTP session) on the first request where the server runs no
    lifespan; and answers an uncaught error with a plain 500, logged as where, never what (not the
    server's report, which quotes the error's message). Plain ASGI: Starlette's `BaseHTTPMiddleware`
    costs a task and a stream per request."""

    def __init__(self, app: ASGIApp, starts: list[Callable[[], None]]) -> None:
        self.app = app
        self.starts = starts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for start in self.starts:
            start()
        answered = False

        async def sending(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            log_failure(str(scope.get("path", "")), exc, log)
            if not answered:
                sorry = PlainTextResponse("Sorry, something went wrong on our side.", status_code=500)
                await sorry(scope, receive, send)


def _ping(db: Database) -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
