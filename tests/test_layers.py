"""The layout's rules, checked over every import statement (`ast`, nested imports included):

- `core` imports no driver, no Kivy, no pyserial, no app, nothing of the county or of `ops`;
- `drivers` import no app, no `ui`, nothing of the county or of `ops`;
- an app (evaluator, kiosk, monitor, console) imports no other app, and a device app (evaluator,
  kiosk, monitor) neither the county nor the simulators: they talk to them over MQTT and serial;
- the county imports no app, no `ui`, no Kivy;
- nothing imports `ops`, the hall-wide wing (it may import every part).

CONTRIBUTING.md says where new code goes so that these hold.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("core", "drivers", "ui", "evaluator", "kiosk", "monitor", "console", "county", "ops")
APPS = ("evaluator", "kiosk", "monitor", "console")
DEVICE_APPS = ("evaluator", "kiosk", "monitor")
KIVY, SERIAL = ("kivy",), ("serial",)


def forbidden(part: str) -> tuple[str, ...]:
    """Module prefixes `part` must not import."""
    other_apps = tuple(a for a in APPS if a != part)
    rules: dict[str, tuple[str, ...]] = {
        "core": ("drivers", "ui", *KIVY, *SERIAL, "escpos", *APPS, "county", "ops"),
        "drivers": (*APPS, "ui", *KIVY, "county", "ops"),
        "ui": (*APPS, "county", "drivers", "ops"),
        "county": (*APPS, "ui", *KIVY, "drivers", "ops"),
        "ops": (),
    }
    if part in APPS:
        extra = ("county", "drivers.sim") if part in DEVICE_APPS else ()
        return (*other_apps, *extra, "ops")
    return rules[part]


def imported_modules(source: str) -> Iterator[tuple[int, str]]:
    """(line, module) of every absolute import in `source`, wherever it stands."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            # `from county import brokers` imports county.brokers
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def violations(part: str, source: str, where: str) -> list[str]:
    bad = forbidden(part)
    found = []
    for line, module in imported_modules(source):
        for prefix in bad:
            if module == prefix or module.startswith(prefix + "."):
                found.append(f"{where}:{line}: {part} imports {module}")
                break
    return sorted(set(found))


def part_files() -> Iterator[tuple[str, Path]]:
    for part in PARTS:
        for path in sorted((ROOT / part).rglob("*.py")):
            yield part, path


def test_the_tree_keeps_the_layout() -> None:
    found = [
        v
        for part, path in part_files()
        for v in violations(part, path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == [], "\n".join(found)


def test_every_package_is_a_known_part() -> None:
    """A new top-level package must be given its rules here (and a line in CONTRIBUTING.md)."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages <= set(PARTS), packages - set(PARTS)


@pytest.mark.parametrize(
    ("part", "source"),
    [
        ("core", "import kivy"),
        ("core", "from serial import Serial"),
        ("core", "from drivers.keypad import hk1"),
        ("core", "def f():\n    from evaluator import controller\n"),
        ("drivers", "from kiosk.controller import KioskController"),
        ("evaluator", "from kiosk import demo"),
        ("kiosk", "import monitor.state"),
        ("evaluator", "from county import brokers"),
        ("kiosk", "from drivers.sim.idcard import IdCardSimulator"),
        ("county", "from console import app"),
        ("county", "from ops import brokers"),
        ("monitor", "import ops.procs"),
        ("ui", "from evaluator.viewmodel import View"),
    ],
)
def test_the_check_catches_each_rule(part: str, source: str) -> None:
    assert violations(part, source, "x.py"), f"{part}: {source!r} should be refused"


@pytest.mark.parametrize(
    ("part", "source"),
    [
        ("core", "import paho.mqtt.client"),
        ("evaluator", "from drivers.keypad.events import KeyPressed"),
        ("console", "from county.store import EventStore"),
        ("ops", "from kiosk import main\nfrom county import commands\nimport drivers.sim.keypad"),
        ("kiosk", "from ui.text import t"),
    ],
)
def test_the_check_allows_what_the_layout_allows(part: str, source: str) -> None:
    assert violations(part, source, "x.py") == []
