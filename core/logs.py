"""One log line format for every program: the time in China time with its offset written out
(`2026-11-30 14:33:24.123+08:00`), so the demo's console, each child's log and the journal of a
device abroad all read alike, whatever zone the machine is set to."""

from __future__ import annotations

import logging
import sys
from datetime import datetime

from core.clock import CHINA_TZ

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ChinaTimeFormatter(logging.Formatter):
    """`%(asctime)s` as China time (the business day of every rule), the offset in the line."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, CHINA_TZ).isoformat(sep=" ", timespec="milliseconds")


def setup_logging(level: int | str = logging.INFO) -> None:
    """Log to stderr (journald under systemd) in the one format; replaces whatever a library set."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ChinaTimeFormatter(FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
