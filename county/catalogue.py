"""Publishing the service catalogue (事项目录 with 办事指南), retained on `county/v1/catalogue`.

The county publishes the whole catalogue as one retained QoS 1 message after every connect, so a
kiosk that connects later (or after a broker restart) gets it at once and caches it on disk.
"""

from __future__ import annotations

import logging
from pathlib import Path

import paho.mqtt.client as mqtt

from core import topics
from core.catalogue import Catalogue
from core.payload import PayloadError
from county.demo_catalogue import demo_catalogue

log = logging.getLogger("county.catalogue")


class CatalogueError(ValueError):
    """A catalogue file that cannot be published; `str()` is one line."""


def load_catalogue(path: Path | None) -> Catalogue:
    """The catalogue in `path` (JSON, `hall.catalogue/1`), or the built-in demo one without a path."""
    if path is None:
        return demo_catalogue()
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CatalogueError(f"{path}: {e.strerror}") from None
    try:
        return Catalogue.from_json(raw)
    except PayloadError as e:
        raise CatalogueError(f"{path}: {e}") from None


def publish_catalogue(client: mqtt.Client, catalogue: Catalogue) -> mqtt.MQTTMessageInfo:
    payload = catalogue.to_json()
    log.info(
        "publishing catalogue %s (%d items, %d bytes)", catalogue.version, len(catalogue.items), len(payload)
    )
    return client.publish(topics.CATALOGUE, payload, qos=1, retain=True)
