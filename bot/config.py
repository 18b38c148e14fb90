"""Settings: ``config.toml`` for behaviour, the environment for secrets and endpoints.

Nothing here runs at import time; ``load_settings`` is called once at start-up and turns any
invalid value into one ``ConfigError`` line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.durations import parse_offsets
from bot.core.sealing import SecretError, decode_secret, default_secret_file, secret_from_file
from bot.i18n import LANGUAGES, N_

DEFAULT_RULES = N_(
    """\
1. What is shared in the circle stays in the circle. Do not repeat anyone's story outside it.
2. Speak from your own experience. Listen without fixing, advising or judging.
3. One person speaks at a time. You can always pass.
4. Take care of yourself: step away, mute or leave whenever you need to.
5. This is peer support, not emergency care. If you are in danger, use /circle resources.
6. No screenshots, recordings or forwarding of anything said here."""
)
"""English default ground rules; a catalog msgid, so a circle in another language gets its own."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _valid_zone(value: str) -> str:
    """An IANA name; not the server's ``localtime`` nor its ``right/`` and ``posix/`` variants."""
    server_specific = value.lower() in (
        "localtime",
        "factory",
        "posixrules",
    ) or value.lower().startswith(("right/", "posix/"))
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder like Europe
        raise ValueError("must be an IANA time zone such as Europe/London") from exc
    if server_specific:
        raise ValueError("must be an IANA time zone such as Europe/London, not the server's own")
    return value


class DatabaseSettings(Strict):
    url: str = "sqlite+aiosqlite:///circlekeeper.db"

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class CircleDefaults(Strict):
    min_size: int = Field(5, ge=2, le=50)
    max_size: int = Field(7, ge=2, le=50)
    timezone: str | None = None
    """Unset (the default): ``create`` without ``timezone:`` asks for the circle's zone instead
    of quietly using UTC. Set it (even to "UTC") to use it for circles created without one."""
    language: str = "en"
    reminder_offsets: str = "24h,1h"
    channel_prefix: str = Field("circle-", max_length=20)
    rules: str = Field(DEFAULT_RULES, min_length=1, max_length=4000)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else _valid_zone(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)} (a catalog under bot/locale)")
        return value

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        parse_offsets(value)
        return value

    @model_validator(mode="after")
    def _sizes(self) -> CircleDefaults:
        if self.min_size > self.max_size:
            raise ValueError("min_size must not exceed max_size")
        return self


class OrganizerSettings(Strict):
    users: list[str] = Field(default_factory=list)
    discord_role: str = ""
    platform_admins: bool = True


class StageSettings(Strict):
    facilitating_weeks: int = Field(8, ge=1, le=104)
    observing_weeks: int = Field(12, ge=1, le=104)
    on_call_weeks: int = Field(14, ge=1, le=104)
    reconvene_months: int = Field(4, ge=1, le=24)


class SchedulerSettings(Strict):
    horizon_days: int = Field(28, ge=1, le=366)
    lease_seconds: int = Field(120, ge=5, le=3600)
    tick_seconds: float = Field(15.0, gt=0, le=600)


class DiscordSettings(Strict):
    voice_channels: bool = False
    """Give each circle a private voice channel (same access as its text channel) and show
    its next meeting as a VOICE scheduled event there, which only its members can see."""


class ConsoleSettings(Strict):
    organizers: list[str] = Field(default_factory=lambda: ["organizer"])


class OpsSettings(Strict):
    listen: str = ""
    """``host:port`` for ``/healthz`` and ``/metrics`` (empty: off)."""
    log_format: Literal["text", "json"] = "text"

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        if not value:
            return value
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError('must be "host:port", like "127.0.0.1:9090" (or "" for off)')
        return value

    @property
    def address(self) -> tuple[str, int] | None:
        if not self.listen:
            return None
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


class Resource(Strict):
    name: str
    contact: str
    region: str = ""
    language: str = ""  # "" = shown in every language; "es" = only to Spanish readers


DEFAULT_RESOURCES = [
    Resource(
        name="988 Suicide & Crisis Lifeline",
        contact="call or text 988",
        region="US",
        language="en",
    ),
    Resource(name="Crisis Text Line", contact="text HOME to 741741", region="US", language="en"),
    Resource(
        name="International helplines directory",
        contact="https://findahelpline.com",
        region="worldwide",
        language="en",
    ),
    Resource(
        name="Emergency services",
        contact="call your local emergency number",
        language="en",
    ),
    Resource(
        name="988 Lifeline en español",
        contact="llama al 988 y marca 2 para hablar en español",
        region="Estados Unidos",
        language="es",
    ),
    Resource(
        name="Crisis Text Line en español",
        contact="envía AYUDA por mensaje de texto al 741741",
        region="Estados Unidos",
        language="es",
    ),
    Resource(
        name="Línea 024 de atención a la conducta suicida",
        contact="llama al 024",
        region="España",
        language="es",
    ),
    Resource(
        name="Línea de la Vida",
        contact="llama al 800 911 2000",
        region="México",
        language="es",
    ),
    Resource(
        name="Directorio internacional de líneas de ayuda",
        contact="https://findahelpline.com",
        region="otros países",
        language="es",
    ),
    Resource(
        name="Servicios de emergencia",
        contact="llama al número de emergencias de tu país (911 en México y Estados Unidos, "
        "112 en España)",
        language="es",
    ),
]
"""Widely published numbers; config.example.toml says where each comes from and that its wording
must be re-checked against the service's own page before shipping. Operators replace them."""


def resources_for(resources: list[Resource], lang: str) -> list[Resource]:
    """The lines for readers of ``lang``: those in it plus language-neutral ones.

    A list with no line in that language at all is shown whole, so nobody gets an empty list.
    """
    chosen = [r for r in resources if r.language in ("", lang)]
    return chosen if any(r.language == lang for r in resources) else list(resources)


class FileSettings(Strict):
    """Everything ``config.toml`` may hold; unknown keys are errors, not silently ignored."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    circles: CircleDefaults = Field(default_factory=CircleDefaults)
    organizers: OrganizerSettings = Field(default_factory=OrganizerSettings)
    stages: StageSettings = Field(default_factory=StageSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    resources: list[Resource] = Field(default_factory=lambda: list(DEFAULT_RESOURCES))


class Environment(BaseSettings):
    """Secrets and endpoints, only from the environment (names are part of the interface)."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True, env_ignore_empty=True)

    DISCORD_TOKEN: str | None = None
    DISCORD_API_BASE_URL: str | None = None
    DISCORD_GATEWAY_URL: str | None = None
    DISCORD_GUILD_ID: str | None = Field(None, pattern=r"^\d+$")
    DISCORD_SHARD_COUNT: int | None = Field(None, ge=1)
    DISCORD_SHARD_IDS: str | None = Field(None, pattern=r"^\d+(\s*,\s*\d+)*$")
    DISCORD_MEMBERS_INTENT: bool = False
    """With the Server Members Intent enabled: forget people who leave the server."""
    SLACK_BOT_TOKEN: str | None = None
    SLACK_SIGNING_SECRET: str | None = None
    SLACK_APP_TOKEN: str | None = None
    SLACK_SOCKET_MODE: bool = False
    SLACK_API_BASE_URL: str | None = None
    SLACK_HTTP_HOST: str = "127.0.0.1"
    SLACK_HTTP_PORT: int = Field(3000, ge=1, le=65535)
    SLACK_CLIENT_ID: str | None = None  # with SLACK_CLIENT_SECRET: many workspaces via OAuth
    SLACK_CLIENT_SECRET: str | None = None
    CIRCLEKEEPER_DATABASE_URL: str | None = None
    CIRCLEKEEPER_CONFIG: str | None = None
    CIRCLEKEEPER_SECRET: str | None = None
    """Seals anonymous askers (``bot.core.sealing``); never stored in the database."""
    CIRCLEKEEPER_SECRET_FILE: str | None = None
    """Without CIRCLEKEEPER_SECRET: a 0600 file holding the secret (made on first use)."""

    @field_validator("CIRCLEKEEPER_SECRET")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                decode_secret(value)
            except SecretError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("SLACK_API_BASE_URL")
    @classmethod
    def _slash(cls, value: str | None) -> str | None:
        if value is not None and not value.endswith("/"):
            raise ValueError("must end with /")
        return value

    @property
    def discord_shard_ids(self) -> tuple[int, ...] | None:
        if self.DISCORD_SHARD_IDS is None:
            return None
        return tuple(int(p) for p in self.DISCORD_SHARD_IDS.split(","))

    @model_validator(mode="after")
    def _pairs(self) -> Environment:
        ids = self.discord_shard_ids
        if ids is not None and (
            self.DISCORD_SHARD_COUNT is None or max(ids) >= self.DISCORD_SHARD_COUNT
        ):
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT larger than every ID")
        if bool(self.SLACK_BOT_TOKEN) and not (self.SLACK_SIGNING_SECRET or self.SLACK_SOCKET_MODE):
            raise ValueError("SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET (or SLACK_SOCKET_MODE=1)")
        if self.SLACK_SOCKET_MODE and not self.SLACK_APP_TOKEN:
            raise ValueError("SLACK_SOCKET_MODE=1 needs SLACK_APP_TOKEN")
        if bool(self.SLACK_CLIENT_ID) != bool(self.SLACK_CLIENT_SECRET):
            raise ValueError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (OAuth)")
        if self.SLACK_CLIENT_ID and not self.SLACK_SIGNING_SECRET:
            raise ValueError("SLACK_CLIENT_ID needs SLACK_SIGNING_SECRET (OAuth runs over HTTP)")
        return self


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: FileSettings
    env: Environment
    path: Path | None = None

    @property
    def database(self) -> DatabaseSettings:
        if self.env.CIRCLEKEEPER_DATABASE_URL:
            return DatabaseSettings(url=self.env.CIRCLEKEEPER_DATABASE_URL)
        return self.file.database

    @property
    def discord_enabled(self) -> bool:
        return bool(self.env.DISCORD_TOKEN)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.env.SLACK_BOT_TOKEN or self.env.SLACK_CLIENT_ID)

    def secret(self) -> bytes:
        """The server secret: ``CIRCLEKEEPER_SECRET``, else the development secret file."""
        if self.env.CIRCLEKEEPER_SECRET:
            return decode_secret(self.env.CIRCLEKEEPER_SECRET)
        path = self.env.CIRCLEKEEPER_SECRET_FILE
        return secret_from_file(Path(path) if path else default_secret_file())


class ConfigError(Exception):
    """One line for the operator: the key, the value given and what is allowed."""


def _format(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" = {value!r}"
        if "SECRET" in key or "TOKEN" in key:
            shown = ""  # a secret is never echoed, not even a wrong one
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            shown, msg = "", "unknown key; see config.example.toml for the keys allowed"
        lines.append(f"{source}: {key}{shown}: {msg}")
    return "; ".join(lines)


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and validate the configuration; raise ``ConfigError`` with a one-line reason."""
    try:
        env = Environment()
    except ValidationError as exc:
        raise ConfigError(_format(exc, "environment")) from None
    chosen = path or env.CIRCLEKEEPER_CONFIG
    data: dict[str, Any] = {}
    cfg_path: Path | None = None
    if chosen:
        cfg_path = Path(chosen)
        if not cfg_path.is_file():
            raise ConfigError(f"config: file {str(cfg_path)!r} not found (check --config)")
    elif Path("config.toml").is_file():
        cfg_path = Path("config.toml")
    if cfg_path is not None:
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{cfg_path}: not valid TOML ({exc})") from None
    try:
        file = FileSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(exc, str(cfg_path or "config"))) from None
    if env.CIRCLEKEEPER_DATABASE_URL:
        try:
            DatabaseSettings(url=env.CIRCLEKEEPER_DATABASE_URL)
        except ValidationError as exc:
            raise ConfigError(
                _format(exc, "environment").replace("url", "CIRCLEKEEPER_DATABASE_URL", 1)
            ) from None
    settings = Settings(file=file, env=env, path=cfg_path)
    try:
        settings.secret()
    except SecretError as exc:
        raise ConfigError(f"environment: CIRCLEKEEPER_SECRET: {exc}") from None
    return settings
