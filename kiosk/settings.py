"""Settings of the self-service kiosk (`hall-kiosk --config /etc/hall/kiosk.toml`, `HALL_...` env)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from core.config import DeviceSettings
from core.topics import ID_PATTERN
from drivers.transport import CheckedSerialSettings
from kiosk.receipt import DEFAULT_PROGRESS_URL


class KioskSettings(DeviceSettings):
    APP: ClassVar[str] = "kiosk"

    device_id: str = Field(default="kiosk-01", pattern=f"^{ID_PATTERN}$")
    serial: CheckedSerialSettings = Field(default_factory=CheckedSerialSettings)
    hall_name: str = "政务服务中心"
    language: Literal["zh_CN", "en", "mn"] = "zh_CN"  # the language a session starts in
    # The screen: government kiosks are 1080×1920 portrait panels; full screen on the device.
    screen_width: int = Field(default=1080, ge=320, le=7680)
    screen_height: int = Field(default=1920, ge=320, le=7680)
    fullscreen: bool = False
    # Draw the screen at this scale of its size above: a 1080×1920 kiosk shown whole in a smaller
    # window (hall-demo on a laptop sets the window to 0.5× and this to 0.5). 1 on a real kiosk.
    ui_scale: float = Field(default=1.0, gt=0.1, le=4.0)
    font: Path | None = None  # a CJK .ttf/.ttc; found on the system when not set
    # How long to wait for the county before "service unavailable, try again".
    query_timeout_s: float = Field(default=3.0, gt=0, le=30)
    # Without a touch for this long, everything about the citizen is forgotten and home shows.
    idle_timeout_s: float = Field(default=60.0, ge=10, le=600)
    message_s: float = Field(default=8.0, gt=0, le=60)
    # The receipt's QR code: where the citizen follows the case on a phone (any kiosk scans it too).
    progress_url: str = DEFAULT_PROGRESS_URL
    printer_width: int = Field(default=32, ge=24, le=64)  # columns: 58 mm paper 32, 80 mm paper 48
    scanner_terminator: Literal["CR", "LF", "CRLF", "ANY"] = "ANY"
    scanner_prefix: str = ""
    scanner_suffix: str = ""
    tick_s: float = Field(default=0.5, ge=0.1, le=2.0)
