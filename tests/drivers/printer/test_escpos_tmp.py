"""python-escpos makes a temp folder with a cache file at every import and never removes it: the
printer driver gives it one that goes when the process ends (a kiosk runs for years)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_importing_the_printer_driver_leaves_nothing_in_tmp(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env["TMPDIR"] = str(tmp_path)
    code = "import drivers.printer.escpos_doc as d; d.Dummy()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert list(tmp_path.iterdir()) == []
