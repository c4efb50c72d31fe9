"""The last device configuration received (retained `config` topic), kept on disk so the next
start works offline with the same window, roster and reasons."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core.device_config import DeviceConfig
from core.payload import PayloadError

log = logging.getLogger(__name__)


class ConfigStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> DeviceConfig | None:
        """The saved configuration, or None (no file yet, or a file that no longer validates)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            log.warning("cannot read saved config %s: %s", self.path, e.strerror)
            return None
        try:
            return DeviceConfig.from_json(raw)
        except PayloadError as e:
            log.warning("ignoring saved config %s: %s", self.path, e)
            return None

    def save(self, config: DeviceConfig) -> None:
        """Write atomically (temp file, fsync, rename): a power cut leaves the old or the new file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(config.to_json())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
