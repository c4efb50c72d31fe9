"""GA 467 SAM protocol (resident ID card readers): frames, status words, the byte-stream decoder.

Pure: no I/O. The reader driver (`drivers.idcard.reader`) and the simulator (`drivers.sim.idcard`)
both feed bytes into `Ga467Decoder` and build frames with `encode_request` / `encode_response`.

Frame, both directions (docs/idcard-ga467.md, contract):

    AA AA AA 96 69 | LEN (2, big-endian) | body | CHK

LEN counts every byte after itself, CHK included. CHK is the XOR of LEN and body. A request's body
is `CMD PARA data`; a response's body is `SW1 SW2 SW3 data`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.errors import DeviceError

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_LEN = len(PREAMBLE) + 2  # preamble + LEN
# The longest answer a reader gives is read-base-info with fingerprint (30 10): 3 + 2+2+2 + 256 + 1024
# + 1024 + 1 = 2314 bytes. A claimed length beyond this is noise, not a frame to wait for.
MAX_LEN = 4096
MIN_REQUEST_LEN = 3  # CMD PARA CHK
MIN_RESPONSE_LEN = 4  # SW1 SW2 SW3 CHK


class Command(enum.Enum):
    """Host → reader commands: (CMD, PARA)."""

    RESET = (0x10, 0xFF)
    STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_BASE_INFO = (0x30, 0x01)

    @property
    def cmd(self) -> int:
        return self.value[0]

    @property
    def para(self) -> int:
        return self.value[1]

    @classmethod
    def lookup(cls, cmd: int, para: int) -> Command | None:
        for command in cls:
            if command.value == (cmd, para):
                return command
        return None


class StatusKind(enum.Enum):
    """What a SW3 code means for the caller."""

    OK = "ok"  # 90, 9F
    NO_CARD = "no_card"  # 80: nothing on the reader (this is how removal is seen)
    CARD = "card"  # the card on the reader could not be selected/authenticated/read: try again
    REQUEST = "request"  # the reader rejected our frame (checksum, length, command)
    SAM = "sam"  # the security module itself is faulty or not authorised: a device fault


@dataclass(frozen=True)
class StatusInfo:
    code: int
    kind: StatusKind
    zh: str
    en: str

    def text(self) -> str:
        return f"SW3={self.code:02X} {self.zh} / {self.en}"


# SW3 codes of GA 467 as the mainstream reader makers document them.
SW3_TABLE: dict[int, StatusInfo] = {
    info.code: info
    for info in (
        StatusInfo(0x90, StatusKind.OK, "操作成功", "success"),
        StatusInfo(0x9F, StatusKind.OK, "寻找证/卡成功", "card found"),
        StatusInfo(0x80, StatusKind.NO_CARD, "寻找证/卡失败（无卡）", "find card failed (no card)"),
        StatusInfo(0x81, StatusKind.CARD, "选取证/卡失败", "select card failed"),
        StatusInfo(0x10, StatusKind.REQUEST, "接收业务终端数据的校验和错", "checksum error in the request"),
        StatusInfo(0x11, StatusKind.REQUEST, "接收业务终端数据的长度错", "length error in the request"),
        StatusInfo(0x21, StatusKind.REQUEST, "接收业务终端的命令错误", "command error (unknown command)"),
        StatusInfo(0x23, StatusKind.SAM, "越权操作", "operation not authorised"),
        StatusInfo(0x24, StatusKind.SAM, "无法识别的错误", "unrecognised error"),
        StatusInfo(0x31, StatusKind.CARD, "证/卡认证机具失败", "card rejected the reader (authentication)"),
        StatusInfo(0x32, StatusKind.CARD, "机具认证证/卡失败", "reader rejected the card (authentication)"),
        StatusInfo(0x33, StatusKind.CARD, "信息验证错误", "information check error"),
        StatusInfo(0x40, StatusKind.CARD, "无法识别的卡类型", "unknown card type"),
        StatusInfo(0x41, StatusKind.CARD, "读证/卡操作失败", "reading the card failed"),
        StatusInfo(0x47, StatusKind.CARD, "取随机数失败", "getting a random number failed"),
        StatusInfo(0x60, StatusKind.SAM, "SAM自检失败，不能接收命令", "SAM self-test failed"),
        StatusInfo(0x66, StatusKind.SAM, "SAM未经授权，无法使用", "SAM not authorised for use"),
    )
}


def status_info(sw3: int) -> StatusInfo:
    """The meaning of `sw3`; an undocumented code is reported as such, never guessed."""
    known = SW3_TABLE.get(sw3)
    if known is not None:
        return known
    return StatusInfo(sw3, StatusKind.SAM, "未定义的状态码", "undocumented status code")


class SamError(DeviceError):
    """The reader answered with a SW3 code other than success. `info` says which and what it means."""

    def __init__(self, info: StatusInfo, command: Command | None = None) -> None:
        self.info = info
        self.command = command
        what = f" to {command.name.lower()}" if command is not None else ""
        super().__init__(f"ID card reader answered{what}: {info.text()}")

    @property
    def sw3(self) -> int:
        return self.info.code


class NoCard(SamError):
    """80: no card on the reader."""


class CardError(SamError):
    """81, 31, 32, 33, 40, 41, 47: the card could not be selected, authenticated or read."""


class RequestRejected(SamError):
    """10, 11, 21: the reader says our frame was corrupt or unknown (line noise, wrong device)."""


class SamFault(SamError):
    """23, 24, 60, 66 and undocumented codes: the security module is faulty or not authorised."""


_ERROR_CLASS: dict[StatusKind, type[SamError]] = {
    StatusKind.NO_CARD: NoCard,
    StatusKind.CARD: CardError,
    StatusKind.REQUEST: RequestRejected,
    StatusKind.SAM: SamFault,
}


def error_for(sw3: int, command: Command | None = None) -> SamError:
    """The exception for a non-success `sw3` (raises ValueError for 90/9F, which are not errors)."""
    info = status_info(sw3)
    if info.kind is StatusKind.OK:
        raise ValueError(f"SW3={sw3:02X} is a success code")
    return _ERROR_CLASS[info.kind](info, command)


def xor_checksum(data: bytes | bytearray | memoryview) -> int:
    """XOR of all bytes, by folding the bytes as one integer (fast for 1 KB frames in pure Python)."""
    width = len(data)
    value = int.from_bytes(data, "little")
    while width > 1:
        half = (width + 1) // 2
        value = (value & ((1 << (8 * half)) - 1)) ^ (value >> (8 * half))
        width = half
    return value


def encode_frame(body: bytes) -> bytes:
    """Wrap `body` (CMD PARA data, or SW1 SW2 SW3 data) in preamble, LEN and CHK."""
    length = len(body) + 1
    if length > 0xFFFF:
        raise ValueError(f"GA 467 body too long: {len(body)} bytes")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes([xor_checksum(head + body)])


def encode_request(command: Command, data: bytes = b"") -> bytes:
    return encode_frame(bytes(command.value) + data)


def encode_response(sw3: int, data: bytes = b"", sw1: int = 0x00, sw2: int = 0x00) -> bytes:
    return encode_frame(bytes((sw1, sw2, sw3)) + data)


@dataclass(frozen=True)
class Request:
    cmd: int
    para: int
    data: bytes = field(default=b"", repr=False)

    @property
    def command(self) -> Command | None:
        return Command.lookup(self.cmd, self.para)

    @classmethod
    def from_body(cls, body: bytes) -> Request:
        if len(body) < MIN_REQUEST_LEN - 1:
            raise ValueError("a request body holds at least CMD and PARA")
        return cls(body[0], body[1], body[2:])


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    # Responses carry card data (text and photo): never shown by repr.
    data: bytes = field(default=b"", repr=False)

    @property
    def info(self) -> StatusInfo:
        return status_info(self.sw3)

    @property
    def ok(self) -> bool:
        return self.info.kind is StatusKind.OK

    @classmethod
    def from_body(cls, body: bytes) -> Response:
        if len(body) < MIN_RESPONSE_LEN - 1:
            raise ValueError("a response body holds at least SW1 SW2 SW3")
        return cls(body[0], body[1], body[2], body[3:])


# Data lengths of a success (90) answer to each command.
_OK_DATA_LENGTHS = {
    Command.RESET: 0,
    Command.STATUS: 0,
    Command.SAM_ID: 16,
    Command.SELECT_CARD: 8,
}


def _base_info_shape(data: bytes) -> bool:
    """Read-base-info data: its own text and photo lengths (and fingerprint length, 30 10) add up."""
    if len(data) < 4:
        return False
    text, photo = int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")
    if len(data) == 4 + text + photo:
        return True
    return len(data) >= 6 and len(data) == 6 + text + photo + int.from_bytes(data[4:6], "big")


def plausible_response(body: bytes, command: Command | None = None) -> bool:
    """Does a checksummed body have the shape of a GA 467 answer (to `command`, if known)?

    The XOR checksum is one byte: a frame whose LEN was hit by noise passes it one time in 256. Every
    answer's SW1 SW2 are 00 00 and its data length follows from SW3 and the command: no data with an
    error code, 4 bytes (or none) with 9F, and with 90 none for reset/status, 8 for select, 16 for the
    SAM id, or the base-info block whose own lengths add up. A changed LEN changes the length, so
    knowing the command rejects every frame with a corrupted LEN. Undocumented SW3 codes are kept
    (without data) so the driver can report them.
    """
    if len(body) < 3 or body[0] or body[1]:
        return False
    sw3, data = body[2], body[3:]
    if sw3 == 0x9F:
        return len(data) in (0, 4) and command in (None, Command.FIND_CARD)
    if sw3 != 0x90:
        return not data
    if command is None:
        return len(data) in (0, 8, 16) or _base_info_shape(data)
    if command is Command.READ_BASE_INFO:
        return _base_info_shape(data)
    return len(data) == _OK_DATA_LENGTHS.get(command, -1)


def expect_answer_to(command: Command) -> Callable[[bytes], bool]:
    """An `accept` check for a decoder waiting for the answer to `command`."""
    return lambda body: plausible_response(body, command)


@dataclass
class DecoderStats:
    frames: int = 0
    discarded_bytes: int = 0  # bytes skipped while looking for a preamble
    bad_checksum: int = 0
    bad_length: int = 0
    bad_shape: int = 0  # checksum right, but not the shape of a frame (see `plausible_response`)


class Ga467Decoder:
    """Frames GA 467 bytes by length. Feed any chunks; get back the bodies of frames whose checksum holds.

    Never raises on input. A candidate frame with an impossible length or a wrong checksum costs one
    byte: the search resumes right after its first preamble byte, so a valid frame hidden behind noise
    or inside a truncated frame is still found. A frame is accepted only with a correct checksum.
    `flush()` gives up on a partial frame (the driver calls it when an answer times out: a corrupted
    LEN could otherwise make the decoder wait for bytes that never come) and still finds a whole
    frame that was buffered behind it. `accept`, if given, is a
    further check of the body (the reader sets `expect_answer_to(command)`) treated like a checksum.
    """

    def __init__(
        self,
        min_len: int = MIN_RESPONSE_LEN,
        max_len: int = MAX_LEN,
        accept: Callable[[bytes], bool] | None = None,
    ) -> None:
        self._buf = bytearray()
        self._min_len = min_len
        self._max_len = max_len
        self.accept = accept
        self.stats = DecoderStats()

    @property
    def pending(self) -> int:
        """Bytes held back as the start of a frame not yet complete."""
        return len(self._buf)

    def flush(self) -> list[bytes]:
        """The line went idle, so a frame still incomplete never will be (its LEN was hit, or its end
        lost): skip past its start, return any whole frame found behind it, drop the rest."""
        bodies: list[bytes] = []
        while self._buf:
            self._discard(1)
            bodies += self.feed(b"")
        return bodies

    def clear(self) -> int:
        """Drop everything buffered (a new connection)."""
        dropped = len(self._buf)
        self.stats.discarded_bytes += dropped
        self._buf.clear()
        return dropped

    def _discard(self, count: int) -> None:
        del self._buf[:count]
        self.stats.discarded_bytes += count

    def feed(self, data: bytes | bytearray) -> list[bytes]:
        buf = self._buf
        buf += data
        bodies: list[bytes] = []
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                # Keep a tail that may be the beginning of a preamble split across reads.
                keep = 0
                for size in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
                    if buf.endswith(PREAMBLE[:size]):
                        keep = size
                        break
                self._discard(len(buf) - keep)
                return bodies
            if start:
                self._discard(start)
            if len(buf) < HEADER_LEN:
                return bodies
            length = int.from_bytes(buf[5:7], "big")
            if not self._min_len <= length <= self._max_len:
                self.stats.bad_length += 1
                self._discard(1)
                continue
            end = HEADER_LEN + length
            if len(buf) < end:
                return bodies
            checked = memoryview(buf)[5 : end - 1]
            good = xor_checksum(checked) == buf[end - 1]
            checked.release()
            if not good:
                self.stats.bad_checksum += 1
                self._discard(1)
                continue
            body = bytes(buf[HEADER_LEN : end - 1])
            if self.accept is not None and not self.accept(body):
                self.stats.bad_shape += 1
                self._discard(1)
                continue
            bodies.append(body)
            del buf[:end]
            self.stats.frames += 1
