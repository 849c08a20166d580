"""Encryption at rest for free text (notes, strengths) with Fernet: AES-128-CBC + HMAC, a random IV
per value. Several keys may be configured: the first encrypts, all decrypt (key rotation).

The keys are set at start-up (`use_keys`); columns typed `EncryptedText` then encrypt on write and
decrypt on read, so the rest of the code only ever sees plain strings. A process keeps running
through a key rotation: given a way to `reload` its keys (the embedded key file, which
`mentorbot keys rotate` rewrites), it asks again before encrypting and when a value does not
decrypt, so it writes with the newest key and reads what was re-encrypted meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "enc:v1:"


class KeysMissing(RuntimeError):
    """Free text was written before any key was configured, or cannot be read with the keys."""


@dataclass(frozen=True)
class _KeyRing:
    keys: tuple[str, ...]
    cipher: MultiFernet
    newest: Fernet


class _Keys:
    # Replaced whole, never changed in place: threads read it without a lock.
    ring: _KeyRing | None = None
    reload: Callable[[], Sequence[str]] | None = None


def _ring(keys: Sequence[str]) -> _KeyRing | None:
    """The keys, newest first; raises ValueError for a malformed key."""
    cleaned = tuple(key.strip() for key in keys if key.strip())
    if not cleaned:
        return None
    fernets = [Fernet(key.encode()) for key in cleaned]
    return _KeyRing(cleaned, MultiFernet(fernets), fernets[0])


def use_keys(keys: Sequence[str], reload: Callable[[], Sequence[str]] | None = None) -> None:
    """Configure the keys, newest first; raises ValueError for a malformed key.

    `reload` gives the current keys again (cheaply: it is asked before every encryption)."""
    _Keys.ring = _ring(keys)
    _Keys.reload = reload


def _refreshed() -> bool:
    """Ask for the keys again; True when they changed."""
    if _Keys.reload is None:
        return False
    try:
        keys = tuple(key.strip() for key in _Keys.reload() if key.strip())
        if not keys or (_Keys.ring is not None and keys == _Keys.ring.keys):
            return False
        _Keys.ring = _ring(keys)
    except (OSError, ValueError):
        return False  # the key source cannot be read right now: keep the keys we have
    return True


def new_key() -> str:
    return Fernet.generate_key().decode()


def encrypt(text: str) -> str:
    if not text:
        return ""
    _refreshed()
    ring = _Keys.ring
    if ring is None:
        raise KeysMissing("no encryption key configured for notes")
    return PREFIX + ring.cipher.encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption existed; `mentorbot keys rotate` encrypts it
    token = stored.removeprefix(PREFIX).encode()
    text = _open(token)
    if text is None and _refreshed():  # re-encrypted with a key this process has not seen yet
        text = _open(token)
    if text is None:
        if _Keys.ring is None:
            raise KeysMissing("no encryption key configured for notes")
        raise KeysMissing("a note was encrypted with a key that is no longer configured")
    return text


def _open(token: bytes) -> str | None:
    ring = _Keys.ring
    if ring is None:
        return None
    try:
        return ring.cipher.decrypt(token).decode()
    except InvalidToken:
        return None


def readable(stored: str) -> bool:
    """Whether the configured keys open a stored value."""
    try:
        decrypt(stored)
    except KeysMissing:
        return False
    return True


def with_newest_key(stored: str) -> bool:
    """Whether a stored value is already encrypted with the newest key (nothing to re-encrypt)."""
    if not stored:
        return True
    ring = _Keys.ring
    if ring is None or not stored.startswith(PREFIX):
        return False
    try:
        ring.newest.decrypt(stored.removeprefix(PREFIX).encode())
    except InvalidToken:
        return False
    return True


class EncryptedText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)
