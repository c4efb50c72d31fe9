"""The shipped unit files start programs that exist and never carry a password inline."""

import configparser
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "systemd").glob("*.service"))
SCRIPTS = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])


def _unit(path: Path) -> configparser.RawConfigParser:
    cp = configparser.RawConfigParser(strict=False)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read_string(path.read_text())
    return cp


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_unit_starts_a_declared_program(path: Path) -> None:
    unit = _unit(path)
    exec_start = unit["Service"]["ExecStart"].split()[0]
    name = Path(exec_start).name
    assert name in SCRIPTS or name in ("mosquitto", "Xorg"), f"{path.name}: unknown program {name}"
    text = path.read_text()
    assert not re.search(r"(?i)password\s*=", text), "passwords come from credentials, not the unit"


def test_udev_rules_name_every_peripheral() -> None:
    rules = (ROOT / "systemd" / "99-hall-serial.rules").read_text()
    for link in ("hall-keypad", "hall-idcard", "hall-staffcard", "hall-scanner", "hall-printer"):
        assert f'SYMLINK+="{link}"' in rules
