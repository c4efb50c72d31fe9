"""One log time zone for every program, written in the line: China time with +08:00, whatever
zone the machine is set to (the demo's console and its children's logs read alike)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

from core.logs import ChinaTimeFormatter


def test_times_are_china_time_with_the_offset() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.created = 1764489600.25  # 2025-11-30 08:00:00.250 UTC
    line = ChinaTimeFormatter("%(asctime)s %(message)s").format(record)
    assert line == "2025-11-30 16:00:00.250+08:00 hello"


def test_a_program_on_a_utc_machine_logs_china_time() -> None:
    env = {**os.environ, "TZ": "UTC"}
    code = "import logging, core.logs; core.logs.setup_logging(); logging.getLogger('t').info('x')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=30)
    stamp = datetime.fromisoformat(r.stderr.split(" INFO ")[0])
    assert stamp.utcoffset() == timedelta(hours=8), r.stderr
    assert abs(stamp.timestamp() - time.time()) < 60
