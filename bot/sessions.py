"""One HTTP session per process for the async Slack calls: answers to response_urls and the Web API.

slack_sdk's async clients open (and close) a new aiohttp session for every call unless given one;
a TCP and TLS handshake per answer costs more than the answer. The session is made in the running
event loop on first use and closed when the app shuts down.
"""

from __future__ import annotations

import aiohttp


class SharedSession:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
