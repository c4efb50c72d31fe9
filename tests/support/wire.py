"""`WirePort`: the far end of a cable for unit tests, the outermost edge a driver touches.

It records what the driver writes; the test plays the device by calling the driver's hooks.
"""

from __future__ import annotations


class WirePort:
    def __init__(self) -> None:
        self.written = bytearray()
        self.closed = False
        self.in_waiting = 0

    def write(self, data: bytes) -> int:
        self.written += data
        return len(data)

    def read(self, size: int = 1) -> bytes:
        return b""

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data = bytes(self.written)
        self.written.clear()
        return data
