"""Encryption at rest for free text (notes, strengths) with Fernet: AES-128-CBC + HMAC, a random IV
per value. Several keys may be configured: the first encrypts, all decrypt (key rotation).

The keys are set once at start-up (`use_keys`); columns typed `EncryptedText` then encrypt on
write and decrypt on read, so the rest of the code only ever sees plain strings.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "enc:v1:"


class KeysMissing(RuntimeError):
    """Free text was written before any key was configured."""


class _Keys:
    cipher: MultiFernet | None = None


def use_keys(keys: Sequence[str]) -> None:
    """Configure the keys, newest first; raises ValueError for a malformed key."""
    _Keys.cipher = MultiFernet([Fernet(key.strip().encode()) for key in keys]) if keys else None


def new_key() -> str:
    return Fernet.generate_key().decode()


def encrypt(text: str) -> str:
    if not text:
        return ""
    if _Keys.cipher is None:
        raise KeysMissing("no encryption key configured for notes")
    return PREFIX + _Keys.cipher.encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption existed; `mentorbot keys rotate` encrypts it
    if _Keys.cipher is None:
        raise KeysMissing("no encryption key configured for notes")
    try:
        return _Keys.cipher.decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise KeysMissing("a note was encrypted with a key that is no longer configured") from None


class EncryptedText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)
