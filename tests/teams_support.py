"""Teams without Microsoft: a fake Bot Framework on 127.0.0.1, signed test tokens, and a client.

`FakeMicrosoft` plays every Microsoft endpoint the bot talks to:
- the OpenID metadata and the key set (JWKS) that inbound tokens are checked against
- the token endpoint where the bot gets its own token (client credentials)
- the connector, recording each activity the bot posts (POST) or updates (PUT), by conversation,
  and answering for a team's roster (`rosters`, paged two members at a time)

`TeamsUser` makes the activities a person's Teams client would send, signed like Teams signs them.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.serving import serving

APP_ID = "11111111-2222-4333-8444-555555555555"
TENANT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
BOT_ID = f"28:{APP_ID}"
# Teams refuses a message bigger than about 28 KB, images inline (base64) included.
MESSAGE_MAX_BYTES = 28_000
TEAM = "19:team@thread.tacv2"
ISSUER = "https://api.botframework.com"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
UNKNOWN_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Posted:
    """An activity the bot sent; `updates` are the versions PUT over it later, newest last."""

    conversation_id: str
    activity_id: str
    activity: dict[str, Any]
    reply_to: str | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current(self) -> dict[str, Any]:
        return self.updates[-1] if self.updates else self.activity

    @property
    def text(self) -> str:
        return activity_text(self.current)


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return attachment["content"]
    return None


def texts_in(value: Any) -> list[str]:
    """Every text a reader sees in a card: text blocks, fact titles and values, labels, button titles."""
    found: list[str] = []
    if isinstance(value, dict):
        found += [value[key] for key in ("text", "title", "label") if isinstance(value.get(key), str)]
        if value.get("type") is None and isinstance(value.get("value"), str):
            found.append(value["value"])  # a fact's value
        for key, inner in value.items():
            if key not in ("data", "fallbackText", "choices"):
                found += texts_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found += texts_in(inner)
    return found


def activity_text(activity: dict[str, Any]) -> str:
    card = card_of(activity)
    parts = [activity.get("text") or ""] + (
        texts_in(card.get("body", []) + card.get("actions", [])) if card else []
    )
    return "\n".join(p for p in parts if p)


def nested(value: Any) -> Iterator[Any]:
    """The value and everything inside it, depth first (a card's elements, their actions, …)."""
    yield value
    if isinstance(value, dict):
        for inner in value.values():
            yield from nested(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from nested(inner)


def card_inputs(card: dict[str, Any]) -> dict[str, Any]:
    """The values a card's inputs start with, by input id (those with none left out)."""
    found: dict[str, Any] = {}
    for value in nested(card):
        if isinstance(value, dict) and str(value.get("type", "")).startswith("Input."):
            start = value.get("value")
            if start is not None:
                # A number field's 2.0 reads (and is sent) as 2.
                found[value["id"]] = int(start) if isinstance(start, float) and start.is_integer() else start
    return found


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The card's Action.Execute buttons by title, with their data."""
    return {
        value["title"]: value.get("data") or {}
        for value in nested(card)
        if isinstance(value, dict) and value.get("type") == "Action.Execute"
    }


class FakeMicrosoft:
    def __init__(self) -> None:
        self.posted: list[Posted] = []
        self.tokens_issued = 0
        self.fail_connector = False
        # Team id -> its members as Teams lists them (id, name, aadObjectId).
        self.rosters: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.app = self._build()

    def _build(self) -> FastAPI:
        app = FastAPI()
        fake = self

        @app.get("/openid")
        async def openid(request: Request) -> dict[str, Any]:
            base = str(request.base_url).rstrip("/")
            return {
                "issuer": ISSUER,
                "jwks_uri": f"{base}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/keys")
        async def keys() -> dict[str, Any]:
            key = jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key(), as_dict=True)
            return {"keys": [{**key, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

        @app.post("/{tenant}/token")
        async def token(tenant: str, request: Request) -> JSONResponse:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            if tenant != TENANT or form.get("client_id") != APP_ID or form.get("client_secret") != "s3cret":
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            with fake._lock:
                fake.tokens_issued += 1
            return JSONResponse({"access_token": "bot-token", "token_type": "Bearer", "expires_in": 3600})

        def authorised(request: Request) -> bool:
            return request.headers.get("authorization") == "Bearer bot-token"

        @app.post("/v3/conversations/{conversation_id}/activities")
        @app.post("/v3/conversations/{conversation_id}/activities/{reply_to}")
        async def post(conversation_id: str, request: Request, reply_to: str | None = None) -> JSONResponse:
            if not authorised(request):
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            if fake.fail_connector:
                return JSONResponse({"error": "down"}, status_code=503)
            if len(await request.body()) > MESSAGE_MAX_BYTES:
                return JSONResponse({"error": {"code": "MessageSizeTooBig"}}, status_code=413)
            activity = await request.json()
            with fake._lock:
                activity_id = f"act-{len(fake.posted) + 1}"
                fake.posted.append(Posted(conversation_id, activity_id, activity, activity.get("replyToId")))
            return JSONResponse({"id": activity_id})

        @app.get("/v3/conversations/{team_id}/pagedmembers")
        async def roster(team_id: str, request: Request) -> JSONResponse:
            if not authorised(request):
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            if team_id not in fake.rosters:
                return JSONResponse({"error": "not found"}, status_code=404)
            start = int(request.query_params.get("continuationToken") or 0)
            members = fake.rosters[team_id][start : start + 2]
            more = start + 2 < len(fake.rosters[team_id])
            return JSONResponse(
                {"members": members, **({"continuationToken": str(start + 2)} if more else {})}
            )

        @app.put("/v3/conversations/{conversation_id}/activities/{activity_id}")
        async def put(conversation_id: str, activity_id: str, request: Request) -> JSONResponse:
            if not authorised(request):
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            activity = await request.json()
            with fake._lock:
                for posted in fake.posted:
                    if posted.activity_id == activity_id and posted.conversation_id == conversation_id:
                        posted.updates.append(activity)
                        return JSONResponse({"id": activity_id})
            return JSONResponse({"error": "not found"}, status_code=404)

        return app

    def in_conversation(self, conversation_id: str) -> list[Posted]:
        with self._lock:
            return [p for p in self.posted if p.conversation_id == conversation_id]

    def clear(self) -> None:
        with self._lock:
            self.posted.clear()


def sign(claims: dict[str, Any], key: rsa.RSAPrivateKey = SIGNING_KEY, kid: str = "test-key") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def teams_token(service_url: str, **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 10,
        "iat": now - 10,
        "exp": now + 600,
    }
    claims.update(changes)
    return sign(claims)


def aad_of(name: str) -> str:
    """A person's Entra object id in the test tenant, which is their member user id in mentorbot."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.example.org"))


@dataclass
class Answer:
    status: int
    body: Any

    @property
    def card(self) -> dict[str, Any] | None:
        if isinstance(self.body, dict) and self.body.get("type") == "application/vnd.microsoft.card.adaptive":
            return self.body["value"]
        return None

    @property
    def text(self) -> str:
        if self.card is not None:
            return "\n".join(texts_in(self.card.get("body", [])))
        if isinstance(self.body, dict) and isinstance(self.body.get("value"), str):
            return self.body["value"]
        return ""


class TeamsUser:
    """A person in the school's tenant, sending what their Teams client would send to the bot."""

    def __init__(
        self, name: str, bot_url: str, service_url: str, settled: Callable[[], None] = lambda: None
    ) -> None:
        self.name = name
        # Waits until the bot has done what it queued (a message is answered after its 200).
        self.settled = settled
        self.aad_id = aad_of(name)
        self.teams_id = f"29:1{name}-teams-id"
        self.personal_chat = f"a:personal-{name}"
        self.bot_url = bot_url
        self.service_url = service_url
        self._ids = 0

    def _base(self, conversation: dict[str, Any], **fields: Any) -> dict[str, Any]:
        self._ids += 1
        return {
            "id": f"{self.name}-{self._ids}",
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": self.teams_id, "name": self.name.title(), "aadObjectId": self.aad_id},
            "recipient": {"id": BOT_ID, "name": "mentorbot"},
            "conversation": {"tenantId": TENANT, **conversation},
            "channelData": {"tenant": {"id": TENANT}},
            **fields,
        }

    def personal(self, **fields: Any) -> dict[str, Any]:
        return self._base({"id": self.personal_chat, "conversationType": "personal"}, **fields)

    def send(self, activity: dict[str, Any], token: str | None = "valid") -> Answer:
        self.last_activity = activity
        headers = {}
        if token == "valid":
            token = teams_token(self.service_url)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = httpx.post(f"{self.bot_url}/api/messages", json=activity, headers=headers, timeout=30)
        self.settled()
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return Answer(response.status_code, body)

    def install(self) -> Answer:
        return self.send(self.personal(type="installationUpdate", action="add"))

    def resend(self) -> Answer:
        """The last activity again, same id: what Teams does when our answer took over 15 s."""
        return self.send(self.last_activity)

    def as_member(self) -> dict[str, Any]:
        """This person as a team's roster lists them."""
        return {"id": self.teams_id, "name": self.name.title(), "aadObjectId": self.aad_id}

    def in_team(self, **fields: Any) -> dict[str, Any]:
        """An activity in the team's General channel (which Teams sends without a channel name)."""
        activity = self._base({"id": f"{TEAM};messageid=root", "conversationType": "channel"}, **fields)
        activity["channelData"] = {"tenant": {"id": TENANT}, "team": {"id": TEAM}, "channel": {"id": TEAM}}
        return activity

    def add_bot_to_team(self) -> Answer:
        """Install the app in the team: Teams says the bot was added to it."""
        added = [{"id": BOT_ID}]
        return self.send(self.in_team(type="conversationUpdate", membersAdded=added))

    def say(self, text: str, mentions: list[TeamsUser] = ()) -> Answer:
        """A 1:1 message; `@name` of a user in `mentions` becomes a real Teams mention."""
        entities = []
        for person in mentions:
            tag = f"<at>{person.name.title()}</at>"
            text = text.replace(f"@{person.name}", tag)
            entities.append(
                {
                    "type": "mention",
                    "text": tag,
                    "mentioned": {"id": person.teams_id, "name": person.name.title()},
                }
            )
        return self.send(self.personal(type="message", text=text, entities=entities))

    def say_in_channel(self, text: str, channel_id: str, channel_name: str) -> Answer:
        tag = "<at>mentorbot</at>"
        activity = self._base(
            {"id": f"{channel_id};messageid=root", "conversationType": "channel"},
            type="message",
            text=f"{tag} {text}",
            entities=[{"type": "mention", "text": tag, "mentioned": {"id": BOT_ID, "name": "mentorbot"}}],
        )
        activity["channelData"] = {
            "tenant": {"id": TENANT},
            "team": {"id": TEAM},
            "channel": {"id": channel_id, **({"name": channel_name} if channel_name else {})},
        }
        return self.send(activity)

    def press(
        self, data: dict[str, Any], inputs: dict[str, Any] | None = None, channel: str | None = None
    ) -> Answer:
        """Click an Action.Execute button whose data is `data`, with the card's `inputs` filled in."""
        value = {
            "action": {"type": "Action.Execute", "verb": "mentorbot", "data": {**data, **(inputs or {})}}
        }
        if channel is None:
            activity = self.personal(type="invoke", name="adaptiveCard/action", value=value)
        else:
            activity = self._base(
                {"id": f"{channel};messageid=root", "conversationType": "channel"},
                type="invoke",
                name="adaptiveCard/action",
                value=value,
            )
            activity["channelData"] = {"tenant": {"id": TENANT}, "channel": {"id": channel}}
        return self.send(activity)


class TeamsWorld:
    """mentorbot's Teams endpoint running on 127.0.0.1 against a fresh FakeMicrosoft."""

    def __init__(self, fake: FakeMicrosoft, fake_url: str, bot_url: str, db: Any, notifier: Any) -> None:
        self.fake = fake
        self.fake_url = fake_url
        self.bot_url = bot_url
        self.db = db
        self.notifier = notifier
        self.users: dict[str, TeamsUser] = {}

    def settled(self, timeout: float = 15) -> None:
        """Until the queue is empty: every job done and answered (or the timeout)."""
        from handlers.jobs import waiting

        deadline = time.monotonic() + timeout
        while waiting(self.db) and time.monotonic() < deadline:
            time.sleep(0.01)

    def user(self, name: str) -> TeamsUser:
        if name not in self.users:
            self.users[name] = TeamsUser(name, self.bot_url, self.fake_url, self.settled)
        return self.users[name]


def teams_settings(fake_url: str, **overrides: Any) -> Any:
    from bot.config import Settings

    return Settings(
        **overrides,
        TEAMS_APP_ID=APP_ID,
        TEAMS_APP_PASSWORD="s3cret",
        TEAMS_TENANT_ID=TENANT,
        TEAMS_OPENID_METADATA_URL=f"{fake_url}/openid",
        TEAMS_TOKEN_URL=f"{fake_url}/{{tenant}}/token",
    )


@contextmanager
def teams_world(
    db: Any,
    coordinators: frozenset[str] = frozenset(),
    language: str = "en",
    admins: frozenset[str] = frozenset(),
    **overrides: Any,
) -> Iterator[TeamsWorld]:
    from bot.notify import PlatformNotifier
    from bot.teams.app import teams_router
    from bot.teams.connector import build_connector
    from bot.teams.notifier import TeamsNotifier
    from handlers.actors import SchoolDefaults

    fake = FakeMicrosoft()
    with serving(fake.app) as fake_url, httpx.Client() as http:
        settings = teams_settings(fake_url, **overrides)
        notifier = PlatformNotifier({"teams": TeamsNotifier(db, build_connector(settings, http))})
        defaults = SchoolDefaults("Europe/Stockholm", language, coordinators, admins)
        app = FastAPI()
        app.include_router(teams_router(settings, db, defaults, notifier, http))
        with serving(app) as bot_url:
            yield TeamsWorld(fake, fake_url, bot_url, db, notifier)
