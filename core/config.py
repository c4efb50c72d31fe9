"""App configuration: one TOML file per app, every key overridable by `HALL_...` environment
variables (nested keys with `__`, e.g. `HALL_MQTT__URL`), validated at start (README.md, "The parts").

A bad file or value raises `ConfigError` with one line per problem naming the file, the key and the
reason; each app's `main` prints them all (`print_config_error`) and exits 2, never a traceback.
Secrets are read from files.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.topics import ID_PATTERN

ENV_PREFIX = "HALL_"


class ConfigError(Exception):
    """A configuration that cannot be used; `str()` is the one line to show."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MqttSettings(_Section):
    url: str = "mqtt://127.0.0.1:1883"
    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    keepalive_s: int = Field(default=20, ge=5, le=600)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        u = urlsplit(v)
        if u.scheme not in ("mqtt", "mqtts") or not u.hostname:
            raise ValueError("must be mqtt://host:port or mqtts://host:port")
        try:
            u.port  # noqa: B018 - raises for a port that is not a number
        except ValueError as e:
            raise ValueError(f"bad port: {e}") from None
        return v

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        u = urlsplit(self.url)
        return u.port or (8883 if u.scheme == "mqtts" else 1883)

    @property
    def tls(self) -> bool:
        return urlsplit(self.url).scheme == "mqtts"

    def password(self) -> str | None:
        """The password from `password_file` (a systemd credential, say), stripped of the newline."""
        if self.password_file is None:
            return None
        try:
            return self.password_file.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"mqtt.password_file: cannot read {self.password_file}: {e.strerror}") from None


class SerialSettings(_Section):
    """One pyserial URL per peripheral (`/dev/hall-keypad`, `socket://host:port`, `loop://`, ...)."""

    keypad: str | None = None
    keypad_protocol: str = "hk1"
    staff_card: str | None = None
    scanner: str | None = None
    idcard: str | None = None
    idcard_baud: int = 115200
    printer: str | None = None
    printer_baud: int = 9600
    baud: int = 9600  # keypads and line readers


class AppSettings(BaseSettings):
    """Loading rules every app shares: the TOML file, then `HALL_` variables, then validation."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    log_level: str = "INFO"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `init_settings` holds the file: the environment beats it, it beats the defaults. No .env files.
        return (env_settings, init_settings)

    @classmethod
    def load(cls, path: Path | str | None = None, **overrides: Any) -> Self:
        """Read `path` (optional: embedded defaults without it), apply `HALL_` variables, validate."""
        where = str(path) if path else "(defaults)"
        data: dict[str, Any] = {}
        if path is not None:
            try:
                with open(path, "rb") as f:
                    data = tomllib.load(f)
            except FileNotFoundError:
                raise ConfigError(f"{where}: file not found") from None
            except PermissionError:
                raise ConfigError(f"{where}: permission denied") from None
            except IsADirectoryError:
                raise ConfigError(f"{where}: is a directory, not a TOML file") from None
            except tomllib.TOMLDecodeError as e:
                raise ConfigError(f"{where}: not valid TOML: {e}") from None
            except UnicodeDecodeError:
                raise ConfigError(f"{where}: not UTF-8 text") from None
        data.update(overrides)
        try:
            return cls(**data)
        except ValidationError as e:
            raise ConfigError(_describe(where, e)) from None


class DeviceSettings(AppSettings):
    """Keys every device app shares (README.md, "The parts"); each app subclasses it with its own."""

    device_id: str = Field(default="device-01", pattern=f"^{ID_PATTERN}$")
    hall_id: str = Field(default="demo-hall", pattern=f"^{ID_PATTERN}$")
    region_code: str = Field(default="110101", pattern=r"^[0-9]{6,12}$")
    state_dir: Path = Path("/var/lib/hall")
    serial: SerialSettings = Field(default_factory=SerialSettings)
    outbox_retention_days: float = Field(default=30.0, gt=0)
    low_disk_bytes: int = Field(default=50 * 1024 * 1024, ge=0)


def _describe(where: str, err: ValidationError) -> str:
    """Every problem of the file, one line each: `FILE: KEY (from $ENV): REASON (got VALUE)`."""
    return "\n".join(_one_problem(where, e) for e in err.errors(include_url=False))


def _one_problem(where: str, e: Any) -> str:
    key = ".".join(str(p) for p in e["loc"]) or "(file)"
    env = ENV_PREFIX + "__".join(str(p) for p in e["loc"]).upper()
    source = f" (from ${env})" if env in os.environ else ""
    msg = e["msg"]
    if e["type"] == "extra_forbidden":
        msg = "unknown key"
    elif e["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")
    value = e.get("input")
    shown = f" (got {value!r})" if isinstance(value, str | int | float) and len(str(value)) < 60 else ""
    return f"{where}: {key}{source}: {msg}{shown}"


def print_config_error(prog: str, err: ConfigError) -> None:
    """Show a configuration error on stderr, one line per problem, each naming the program."""
    for line in str(err).splitlines():
        print(f"{prog}: {line}", file=sys.stderr)
