"""The drivers' own exceptions. pyserial's are translated at the port boundary (`drivers.transport`),
so apps catch these and nothing from pyserial.

Every message is one line that says what is wrong, fit for a log line or `hall-probe` output.
"""

from __future__ import annotations


class DriverError(Exception):
    """Base of every error a driver raises on purpose."""


class PortUnavailable(DriverError):
    """The port cannot be opened, or it vanished (unplugged), or it is not open right now."""


class FrameError(DriverError):
    """Bytes that are not a valid frame (used where a caller asks for exactly one frame)."""


class DeviceError(DriverError):
    """The device answered, but not as it should (refused a command, reported a fault)."""


class NotAcknowledged(DeviceError):
    """A command was sent and resent, and the device never acknowledged it."""


class UnknownProtocol(DriverError):
    """No driver (dialect) is registered under the requested protocol name."""
