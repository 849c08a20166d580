"""Settings read from the environment or a `.env` file, validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.cadence import CadenceError, parse_cadence
from models.db import normalise_database_url


class ConfigError(Exception):
    """A setting has a wrong value; the message is one line that names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("data"), alias="MENTORBOT_DATA_DIR")
    database_url: str = Field(default="", alias="DATABASE_URL")
    timezone: str = Field(default="Europe/Stockholm", alias="MENTORBOT_TIMEZONE")
    language: Literal["sv", "en"] = Field(default="sv", alias="MENTORBOT_LANGUAGE")
    coordinators: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(), alias="MENTORBOT_COORDINATORS"
    )
    tick_seconds: int = Field(default=30, ge=5, le=3600, alias="MENTORBOT_TICK_SECONDS")
    reminder_after_hours: int = Field(default=24, ge=1, le=240, alias="MENTORBOT_REMINDER_AFTER_HOURS")
    digest_at: str = Field(default="fri 14:00", alias="MENTORBOT_DIGEST_AT")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (try Europe/Stockholm)") from None
        return value

    @field_validator("language", mode="before")
    @classmethod
    def _lower_language(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("coordinators", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip().lstrip("@") for part in value.split(",")]
            return frozenset(i for i in ids if i)
        return value

    @field_validator("digest_at")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        try:
            parse_cadence(value.split())
        except CadenceError:
            raise ValueError(f"{value!r} is not a weekday and time such as 'fri 14:00'") from None
        return value

    @property
    def digest_rule(self) -> str:
        return parse_cadence(self.digest_at.split())

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgres")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'mentorbot.sqlite3'}"

    @property
    def is_embedded(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one line per wrong variable."""
    try:
        return Settings()
    except ValidationError as exc:
        fields = Settings.model_fields
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            env_name = fields[name].alias if name in fields and fields[name].alias else name
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{env_name}: {message}")
        raise ConfigError("; ".join(lines)) from None
