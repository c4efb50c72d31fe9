"""Every option of every program says what it is for in `--help` (an operator's first stop)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.support.processes import console_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def undocumented(help_text: str) -> list[str]:
    """Options or positionals in argparse's help output that have no description."""
    missing = []
    lines = help_text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^  (\S.*?)(?:\s{2,}(\S.*))?$", line)
        if not m or not (m.group(1).startswith("-") or m.group(1).startswith("{")):
            continue
        if m.group(2):
            continue  # described on the same line
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if not re.match(r"^ {6,}\S", nxt) or nxt.strip().startswith("-"):
            missing.append(m.group(1))
    return missing


def test_the_check_sees_a_missing_description() -> None:
    sample = "options:\n  -h, --help  show this\n  --prefix PREFIX\n  --suffix SUFFIX\n                what\n"
    assert undocumented(sample) == ["--prefix PREFIX"]


# every program, and the sub-commands that have options of their own
COMMANDS = (
    [[s] for s in sorted(SCRIPTS)]
    + [["hall-sim", d] for d in ("idcard", "keypad", "printer", "scanner", "staffcard")]
    + [["hall-console", c] for c in ("add-user", "add-token")]
)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_option_has_help(command: list[str]) -> None:
    r = subprocess.run(
        [console_script(command[0]), *command[1:], "--help"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert undocumented(r.stdout) == [], r.stdout
