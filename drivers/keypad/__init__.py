"""Rating keypads: events, the dialect registry, and the project's own protocol `hk1`."""

from drivers.keypad.base import Keypad
from drivers.keypad.events import LEVEL_KEYS, Heartbeat, Key, KeypadHello, KeyPressed, Prompt
from drivers.keypad.registry import (
    DEFAULT_DIALECT,
    DIALECTS,
    ENTRY_POINT_GROUP,
    dialect_names,
    get_dialect,
    open_keypad,
    register_dialect,
)

__all__ = [
    "DEFAULT_DIALECT",
    "DIALECTS",
    "ENTRY_POINT_GROUP",
    "LEVEL_KEYS",
    "Heartbeat",
    "Key",
    "KeyPressed",
    "Keypad",
    "KeypadHello",
    "Prompt",
    "dialect_names",
    "get_dialect",
    "open_keypad",
    "register_dialect",
]
