"""Keypad dialects by name. `hk1` is built in; a maker's own protocol plugs in without any change
to the apps, either in code (`register_dialect("acme2", AcmeKeypad)`) or from an installed package
through the entry point group `hall.keypad_dialects`:

    [project.entry-points."hall.keypad_dialects"]
    acme2 = "acme_keypad.driver:AcmeKeypad"

A dialect is any callable `factory(url, **options) -> Keypad`, usually a `Keypad` subclass.
Apps pick one by name from configuration (`protocol = "hk1"`) and call `open_keypad`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from drivers.errors import UnknownProtocol
from drivers.keypad.base import Keypad

ENTRY_POINT_GROUP = "hall.keypad_dialects"
DEFAULT_DIALECT = "hk1"

KeypadFactory = Callable[..., Keypad]

# name -> factory, or "module:attribute" imported on first use
DIALECTS: dict[str, KeypadFactory | str] = {
    "hk1": "drivers.keypad.hk1_driver:Hk1Keypad",
}


def register_dialect(name: str, factory: KeypadFactory | str) -> None:
    DIALECTS[name] = factory


def dialect_names() -> list[str]:
    names = set(DIALECTS)
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def get_dialect(name: str) -> KeypadFactory:
    target: KeypadFactory | str | None = DIALECTS.get(name)
    if target is None:
        for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
            target = ep.value
            break
    if target is None:
        raise UnknownProtocol(f"unknown keypad protocol {name!r} (known: {', '.join(dialect_names())})")
    if isinstance(target, str):
        module_name, _, attr = target.partition(":")
        try:
            factory: KeypadFactory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as err:
            raise UnknownProtocol(f"keypad protocol {name!r} cannot be loaded from {target}: {err}") from err
        DIALECTS[name] = factory
        return factory
    return target


def open_keypad(url: str, protocol: str = DEFAULT_DIALECT, **options: Any) -> Keypad:
    """A keypad driver for `url` speaking `protocol` (not started: call `start()`)."""
    return get_dialect(protocol)(url, **options)
