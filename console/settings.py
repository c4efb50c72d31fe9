"""Settings of the web console (`hall-console --config /etc/hall/console.toml`, `HALL_...` env)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.accounts import MANAGER, MONITOR
from core.config import AppSettings, MqttSettings


class CountyMonitorMqtt(MqttSettings):
    """The county broker, read only (the monitor account): statuses, telemetry, events, alerts."""

    url: str = "mqtt://127.0.0.1:1884"
    username: str | None = MONITOR


class CountyManagerMqtt(MqttSettings):
    """The county broker with the manager account: the identify / restart commands of the grid."""

    url: str = "mqtt://127.0.0.1:1884"
    username: str | None = MANAGER


class WebSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listen: str = "127.0.0.1:8080"
    # true behind a TLS reverse proxy: the session cookie is then sent over HTTPS only
    secure_cookies: bool = False
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    # login throttling: after this many failures for one name (or from one address) within
    # `login_window_s`, further attempts are refused until the window has passed
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_window_s: float = Field(default=300.0, gt=0)
    # the public screen (/display/{hall}) fetches its figures this often
    display_refresh_s: float = Field(default=10.0, ge=1, le=600)
    # a device that said online but sent nothing for this long is shown silent (checked every second)
    sweep_s: float = Field(default=1.0, gt=0, le=60)

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:8080")
        return v

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class ConsoleSettings(AppSettings):
    APP: ClassVar[str] = "console"

    mqtt: CountyMonitorMqtt = Field(default_factory=CountyMonitorMqtt)
    commands: CountyManagerMqtt = Field(default_factory=CountyManagerMqtt)
    # the county store, the same URL as hall-county's `database`
    database: str = "sqlite:////var/lib/hall/county.db"
    # the console's own logins, API tokens and sessions (SQLite)
    accounts_database: Path = Path("/var/lib/hall/console-accounts.db")
    # the county's working-day override file (next year's 调休 before the package knows it),
    # the same file as hall-county's
    workdays_file: Path | None = None
    # the case store and its ID-hash key, as hall-county's: only for 评价率 (rating rate); without
    # them the console shows that rate as "—". The console never creates the key.
    cases_database: str | None = None
    id_key_file: Path | None = None
    web: WebSettings = Field(default_factory=WebSettings)

    @field_validator("database")
    @classmethod
    def _database(cls, v: str) -> str:
        if not v.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must be sqlite:///PATH or postgresql://...")
        return v
