"""The service catalogue as the kiosk keeps it: the last good retained `county/v1/catalogue`
message, cached on disk so the guides still show after a restart while the county is away.

A bad message is refused (the cached catalogue stays); the file is replaced atomically, so a power
cut leaves either the old or the new catalogue, never half of one.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from core.catalogue import Catalogue
from core.payload import PayloadError

log = logging.getLogger("kiosk.catalogue")


class CatalogueCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.catalogue: Catalogue | None = None
        self.problem = ""
        try:
            self.catalogue = Catalogue.from_json(path.read_bytes())
            log.info("catalogue %s from cache (%d items)", self.catalogue.version, len(self.catalogue.items))
        except FileNotFoundError:
            pass
        except (OSError, PayloadError) as e:
            self.problem = f"cached catalogue {path} unusable: {e}"
            log.warning("%s", self.problem)

    def update(self, raw: bytes) -> Catalogue | None:
        """Take a catalogue message; returns the new catalogue, or None when it is refused or unchanged."""
        if not raw:
            return None  # a cleared retained message: keep what we have
        try:
            cat = Catalogue.from_json(raw)
        except PayloadError as e:
            self.problem = f"refused a catalogue message: {e}"
            log.warning("%s", self.problem)
            return None
        if self.catalogue is not None and cat == self.catalogue:
            return None
        self._write(raw)
        self.catalogue = cat
        self.problem = ""
        log.info("catalogue %s received (%d items)", cat.version, len(cat.items))
        return cat

    def _write(self, raw: bytes) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".catalogue-")
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:  # the guides still show from memory; say why the cache is stale
            self.problem = f"cannot cache the catalogue in {self.path}: {e.strerror}"
            log.warning("%s", self.problem)
