"""Opening serial ports by pyserial URL, with pyserial's errors translated to the drivers' own.

A port is any pyserial URL: `/dev/ttyUSB0`, `/dev/hall-keypad` (a udev link), `loop://`,
`socket://host:port` (networked serial servers), `spy:///dev/ttyUSB0?file=log.txt` (field debugging).
"""

from __future__ import annotations

import os
from typing import Any

import serial
from pydantic import field_validator

from core.config import SerialSettings
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


def check_port_url(url: str) -> None:
    """Raise ValueError (one line) for a URL pyserial cannot parse: an unknown scheme
    (`bogus://nowhere`), `socket://` without a port, an unknown option. That is a configuration
    error, unlike a device path that is merely absent now (unplugged): it is not looked at here."""
    if "://" not in url or url.startswith(("hwgrep://", "file://", "spy://")):
        # a device path, or a search for the device (hwgrep): found or not when opened;
        # spy's parser opens (and empties) its log file, so it is left to the opening
        return
    try:
        port = serial.serial_for_url(url, do_not_open=True)
        from_url = getattr(port, "from_url", None)
        if from_url is not None:
            from_url(url)  # the handler's own parser (host:port, options)
    except (ValueError, serial.SerialException) as e:
        raise ValueError(f"not a serial port URL pyserial can use: {one_line(e)}") from None
    except Exception:  # pyserial's parsers trip over some malformed URLs with KeyError or TypeError
        raise ValueError(
            "malformed serial port URL (e.g. /dev/ttyUSB0, socket://host:port, loop://)"
        ) from None


class CheckedSerialSettings(SerialSettings):
    """`[serial]` of an app that opens ports: each URL checked by pyserial's parser at start, so a
    typo stops the app with one line instead of being waited for forever as an unplugged device."""

    @field_validator("keypad", "staff_card", "scanner", "idcard", "printer")
    @classmethod
    def _parsable(cls, url: str | None) -> str | None:
        if url:
            check_port_url(url)
        return url
