"""The Bot Framework connector: post an activity, update one in place, and read a team's roster.

Plain HTTP with httpx (a few REST calls) rather than the SDK's async clients: the notifier port
is synchronous and runs in the clock's thread as well as in request threads, and the SDK's client
gets its token through MSAL from Microsoft's login servers, which tests cannot stand in for.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from bot.config import Settings
from bot.teams.auth import BotToken
from handlers.delivery import DeliveryFailed

log = logging.getLogger("mentorbot.teams")

ROSTER_PAGE = 500  # Teams' largest page of a team's members
ROSTER_MAX = 10_000  # a school's team is far smaller; a bound keeps a runaway paging loop short


class Connector:
    def __init__(self, token: BotToken, http: httpx.Client) -> None:
        self.token = token
        self.http = http

    def _call(
        self, method: str, url: str, activity: dict[str, Any] | None, params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        for attempt in (1, 2):
            try:
                headers = {"Authorization": f"Bearer {self.token.get()}"}
                response = self.http.request(
                    method, url, json=activity, params=params, headers=headers, timeout=15
                )
            except (httpx.HTTPError, KeyError, ValueError) as error:
                raise DeliveryFailed(f"Teams connector unreachable: {type(error).__name__}") from None
            if response.status_code == 401 and attempt == 1:
                self.token.forget()  # an expired or revoked token: one retry with a fresh one
                continue
            if response.status_code >= 400:
                raise DeliveryFailed(f"Teams connector answered {response.status_code}")
            try:
                body = response.json()
            except ValueError:
                body = {}
            return body if isinstance(body, dict) else {}
        raise DeliveryFailed("Teams connector refused the bot's token")

    @staticmethod
    def _url(service_url: str, conversation_id: str, activity_id: str | None = None) -> str:
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        return f"{url}/{quote(activity_id, safe='')}" if activity_id else url

    def send(
        self, service_url: str, conversation_id: str, activity: dict[str, Any], reply_to: str | None = None
    ) -> str | None:
        """Post an activity (as a reply when `reply_to` is set); returns the new activity's id."""
        if reply_to:
            activity = {**activity, "replyToId": reply_to}
        body = self._call("POST", self._url(service_url, conversation_id), activity)
        return str(body["id"]) if body.get("id") else None

    def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        self._call(
            "PUT", self._url(service_url, conversation_id, activity_id), {**activity, "id": activity_id}
        )

    def roster(self, service_url: str, team_id: str) -> list[dict[str, Any]]:
        """The members of a team (id, name, aadObjectId), page by page, up to `ROSTER_MAX` people."""
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(team_id, safe='')}/pagedmembers"
        members: list[dict[str, Any]] = []
        params = {"pageSize": str(ROSTER_PAGE)}
        while len(members) < ROSTER_MAX:
            page = self._call("GET", url, None, params)
            found = page.get("members")
            members += [m for m in found if isinstance(m, dict)] if isinstance(found, list) else []
            token = page.get("continuationToken")
            if not isinstance(token, str) or not token:
                break
            params = {"pageSize": str(ROSTER_PAGE), "continuationToken": token}
        return members[:ROSTER_MAX]


def build_connector(settings: Settings, http: httpx.Client) -> Connector:
    token_url = settings.teams_token_url.replace("{tenant}", settings.teams_tenant_id)
    return Connector(BotToken(token_url, settings.teams_app_id, settings.teams_app_password, http), http)
