"""What the evaluator controller talks to, as small protocols.

The real objects (core.outbox.Outbox, the hk1 keypad driver, Kivy's SoundLoader) satisfy them
directly or through a few-line adapter in `evaluator.wiring`; tests use the real outbox too.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol


class Prompt(Enum):
    """Voice prompts; the value is the hk1 `83 play prompt` number."""

    PLEASE_RATE = 1  # 请您对我的服务做出评价
    THANKS = 2  # 谢谢您的评价
    WELCOME = 3


class KeypadPort(Protocol):
    def enable_keys(self, seconds: int) -> None:
        """Let the level keys through for `seconds`; the keypad disables itself afterwards."""
        ...

    def disable_keys(self) -> None: ...

    def play(self, prompt: Prompt) -> None: ...

    def blink(self, seconds: float) -> None:
        """Blink the LEDs (the `identify` command)."""
        ...


class AudioPort(Protocol):
    def play(self, prompt: Prompt) -> None: ...
