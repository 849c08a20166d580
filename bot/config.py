"""Settings read from the environment or a `.env` file, validated once at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.addresses import trusted_url
from models.cadence import CadenceError, parse_cadence
from models.db import normalise_database_url


class ConfigError(Exception):
    """A setting has a wrong value; the message is one line that names the variable."""


_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TEAMS_OPENID_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TEAMS_TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"


def _coordinator(entry: str) -> str:
    """A user id ("U0456DEF", "@U0456DEF"), or one qualified by its workspace ("T0123ABC:U0456DEF")."""
    workspace, colon, user = entry.strip().rpartition(":")
    workspace, user = workspace.strip(), user.strip().lstrip("@")
    if not user or (colon and not workspace) or ":" in workspace or " " in workspace + user:
        raise ValueError(f"{entry.strip()!r} is not a user id or WORKSPACE:USER such as T0123ABC:U0456DEF")
    return f"{workspace}:{user}" if workspace else user


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("data"), alias="MENTORBOT_DATA_DIR")
    database_url: str = Field(default="", alias="DATABASE_URL")
    timezone: str = Field(default="Europe/Stockholm", alias="MENTORBOT_TIMEZONE")
    language: Literal["sv", "en"] = Field(default="sv", alias="MENTORBOT_LANGUAGE")
    # Comma-separated: "WORKSPACE:USER" is coordinator of that workspace's school only; a bare "USER"
    # of the first school where they use the bot (handlers/actors.py `configured_here`).
    coordinators: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(), alias="MENTORBOT_COORDINATORS"
    )
    # Organisation admins (create schools, appoint each school's first coordinator; no child data) and
    # the programme's project leads (aggregate figures across schools), in the same two forms.
    admins: Annotated[frozenset[str], NoDecode] = Field(default=frozenset(), alias="MENTORBOT_ADMINS")
    programme_leads: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(), alias="MENTORBOT_PROGRAMME_LEADS"
    )
    tick_seconds: int = Field(default=30, ge=5, le=3600, alias="MENTORBOT_TICK_SECONDS")
    reminder_after_hours: int = Field(default=24, ge=1, le=240, alias="MENTORBOT_REMINDER_AFTER_HOURS")
    digest_at: str = Field(default="fri 14:00", alias="MENTORBOT_DIGEST_AT")
    # Changes waiting for the worker beyond this: a new one is refused politely ("busy, try again").
    queue_limit: int = Field(default=500, ge=1, le=100_000, alias="MENTORBOT_QUEUE_LIMIT")
    # Libraries never log below their floor, whatever this says (bot/logs.py).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="MENTORBOT_LOG_LEVEL"
    )
    # Fernet keys for notes, newest first, comma-separated; see `mentorbot keys`.
    secret_key: Annotated[tuple[str, ...], NoDecode] = Field(default=(), alias="MENTORBOT_SECRET_KEY")

    # Slack: a bot token and signing secret for one workspace, or a client id and secret for OAuth
    # installs into several; an app-level token for Socket Mode. See README "Install in Slack".
    slack_bot_token: str = Field(default="", alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str = Field(default="", alias="SLACK_SIGNING_SECRET")
    slack_client_id: str = Field(default="", alias="SLACK_CLIENT_ID")
    slack_client_secret: str = Field(default="", alias="SLACK_CLIENT_SECRET")
    slack_app_token: str = Field(default="", alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    # Microsoft Teams: the bot's Entra app registration. Teams is on when TEAMS_APP_ID is set.
    teams_app_id: str = Field(default="", alias="TEAMS_APP_ID")
    teams_app_password: str = Field(default="", alias="TEAMS_APP_PASSWORD", validate_default=True)
    teams_tenant_id: str = Field(default="", alias="TEAMS_TENANT_ID", validate_default=True)
    # Where the keys that sign Teams' requests are published, and where the bot gets its own
    # token. Tests point these at 127.0.0.1; a request is validated whatever they say.
    teams_openid_metadata_url: str = Field(default=TEAMS_OPENID_METADATA, alias="TEAMS_OPENID_METADATA_URL")
    teams_token_url: str = Field(default=TEAMS_TOKEN_URL, alias="TEAMS_TOKEN_URL")
    # Shown in the Teams app package (mentorbot teams-package).
    teams_app_name: str = Field(default="mentorbot", max_length=30, alias="TEAMS_APP_NAME")
    teams_website_url: str = Field(default="https://example.org/mentorbot", alias="TEAMS_WEBSITE_URL")

    @field_validator("teams_app_id", "teams_tenant_id")
    @classmethod
    def _guid(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if info.field_name == "teams_tenant_id" and not value and info.data.get("teams_app_id"):
            raise ValueError("must be set when TEAMS_APP_ID is set (the school's Microsoft 365 tenant id)")
        if value and not _GUID.match(value):
            raise ValueError("must be a GUID such as 8f2c1e4a-0b7d-4c1e-9a3b-2d6f5e8c7a91")
        return value.lower()

    @field_validator("teams_app_password")
    @classmethod
    def _password_with_app(cls, value: str, info: ValidationInfo) -> str:
        if not value and info.data.get("teams_app_id"):
            # Never echo the value: it is a secret.
            raise ValueError("must be set when TEAMS_APP_ID is set (the app registration's client secret)")
        return value

    @field_validator("teams_openid_metadata_url", "teams_website_url")
    @classmethod
    def _https(cls, value: str) -> str:
        return trusted_url(value)

    @field_validator("teams_token_url")
    @classmethod
    def _token_url(cls, value: str) -> str:
        trusted_url(value.replace("{tenant}", "tenant"))
        return value

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (try Europe/Stockholm)") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("language", mode="before")
    @classmethod
    def _lower_language(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("coordinators", "admins", "programme_leads", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(_coordinator(part) for part in value.split(",") if part.strip())
        return value

    @field_validator("secret_key", mode="before")
    @classmethod
    def _fernet_keys(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        keys = tuple(part.strip() for part in value.split(",") if part.strip())
        for key in keys:
            try:
                Fernet(key.encode())
            except ValueError:
                # Never echo the value: it is a secret.
                raise ValueError("not a valid key (make one with `mentorbot keys new`)") from None
        return keys

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

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb- (OAuth & Permissions page)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp- (Basic Information page)")
        return value

    @field_validator("slack_signing_secret", "slack_client_id", "slack_client_secret")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        # slack_sdk joins method names onto the base URL, so it must end with a slash.
        return value if value.endswith("/") else value + "/"

    @property
    def slack_oauth(self) -> bool:
        """Several workspaces install the app through /slack/install (OAuth)."""
        return bool(self.slack_client_id or self.slack_client_secret)

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token or self.slack_oauth or self.slack_app_token)

    def check_slack(self, socket_mode: bool = False) -> None:
        """The Slack settings fit together; otherwise one line naming the variable that is missing."""
        if socket_mode:
            if not self.slack_app_token:
                raise ConfigError("SLACK_APP_TOKEN: required for Socket Mode (an xapp- token)")
            if not self.slack_bot_token:
                raise ConfigError("SLACK_BOT_TOKEN: required for Socket Mode (an xoxb- token)")
            return
        if self.slack_oauth:
            for name, value in (
                ("SLACK_CLIENT_ID", self.slack_client_id),
                ("SLACK_CLIENT_SECRET", self.slack_client_secret),
            ):
                if not value:
                    raise ConfigError(f"{name}: required with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (OAuth)")
        elif not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN: required to serve Slack (or set SLACK_CLIENT_ID for OAuth)")
        if not self.slack_signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET: required to serve Slack (Basic Information page)")

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
