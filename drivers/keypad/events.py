"""What a keypad tells the app, whatever its dialect."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

Key = Literal[1, 2, 3, 4, 5, "invite", "confirm", "cancel"]
LEVEL_KEYS: tuple[Key, ...] = (1, 2, 3, 4, 5)


class Prompt(IntEnum):
    """Voice prompts a keypad can play (hk1 command 83)."""

    PLEASE_RATE = 1  # 请您对本次服务做出评价
    THANK_YOU = 2  # 感谢您的评价
    WELCOME = 3  # 您好，欢迎光临


@dataclass(frozen=True)
class KeyPressed:
    """One key press, counted once however often the keypad resent it.

    `key` is a level 1-5 (5 非常满意 ... 1 非常不满意), or `invite` (the clerk's 请评价 key),
    `confirm` or `cancel`.
    """

    key: Key
    device: str = "keypad"

    @property
    def level(self) -> int | None:
        return self.key if isinstance(self.key, int) else None


@dataclass(frozen=True)
class KeypadHello:
    """The keypad (re)started and introduced itself: the host should re-send enable/LED state."""

    protocol: int
    firmware: str
    serial: str
    device: str = "keypad"


@dataclass(frozen=True)
class Heartbeat:
    device: str = "keypad"
