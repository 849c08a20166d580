"""Request bodies from the internet, bounded before anything parses them: size first, then nesting.

Slack's and Teams' requests are a few kilobytes (a check-in modal with every field filled in is
about 20 KB), so a body over `MAX_BODY` is refused with 413 while it streams in, never held
whole in memory. JSON nested deeper than `MAX_DEPTH` is refused: `json.loads` gives up on a
200 KB `[[[...` with a RecursionError, which becomes a plain ValueError here, and anything it
did read is measured before Bolt, pydantic or our own code walks it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.types import Message

MAX_BODY = 1024 * 1024
MAX_DEPTH = 64


class TooLarge(Exception):
    """The body is larger than MAX_BODY: answer 413."""


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, or TooLarge as soon as it is known to exceed `limit` (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def replayed(request: Request, body: bytes) -> Request:
    """The same request with its body, already read, to hand on to a reader that reads it again."""

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def nesting_depth(value: Any) -> int:
    """How deep a parsed JSON value's arrays and objects go, measured without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return deepest


def loads(text: str | bytes) -> Any:
    """`json.loads`, refusing (ValueError) what is nested deeper than MAX_DEPTH."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if nesting_depth(value) > MAX_DEPTH:
        raise ValueError("JSON nested too deeply")
    return value
