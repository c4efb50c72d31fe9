"""Running the installed console scripts as a user would, and cleaning them up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


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


def stop(proc: subprocess.Popen[str], timeout: float = 5.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
