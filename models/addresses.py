"""Which web addresses mentorbot will call: https, or plain http to this machine only.

Platforms' endpoints (Microsoft's token and key URLs), a school's SS 12000 source and its token
endpoint all come from configuration or a coordinator's command; none may send a token or a
child's data in clear text over the network. Plain http is let through to 127.0.0.1 for the
tests' fakes.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def trusted_url(value: str) -> str:
    """An https URL, or plain http to this machine only (the tests' fake endpoints)."""
    parts = urlsplit(value)
    local = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or local):
        raise ValueError("must be an https:// URL (plain http only to 127.0.0.1)")
    return value
