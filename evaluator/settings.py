"""Settings of the window evaluator (`hall-evaluator --config /etc/hall/evaluator.toml`, `HALL_...`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from core.config import DeviceSettings
from core.ids import WindowId
from core.topics import ID_PATTERN
from drivers.transport import CheckedSerialSettings
from evaluator.ports import Prompt
from evaluator.voice_prompts import shipped


class EvaluatorSettings(DeviceSettings):
    APP: ClassVar[str] = "evaluator"

    device_id: str = Field(default="eval-01", pattern=f"^{ID_PATTERN}$")
    serial: CheckedSerialSettings = Field(default_factory=CheckedSerialSettings)
    window_id: WindowId | None = "w01"  # the hall's own name for the window: `A03`, `W01`, `综合窗口3`
    # The screen: size of the window (the layout follows portrait or landscape), full screen on
    # the device. `--headless` runs without one (a keypad-only box).
    screen_width: int = Field(default=1280, ge=320, le=7680)
    screen_height: int = Field(default=800, ge=320, le=7680)
    fullscreen: bool = False
    font: Path | None = None  # a CJK .ttf/.ttc; found on the system when not set
    # Voice prompts played by the screen's speaker at the invitation and the thanks (the keypad
    # plays its own on keypad-only boxes). The shipped files are espeak-ng's Mandarin
    # (scripts/make-voice-prompts); a hall points these at its own recordings. `audio_mute` also
    # silences the keypad's prompts; the volume is the screen's (the keypad has its own knob).
    audio_please_rate: Path | None = shipped(Prompt.PLEASE_RATE)  # 您好，请您对我的工作给予评价
    audio_thanks: Path | None = shipped(Prompt.THANKS)  # 谢谢您的评价
    audio_volume: float = Field(default=0.8, ge=0.0, le=1.0)
    audio_mute: bool = False
    # Device configuration used until the county's retained `config` arrives the first time
    # (JSON, schema hall.config/1); afterwards the last received one is kept in state_dir.
    initial_config: Path | None = None
    # Line readers: what ends a code, what to strip around it.
    staff_card_terminator: Literal["CR", "LF", "CRLF", "ANY"] = "ANY"
    scanner_terminator: Literal["CR", "LF", "CRLF", "ANY"] = "ANY"
    scanner_prefix: str = ""
    scanner_suffix: str = ""
    tick_s: float = Field(default=0.5, ge=0.1, le=2.0)
