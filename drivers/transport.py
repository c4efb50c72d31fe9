"""Opening serial ports by pyserial URL, with pyserial's errors translated to the drivers' own.

A port is any pyserial URL: `/dev/ttyUSB0`, `/dev/hall-keypad` (a udev link), `loop://`,
`socket://host:port` (networked serial servers), `spy:///dev/ttyUSB0?file=log.txt` (field debugging).
"""

from __future__ import annotations

import os
from typing import Any

import serial

from drivers.errors import PortUnavailable

DEFAULT_WRITE_TIMEOUT_S = 1.0

Port = serial.SerialBase


def one_line(err: BaseException) -> str:
    """An exception as one line (pyserial messages sometimes repeat the errno twice)."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text


def open_port(
    url: str,
    baudrate: int = 9600,
    *,
    timeout: float | None = 0.05,
    write_timeout: float | None = DEFAULT_WRITE_TIMEOUT_S,
    **options: Any,
) -> Port:
    """Open `url` with pyserial; raise `PortUnavailable` (one line, naming the port) on any failure.

    Local device paths are opened exclusively (flock), so two programs cannot both read one keypad.
    `options` go to pyserial unchanged (bytesize, parity, stopbits, rtscts, ...).
    """
    if not url:
        raise PortUnavailable("no serial port configured (empty URL)")
    if "://" not in url or url.startswith("file://"):
        options.setdefault("exclusive", True)
    try:
        port: Port = serial.serial_for_url(
            url, baudrate=baudrate, timeout=timeout, write_timeout=write_timeout, **options
        )
    except (serial.SerialException, OSError, ValueError) as err:
        raise PortUnavailable(f"cannot open serial port {url}: {one_line(err)}") from err
    return port


def port_exists(url: str) -> bool:
    """Cheap check used before a reopen attempt: URLs that are not paths always 'exist'."""
    if "://" in url:
        return True
    return os.path.exists(url)
