"""`Keypad`: what apps may ask of a rating keypad, whatever its dialect (protocol)."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from drivers.device import SerialDevice
from drivers.keypad.events import Prompt


class Keypad(SerialDevice):
    """A rating keypad. Commands block until the keypad acknowledges them and raise
    `NotAcknowledged` (never acked), `DeviceError` (refused) or `PortUnavailable` (not connected).
    Events (`KeyPressed`, `KeypadHello`, `Heartbeat`) and state changes go to listeners."""

    kind: ClassVar[str] = "keypad"
    protocol: ClassVar[str] = ""

    @abstractmethod
    def enable_keys(self, on: bool, seconds: int = 0) -> None:
        """Let the level/confirm/cancel keys send presses (`seconds` = 0: until told otherwise)."""

    @abstractmethod
    def set_leds(self, levels: frozenset[int] = frozenset(), invite: bool = False) -> None:
        """Light the LEDs of these level keys (1-5) and the 请评价 lamp."""

    @abstractmethod
    def beep(self, duration_ms: int = 100, count: int = 1) -> None: ...

    @abstractmethod
    def play_prompt(self, prompt: Prompt) -> None: ...

    @abstractmethod
    def ping(self) -> None:
        """Ask for an ack: proves the keypad is there now."""
