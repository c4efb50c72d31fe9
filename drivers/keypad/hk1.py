"""The `hk1` keypad protocol (the contract for makers: docs/keypad-hk1.md): frames and decoder.

    02 | LEN | SEQ | CMD | DATA... | CRC16 | 03

LEN counts SEQ, CMD and DATA (2..255); CRC16 is CRC-16/MODBUS over LEN..DATA, low byte first.
Pure code: no port, no clock; the decoder is fed bytes and returns frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import crcmod.predefined

from drivers.errors import FrameError
from drivers.keypad.events import Key

STX = 0x02
ETX = 0x03
MIN_LEN = 2  # SEQ + CMD
MAX_LEN = 255
MAX_DATA = MAX_LEN - MIN_LEN
OVERHEAD = 5  # STX, LEN, CRC (2), ETX

_crc16 = crcmod.predefined.mkCrcFun("modbus")


def crc16(data: bytes) -> int:
    """CRC-16/MODBUS (poly 0x8005 reflected, init 0xFFFF): crc16(b"123456789") == 0x4B37."""
    value: int = _crc16(data)
    return value


class Cmd(IntEnum):
    # keypad -> host
    KEY = 0x01
    HELLO = 0x02
    HEARTBEAT = 0x03
    ACK = 0x06
    NAK = 0x15
    # host -> keypad
    LEDS = 0x81
    BEEP = 0x82
    PROMPT = 0x83
    ENABLE = 0x84
    PING = 0x85


class NakReason(IntEnum):
    UNKNOWN_COMMAND = 0x01
    BAD_DATA = 0x02
    BUSY = 0x03


# Key codes in a KEY frame's DATA
KEY_INVITE = 0x10  # 请评价 (the clerk's key)
KEY_CONFIRM = 0x11
KEY_CANCEL = 0x12
# The one key table, both ways: the driver decodes with it, the simulator encodes with it.
KEY_CODES: dict[int, Key] = {
    1: 1,
    2: 2,
    3: 3,
    4: 4,
    5: 5,
    KEY_INVITE: "invite",
    KEY_CONFIRM: "confirm",
    KEY_CANCEL: "cancel",
}
KEY_BYTES: dict[Key, int] = {key: code for code, key in KEY_CODES.items()}

# LED mask bits (command 81): bit 0..4 = level keys 1..5, bit 5 = the 请评价 lamp
LED_INVITE = 0x20

HELLO_PROTOCOL_VERSION = 1
MAX_SERIAL = 32


@dataclass(frozen=True)
class Frame:
    seq: int
    cmd: int
    data: bytes = b""

    def encode(self) -> bytes:
        return encode_frame(self.seq, self.cmd, self.data)

    @property
    def name(self) -> str:
        try:
            return Cmd(self.cmd).name
        except ValueError:
            return f"0x{self.cmd:02X}"


def encode_frame(seq: int, cmd: int, data: bytes = b"") -> bytes:
    if not 0 <= seq <= 0xFF or not 0 <= cmd <= 0xFF:
        raise ValueError(f"SEQ and CMD are single bytes (got seq={seq}, cmd={cmd})")
    if len(data) > MAX_DATA:
        raise ValueError(f"DATA is at most {MAX_DATA} bytes (got {len(data)})")
    body = bytes((len(data) + MIN_LEN, seq, cmd)) + data
    return bytes((STX,)) + body + crc16(body).to_bytes(2, "little") + bytes((ETX,))


def decode_frame(raw: bytes) -> Frame:
    """Exactly one frame, or `FrameError` saying what is wrong with it."""
    if len(raw) < MIN_LEN + OVERHEAD:
        raise FrameError(f"hk1 frame too short ({len(raw)} bytes)")
    if raw[0] != STX:
        raise FrameError(f"hk1 frame must start with 02, not {raw[0]:02X}")
    n = raw[1]
    if n < MIN_LEN or len(raw) != n + OVERHEAD:
        raise FrameError(f"hk1 LEN {n} does not match a {len(raw)}-byte frame")
    if raw[-1] != ETX:
        raise FrameError(f"hk1 frame must end with 03, not {raw[-1]:02X}")
    body = raw[1 : 2 + n]
    got = int.from_bytes(raw[2 + n : 4 + n], "little")
    if crc16(body) != got:
        raise FrameError(f"hk1 CRC mismatch: frame says {got:04X}, bytes give {crc16(body):04X}")
    return Frame(raw[2], raw[3], bytes(raw[4 : 2 + n]))


class Hk1Decoder:
    """Bytes in, valid frames out; never raises on input, never returns a frame that fails its
    checks. Frames by length, not by ETX (an 03 may sit in DATA or CRC). After a bad candidate it
    drops only the STX byte and rescans, so a valid frame right after garbage is still found.

    A candidate whose LEN promises more bytes than have come waits for them; the driver calls
    `flush()` when the line has been idle (the bytes are not coming), which rescans what is held.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.frames = 0
        self.rejected = 0  # candidates that started with 02 but failed LEN/CRC/ETX checks
        self.skipped = 0  # bytes thrown away (garbage, bad candidates' STX, flushed partials)

    @property
    def pending(self) -> int:
        return len(self._buf)

    def reset(self) -> None:
        self.skipped += len(self._buf)
        self._buf.clear()

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        return self._scan()

    def flush(self) -> list[Frame]:
        """The line went idle: whatever is held will never complete. Drop the head byte of every
        incomplete candidate and rescan, until nothing is held; return the frames found."""
        found: list[Frame] = []
        while self._buf:
            del self._buf[:1]
            self.skipped += 1
            self.rejected += 1
            found += self._scan()
        return found

    def _scan(self) -> list[Frame]:
        buf = self._buf
        out: list[Frame] = []
        while True:
            start = buf.find(STX)
            if start < 0:
                self.skipped += len(buf)
                buf.clear()
                return out
            if start:
                self.skipped += start
                del buf[:start]
            if len(buf) < 2:
                return out
            n = buf[1]
            if n < MIN_LEN:
                self._reject()
                continue
            end = n + OVERHEAD
            if len(buf) < end:
                return out
            if buf[end - 1] != ETX or crc16(bytes(buf[1 : 2 + n])) != buf[2 + n] | (buf[3 + n] << 8):
                self._reject()
                continue
            out.append(Frame(buf[2], buf[3], bytes(buf[4 : 2 + n])))
            self.frames += 1
            del buf[:end]

    def _reject(self) -> None:
        del self._buf[:1]
        self.rejected += 1
        self.skipped += 1


# -- DATA layouts ---------------------------------------------------------------------------------


def hello_data(firmware: tuple[int, int], serial: str, protocol: int = HELLO_PROTOCOL_VERSION) -> bytes:
    """HELLO DATA: protocol version, firmware major, firmware minor, serial number (ASCII, 0-32)."""
    raw = serial.encode("ascii")
    if len(raw) > MAX_SERIAL:
        raise ValueError(f"serial number is at most {MAX_SERIAL} ASCII characters")
    return bytes((protocol, firmware[0], firmware[1])) + raw


def parse_hello(data: bytes) -> tuple[int, str, str] | None:
    """(protocol, "major.minor", serial) or None if DATA is malformed."""
    if len(data) < 3 or len(data) > 3 + MAX_SERIAL:
        return None
    try:
        serial = data[3:].decode("ascii")
    except UnicodeDecodeError:
        return None
    if not serial.isprintable():
        return None
    return data[0], f"{data[1]}.{data[2]}", serial
