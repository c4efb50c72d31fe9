"""Loading an app's Kivy rule files (`<name>.kv` beside its screens), once per process: Kivy
applies rules loaded twice twice (doubled widgets and bindings)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kivy.lang import Builder

_loaded: set[Path] = set()


def load_kv(kv_dir: Path, names: Iterable[str]) -> None:
    for name in names:
        path = (kv_dir / f"{name}.kv").resolve()
        if path not in _loaded:
            Builder.load_file(str(path))
            _loaded.add(path)
