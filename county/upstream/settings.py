"""`[upstream]` in the county's settings: where and how ratings are reported to the province."""

from __future__ import annotations

from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from county.upstream.profiles import PROFILES


class UpstreamSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # the province's rating interface; none: reports wait in the queue until one is configured
    url: str | None = None
    profile: str = "zj"  # the field set the province expects (county/upstream/profiles/)
    area_code: str | None = Field(default=None, pattern=r"^[0-9]{12}$")  # 行政区划, 12 digits
    dept_code: str | None = Field(default=None, min_length=1, max_length=50)
    data_source: str | None = Field(default=None, min_length=1, max_length=50)
    token_file: Path | None = None  # sent as `Authorization: Bearer <token>`
    ca_file: Path | None = None  # a private CA for the province's certificate; verification stays on
    concurrency: int = Field(default=8, ge=1, le=64)  # reports in flight at once
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    backoff_initial_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=300.0, gt=0)
    idle_poll_s: float = Field(default=0.5, gt=0, le=60)
    status_every_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None:
            return v
        u = urlsplit(v)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError("must be an http:// or https:// URL")
        return v

    @field_validator("profile")
    @classmethod
    def _profile(cls, v: str) -> str:
        if v not in PROFILES:
            raise ValueError(f"unknown profile (known: {', '.join(sorted(PROFILES))})")
        return v

    @field_validator("token_file", "ca_file")
    @classmethod
    def _readable(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_file():
            raise ValueError(f"no such file: {v}")
        return v

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.url is None:
            return self
        for key in ("area_code", "dept_code", "data_source", "token_file"):
            if getattr(self, key) is None:
                raise ValueError(f"{key} is needed when url is set")
        return self

    @property
    def province(self) -> str:
        """Host and port only: what status lines show (never the path or a token)."""
        return urlsplit(self.url).netloc if self.url else "-"

    def token(self) -> str:
        assert self.token_file is not None
        return self.token_file.read_text(encoding="utf-8").strip()
