"""How every program starts: settings from its TOML file and `HALL_` variables, or each problem on
its own line naming the program (and the caller exits 2, never a traceback); then the one log
format (core/logs.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from core.config import AppSettings, ConfigError, print_config_error
from core.logs import setup_logging

S = TypeVar("S", bound=AppSettings)


def load_settings(cls: type[S], path: Path | str | None, prog: str) -> S | None:
    """The program's settings with logging set up, or None after saying on stderr what is wrong."""
    try:
        settings = cls.load(path)
    except ConfigError as e:
        print_config_error(prog, e)
        return None
    setup_logging(settings.log_level)
    return settings
