"""`hall-kiosk` configuration errors: one line per problem, exit 2, no traceback, before any window."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_unparseable_port_urls_are_config_errors(tmp_path: Path) -> None:
    f = tmp_path / "kiosk.toml"
    f.write_text('[serial]\nidcard = "bogus://nowhere"\nprinter = "loop://?colour=red"\n', encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "kiosk.main", "--config", str(f)], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, r.stderr
    assert any("serial.idcard: not a serial port URL" in line and "bogus" in line for line in lines)
    assert any("serial.printer:" in line for line in lines)


def test_an_absent_device_path_is_not_a_config_error(tmp_path: Path) -> None:
    from kiosk.settings import KioskSettings

    f = tmp_path / "kiosk.toml"
    f.write_text('[serial]\nidcard = "/dev/hall-idcard-unplugged"\n', encoding="utf-8")
    assert KioskSettings.load(f).serial.idcard == "/dev/hall-idcard-unplugged"
