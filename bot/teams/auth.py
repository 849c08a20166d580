"""Tokens both ways: every request from Teams carries a JWT we check; the bot fetches its own token.

Inbound, Microsoft's Teams SDK validates the token (`TokenValidator`: RS256 signature against the
published key set, issuer, audience = our app id, expiry) before the body is read; then the
`serviceurl` claim must match the activity's, so nobody can make the bot send its own token to a
URL of their choosing. We only tell it where the key set is: found through the OpenID metadata
document, which tests serve on 127.0.0.1. There is no switch that skips validation.

Outbound, the bot gets an app token with the OAuth client-credentials grant from its tenant and
reuses it until shortly before it expires.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass

import httpx
import jwt
from microsoft_teams.api.auth.cloud_environment import PUBLIC
from microsoft_teams.apps.auth.token_validator import JwtValidationOptions, TokenValidator

from models.addresses import trusted_url

log = logging.getLogger("mentorbot.teams")

BOT_SCOPE = PUBLIC.bot_scope  # https://api.botframework.com/.default
TOKEN_ISSUER = PUBLIC.token_issuer  # https://api.botframework.com: tokens Teams sends us
METADATA_LIFETIME = 24 * 3600  # Microsoft asks bots to re-read the metadata daily


class Unauthorized(Exception):
    """The request's token is missing or not valid: answer 401, do nothing."""


class InboundAuth:
    """Checks the `Authorization: Bearer ...` header of a request from Teams."""

    def __init__(self, app_id: str, openid_metadata_url: str, http: httpx.Client) -> None:
        self.app_id = app_id
        self.openid_metadata_url = openid_metadata_url
        self.http = http
        self._validator: TokenValidator | None = None
        self._validator_until = 0.0
        self._lock = threading.Lock()

    def _token_validator(self) -> TokenValidator:
        with self._lock:
            if self._validator is None or time.monotonic() > self._validator_until:
                metadata = self.http.get(self.openid_metadata_url, timeout=10)
                metadata.raise_for_status()
                jwks_uri = trusted_url(str(metadata.json()["jwks_uri"]))
                self._validator = TokenValidator(
                    JwtValidationOptions(
                        valid_issuers=[TOKEN_ISSUER], valid_audiences=[self.app_id], jwks_uri=jwks_uri
                    )
                )
                self._validator_until = time.monotonic() + METADATA_LIFETIME
            return self._validator

    def claims(self, authorization: str | None) -> dict[str, object]:
        """The token's claims, or Unauthorized. Blocking (it may fetch keys): call it off the event loop.

        Called before the body is even read; the activity's service URL is compared afterwards
        (`check_service_url`)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("no bearer token")
        try:
            validator = self._token_validator()
            # The SDK's validator is a coroutine that does blocking I/O inside; run it to the end here,
            # in the worker thread that serves this request.
            return asyncio.run(validator.validate_token(token.strip()))
        except (jwt.PyJWTError, httpx.HTTPError, KeyError, ValueError, TypeError) as error:
            # The reason only: never the token itself.
            log.warning("rejected a Teams request: %s", type(error).__name__)
            raise Unauthorized(type(error).__name__) from None

    @staticmethod
    def check_service_url(claims: dict[str, object], service_url: str) -> None:
        """The token was issued for the activity's service URL (as the SDK compares them), or Unauthorized:
        nobody can make the bot send its own token to a URL of their choosing."""
        issued_for = claims.get("serviceurl")
        if not isinstance(issued_for, str) or issued_for.rstrip("/") != service_url.rstrip("/"):
            log.warning("rejected a Teams request: its token is for another service URL")
            raise Unauthorized("service URL")


@dataclass
class _CachedToken:
    value: str
    renew_at: float


class BotToken:
    """The bot's own access token for the connector (client credentials), cached until near expiry."""

    def __init__(self, token_url: str, app_id: str, app_password: str, http: httpx.Client) -> None:
        self.token_url = token_url
        self.app_id = app_id
        self.app_password = app_password
        self.http = http
        self._cached: _CachedToken | None = None
        self._lock = threading.Lock()

    def get(self) -> str:
        with self._lock:
            if self._cached is None or time.monotonic() >= self._cached.renew_at:
                response = self.http.post(
                    self.token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.app_id,
                        "client_secret": self.app_password,
                        "scope": BOT_SCOPE,
                    },
                    timeout=10,
                )
                response.raise_for_status()
                body = response.json()
                lifetime = int(body.get("expires_in", 3600))
                self._cached = _CachedToken(
                    str(body["access_token"]), time.monotonic() + max(lifetime - 300, 30)
                )
            return self._cached.value

    def forget(self) -> None:
        """The connector refused the token: fetch a new one next time."""
        with self._lock:
            self._cached = None
