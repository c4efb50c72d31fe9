"""Settings of the county receiver (`hall-county --config /etc/hall/county.toml`, `HALL_...` env)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from core import topics
from core.accounts import COUNTY_SERVICE
from core.config import AppSettings, MqttSettings
from core.messages import COUNTY_HEARTBEAT_S
from county.upstream.settings import UpstreamSettings


class CountyMqttSettings(MqttSettings):
    """The county broker (the demo's port) and the county service's account by default."""

    url: str = "mqtt://127.0.0.1:1884"
    username: str | None = COUNTY_SERVICE


class CountySettings(AppSettings):
    APP: ClassVar[str] = "county"

    mqtt: CountyMqttSettings = Field(default_factory=CountyMqttSettings)
    # the folder of the default files: county.db, cases.db, id-hmac.key (each key below overrides)
    state_dir: Path = Path("/var/lib/hall")
    # sqlite:///relative.db, sqlite:////absolute/path.db or postgresql://user@host/db;
    # default: sqlite:///<state_dir>/county.db
    database: str = "sqlite:////var/lib/hall/county.db"
    # The halls whose events this receiver takes (a plain persistent subscription per hall, which
    # Mosquitto keeps across its own restarts); none: every hall. Several receivers split a county
    # by giving each its own halls and client_id (docs/county.md). Not a shared subscription:
    # Mosquitto 2.0.11 loses those when it restarts (docs/delivery.md).
    halls: list[str] | None = None
    # kiosk queries are live request/response: receivers with the same share group split them
    share_group: str | None = "county"
    client_id: str = Field(default="county-receiver", min_length=1, max_length=64)
    # county/v1/state is re-published this often; readers take the county as offline after
    # twice the contract's 15 s without a fresh one (docs/contracts.md), so at most 15
    heartbeat_s: float = Field(default=COUNTY_HEARTBEAT_S, gt=0, le=COUNTY_HEARTBEAT_S)
    # how long the broker keeps the receiver's session (and queues events) while it is away
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=60)
    # most events per commit: a batch is what is waiting when the last one is done (group commit)
    batch_max: int = Field(default=500, ge=1, le=10000)
    log_level: str = "INFO"

    # --- kiosk queries and the service catalogue (county/queries.py, county/cases.py) ---
    # the case store (办件库) imported from the business system with `hall-county import-cases`;
    # default: cases.db beside an SQLite `database` (in `state_dir` with PostgreSQL)
    cases_database: str | None = None  # a path, sqlite:///PATH or postgresql://...
    # secret key for the HMAC that stands in for applicants' ID numbers; created on first use;
    # default: id-hmac.key beside the case store. Back it up: without it no case is found by ID.
    id_key_file: Path | None = None
    # the catalogue published on county/v1/catalogue (JSON, hall.catalogue/1); none: the demo one
    catalogue_file: Path | None = None
    # a finished case may be rated within this many working days (then the system default applies)
    rating_window_days: int = Field(default=5, ge=1, le=60)
    answer_queries: bool = True

    @field_validator("halls")
    @classmethod
    def _halls(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        if not v:
            raise ValueError("list at least one hall, or leave halls out for every hall")
        for hall in v:
            topics.check_id(hall, "hall")
        if len(set(v)) != len(v):
            raise ValueError("a hall is listed twice")
        return v

    # --- the 好差评 loop (county/loop.py; docs/county.md "The 好差评 loop") ---
    # extra holidays / 调休 workdays of a year the chinesecalendar package does not know yet (TOML)
    workday_overrides: Path | None = None
    # how often the service makes system defaults, marks overdue work orders and sends alerts
    loop_interval_s: float = Field(default=300.0, ge=1.0)
    # the service's default job looks at cases finished within this many days (apply-defaults: all)
    defaults_lookback_days: int = Field(default=120, ge=10)
    # hall and region of a system default whose case names no hall (cases' optional hall_id)
    default_hall_id: str = Field(default="county", pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    region_code: str = Field(default="000000", pattern=r"^[0-9]{6,12}$")
    run_loop: bool = True

    # --- reporting to the provincial 好差评 system (county/upstream/) ---
    upstream: UpstreamSettings = Field(default_factory=UpstreamSettings)

    @model_validator(mode="before")
    @classmethod
    def _database_in_state_dir(cls, data: Any) -> Any:
        """No `database` given: the SQLite file in `state_dir` (file or HALL_STATE_DIR alike)."""
        if isinstance(data, dict) and not data.get("database"):
            state_dir = data.get("state_dir") or "/var/lib/hall"
            data = {**data, "database": f"sqlite:///{Path(state_dir) / 'county.db'}"}
        return data

    @field_validator("database")
    @classmethod
    def _database(cls, v: str) -> str:
        if not v.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must be sqlite:///PATH or postgresql://...")
        return v

    @property
    def cases_on_postgres(self) -> bool:
        return (self.cases_database or "").startswith(("postgresql://", "postgres://"))

    @property
    def cases_path(self) -> Path:
        """The SQLite case store's file (with a PostgreSQL case store: where its key file goes)."""
        if self.cases_database is not None and not self.cases_on_postgres:
            db = self.cases_database
            return Path(db[len("sqlite:///") :] if db.startswith("sqlite:///") else db)
        if self.database.startswith("sqlite:///"):
            return Path(self.database[len("sqlite:///") :]).parent / "cases.db"
        return self.state_dir / "cases.db"

    @property
    def cases_url(self) -> str:
        """Where the case store is: a file path or a postgresql:// URL."""
        return self.cases_database if self.cases_on_postgres and self.cases_database else str(self.cases_path)

    @property
    def id_key_path(self) -> Path:
        return self.id_key_file if self.id_key_file is not None else self.cases_path.parent / "id-hmac.key"
