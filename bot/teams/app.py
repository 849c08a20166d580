"""The Teams endpoint, POST /api/messages, as a FastAPI router to mount in the shared web app.

    from bot.teams.app import teams_router
    app.include_router(teams_router(settings, db, defaults, notifier))

Every request's token is checked before its body is even read (401 otherwise, nothing done); the
body is then read up to `bot.inbound.MAX_BODY` (413 beyond) and parsed with bounded nesting. A
message (and an install or a team's change) is stored as a job and Teams gets 200 at once: the
worker (`bot/worker.py`) runs it and posts the answer through the connector. A card button's
invoke is answered in its response, so it runs at once, in a worker thread, because the handlers
are plain synchronous code and the event loop must never block. 400 for what is not an activity,
403 for another tenant; a full queue is answered politely in the chat ("busy, try again").
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot import inbound
from bot.config import Settings
from bot.teams.auth import InboundAuth, Unauthorized
from bot.teams.bot import PLATFORM, Forbidden, Malformed, TeamsBot
from bot.teams.connector import build_connector
from bot.teams.notifier import TeamsNotifier
from bot.worker import Queue, Worker
from handlers.actors import SchoolDefaults
from handlers.delivery import Notifier
from handlers.failures import log_failure
from handlers.jobs import Accepted, QueuedJob, new_key
from models.db import Database

log = logging.getLogger("mentorbot.teams")
NOT_AN_ACTIVITY = {"error": "This is not an activity I can read."}


class _Answer(JSONResponse):
    """JSON in ASCII: an answer that echoes half a surrogate pair someone sent is still sendable."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode()


# Answered later, through the connector: queued. An invoke's answer is its HTTP response.
QUEUED = ("message", "conversationUpdate", "installationUpdate")


def router(bot: TeamsBot, auth: InboundAuth, queue: Queue) -> APIRouter:
    routes = APIRouter()

    async def run(job: QueuedJob) -> None:
        await asyncio.to_thread(bot.handle, job.payload["activity"])

    queue.worker.serve(PLATFORM, run)

    @routes.post("/api/messages")
    async def messages(request: Request) -> Response:
        try:
            claims = await run_in_threadpool(auth.claims, request.headers.get("authorization"))
        except Unauthorized:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        try:
            body = await inbound.read_body(request)
        except inbound.TooLarge:
            return JSONResponse({"error": "This request is too large."}, status_code=413)
        try:
            raw: Any = inbound.loads(body)
        except ValueError:
            raw = None
        service_url = raw.get("serviceUrl") if isinstance(raw, dict) else None
        if not isinstance(service_url, str) or not service_url:
            return JSONResponse(NOT_AN_ACTIVITY, status_code=400)
        try:
            auth.check_service_url(claims, service_url)
        except Unauthorized:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        try:
            kind, key = bot.admit(raw)
            if kind in QUEUED:
                if (
                    await queue.put(key or new_key(PLATFORM), PLATFORM, kind, {"activity": raw})
                    is Accepted.BUSY
                ):
                    await run_in_threadpool(bot.busy, raw)
                return Response(status_code=200)
            answer = await run_in_threadpool(bot.handle, raw)
        except Malformed:
            return JSONResponse(NOT_AN_ACTIVITY, status_code=400)
        except Forbidden:
            return JSONResponse({"error": "This bot serves another Microsoft 365 tenant."}, status_code=403)
        except Exception as exc:  # the bot answers every failure itself; this is the last guard
            log_failure("/api/messages", exc, log)
            return JSONResponse({"error": "Something went wrong on our side."}, status_code=500)
        if answer is None:
            return Response(status_code=200)
        return _Answer(answer, status_code=200)

    return routes


def teams_router(
    settings: Settings,
    db: Database,
    defaults: SchoolDefaults,
    notifier: Notifier | None = None,
    http: httpx.Client | None = None,
    queue: Queue | None = None,
) -> APIRouter:
    """Everything Teams needs, from the configuration; `notifier` should be the web app's shared one,
    `queue` the one its worker serves (a worker of its own otherwise, started by the first request)."""
    http = http or httpx.Client()
    connector = build_connector(settings, http)
    auth = InboundAuth(settings.teams_app_id, settings.teams_openid_metadata_url, http)
    bot = TeamsBot(
        db, defaults, settings.teams_tenant_id, connector, notifier or TeamsNotifier(db, connector)
    )
    return router(bot, auth, queue or Queue(Worker(db), settings.queue_limit))
