"""Running the installed console scripts as a user would, and cleaning them up."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ops.procs import stop_process


def console_script(name: str) -> str:
    """Path of an installed console script (next to this interpreter, i.e. in the venv)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    assert found, f"{name} is not installed: pip install -e ."
    return found


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_script(name: str, *args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    """An installed console script started with text pipes for stdout and stderr (stdin if asked)."""
    return subprocess.Popen(
        [console_script(name), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )


def read_json_lines(
    proc: subprocess.Popen[str], want: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The JSON lines `proc` prints (hall-probe's output), up to and including the first `want` accepts."""
    assert proc.stdout is not None and proc.stderr is not None
    lines = []
    for line in proc.stdout:
        obj = json.loads(line)
        lines.append(obj)
        if want(obj):
            return lines
    raise AssertionError(f"probe ended early: {lines} {proc.stderr.read()}")


def stop(proc: subprocess.Popen[str], timeout: float = 5.0) -> None:
    stop_process(proc, timeout)
