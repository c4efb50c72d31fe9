"""Settings of the county receiver (`hall-county --config /etc/hall/county.toml`, `HALL_...` env)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from core.config import AppSettings, MqttSettings
from county.brokers import COUNTY_SERVICE


def _county_mqtt() -> MqttSettings:
    return MqttSettings(url="mqtt://127.0.0.1:1884", username=COUNTY_SERVICE)


class CountySettings(AppSettings):
    APP: ClassVar[str] = "county"

    mqtt: MqttSettings = Field(default_factory=_county_mqtt)
    # sqlite:///relative.db, sqlite:////absolute/path.db or postgresql://user@host/db
    database: str = "sqlite:////var/lib/hall/county.db"
    # receivers with the same share group split the events between them ($share/<group>/...)
    share_group: str | None = "county"
    client_id: str = Field(default="county-receiver", min_length=1, max_length=64)
    # how long the broker keeps the receiver's session (and queues events) while it is away
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=60)
    # a batch is committed when it has this many events or is this old, then its acks go out
    batch_max: int = Field(default=500, ge=1, le=10000)
    batch_ms: float = Field(default=20.0, gt=0, le=5000)
    log_level: str = "INFO"

    @field_validator("database")
    @classmethod
    def _database(cls, v: str) -> str:
        if not v.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must be sqlite:///PATH or postgresql://...")
        return v
