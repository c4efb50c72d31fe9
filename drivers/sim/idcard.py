"""Simulated GA 467 ID card reader on a pseudo-terminal (`hall-sim idcard`).

Answers every command as a reader does: reset, status, SAM id, find (9F / 80), select (90 / 81),
read base info (90 + 256-byte text + 1024-byte WLT photo). A request with a wrong checksum is answered
`10`, an impossible length `11`, an unknown command `21`. Faults can be injected per command
(`fault 41 read`, `fault 31 select 2`, `fault 60`), answers corrupted (`corrupt`), the cable pulled
(`unplug`/`replug`). The host's baud rate is read from the pty: a host at another rate than the
reader's gets line noise, as on a real wire. `--pace` sends at the baud rate's real speed.

Fixture cards carry generated ID numbers whose GB 11643 check digit is computed, except `badcheck`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import termios
import time
from dataclasses import dataclass

from core.gb11643 import with_check_digit
from drivers.idcard.card import encode_base_info, encode_text
from drivers.idcard.ga467 import (
    MIN_REQUEST_LEN,
    Command,
    Ga467Decoder,
    Request,
    encode_response,
)
from drivers.sim.base import ConsoleCommand, ConsoleError, Simulator, int_arg
from drivers.sim.main import SimSpec

SW_OK, SW_FOUND, SW_NO_CARD, SW_SELECT_FAILED = 0x90, 0x9F, 0x80, 0x81
SW_CHECKSUM, SW_LENGTH, SW_COMMAND, SW_READ_FAILED = 0x10, 0x11, 0x21, 0x41

# A fixed SAM serial: 05.01-20101012-0000012345-1234567890 in the makers' display form.
SAM_ID = (
    (5).to_bytes(2, "little")
    + (1).to_bytes(2, "little")
    + (20101012).to_bytes(4, "little")
    + (12345).to_bytes(4, "little")
    + (1234567890).to_bytes(4, "little")
)


@dataclass(frozen=True)
class FixtureCard:
    key: str
    description: str
    name: str
    sex: str  # GB/T 2261.1 code
    nation_code: str
    birth_date: str  # YYYYMMDD
    address: str
    id_number: str
    issuing_authority: str
    valid_from: str
    valid_to: str  # YYYYMMDD or 长期

    def text(self) -> bytes:
        return encode_text(
            name=self.name,
            sex=self.sex,
            nation_code=self.nation_code,
            birth_date=self.birth_date,
            address=self.address,
            id_number=self.id_number,
            issuing_authority=self.issuing_authority,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )

    def photo(self) -> bytes:
        """1024 bytes standing in for the encrypted WLT photo (never decoded by anyone)."""
        seed = hashlib.sha256(self.key.encode()).digest()
        body = b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(32))
        return (b"WL" + body)[:1024]

    def base_info(self) -> bytes:
        return encode_base_info(self.text(), self.photo())


# People and addresses are invented; region codes are real county codes, birth dates and sequence
# numbers are chosen, check digits are computed.
# fmt: off
FIXTURE_CARDS: dict[str, FixtureCard] = {
    card.key: card
    for card in (
        FixtureCard(
            "zhang", "男, 汉, 20-year validity", "张伟", "1", "01", "19850312",
            "北京市东城区东华门街道南池子大街12号", with_check_digit("11010119850312123"),
            "北京市公安局东城分局", "20150601", "20350601",
        ),
        FixtureCard(
            "li", "女, 满, valid 长期 (long term)", "李秀英", "2", "11", "19500808",
            "上海市徐汇区漕溪北路88号", with_check_digit("31010419500808002"),
            "上海市公安局徐汇分局", "20100105", "长期",
        ),
        FixtureCard(
            "ayguli", "女, 维吾尔, check digit X", "阿依古丽·买买提", "2", "05", "19920215",
            "新疆乌鲁木齐市天山区解放南路100号", with_check_digit("65010219920215106"),
            "乌鲁木齐市公安局天山分局", "20220310", "20420310",
        ),
        FixtureCard(
            "child", "女, 汉, 5-year validity, expired", "陈子涵", "2", "01", "20150601",
            "广东省深圳市南山区科技园南路9号", with_check_digit("44030520150601118"),
            "深圳市公安局南山分局", "20200601", "20250601",
        ),
        FixtureCard(
            "badcheck", "男, 汉, WRONG check digit", "王强", "1", "01", "19780101",
            "辽宁省沈阳市和平区南京北街5号", "210102197801011051",
            "沈阳市公安局和平分局", "20180101", "20380101",
        ),
    )
}
# fmt: on


@dataclass
class Fault:
    sw3: int
    command: Command | None  # None: every command
    remaining: int | None  # None: until cleared


_COMMAND_WORDS = {
    "reset": Command.RESET,
    "status": Command.STATUS,
    "samid": Command.SAM_ID,
    "find": Command.FIND_CARD,
    "select": Command.SELECT_CARD,
    "read": Command.READ_BASE_INFO,
}

_BAUD_BY_SPEED = {
    getattr(termios, f"B{rate}"): rate
    for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
}


class IdCardSimulator(Simulator):
    name = "idcard"

    def __init__(
        self,
        link: str | os.PathLike[str] | None = None,
        *,
        baudrate: int = 115200,
        pace: bool = False,
        card: str | None = None,
        tick_s: float = 0.005,
    ) -> None:
        super().__init__(link, tick_s=tick_s)
        self.baudrate = baudrate
        self.pace = pace
        self.decoder = Ga467Decoder(min_len=MIN_REQUEST_LEN)
        self.card: FixtureCard | None = None
        self.faults: list[Fault] = []
        self.corrupt_answers = 0
        self.requests: list[Request] = []  # every well-formed request, for tests
        self._found = False
        self._selected = False
        if card is not None:
            self.place(card)

    # -- the model (thread-safe: tests call these) -------------------------------------------------

    def place(self, key: str) -> FixtureCard:
        card = FIXTURE_CARDS.get(key)
        if card is None:
            raise ConsoleError(f"no fixture card {key!r}; have {', '.join(FIXTURE_CARDS)}")
        with self.lock:
            self.card = card
            self._found = self._selected = False
        return card

    def remove(self) -> None:
        with self.lock:
            self.card = None
            self._found = self._selected = False

    def inject(self, sw3: int, command: Command | None = None, count: int | None = None) -> None:
        with self.lock:
            self.faults.append(Fault(sw3, command, count))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()
            self.corrupt_answers = 0

    def corrupt(self, count: int = 1) -> None:
        """The next `count` answers go out with a wrong checksum."""
        with self.lock:
            self.corrupt_answers += count

    def requests_of(self, command: Command) -> int:
        with self.lock:
            return sum(1 for r in self.requests if r.command is command)

    # -- the wire ---------------------------------------------------------------------------------

    def on_plug(self) -> None:
        self.decoder.clear()
        self._found = self._selected = False

    def host_baudrate(self) -> int | None:
        """The rate the host set on its end of the pty (pyserial's `baudrate`)."""
        slave = self.port.slave_path
        if slave is None:
            return None
        try:
            fd = os.open(slave, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            return _BAUD_BY_SPEED.get(termios.tcgetattr(fd)[5])
        finally:
            os.close(fd)

    def on_host_bytes(self, data: bytes) -> None:
        host_rate = self.host_baudrate()
        if host_rate is not None and host_rate != self.baudrate:
            # Mismatched UARTs: the reader sees noise and the host gets noise back.
            self._write(bytes(b ^ 0x5A for b in data[: max(1, len(data) // 2)]))
            return
        bad_checksum, bad_length = self.decoder.stats.bad_checksum, self.decoder.stats.bad_length
        bodies = self.decoder.feed(data)
        if self.decoder.stats.bad_checksum > bad_checksum:
            self._answer(SW_CHECKSUM)
        elif self.decoder.stats.bad_length > bad_length:
            self._answer(SW_LENGTH)
        for body in bodies:
            request = Request.from_body(body)
            self.requests.append(request)
            self._handle(request)

    def _handle(self, request: Request) -> None:
        command = request.command
        if command is None:
            self._answer(SW_COMMAND)
            return
        for fault in self.faults:
            if fault.command in (None, command):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                self._answer(fault.sw3)
                return
        if command in (Command.RESET, Command.STATUS):
            if command is Command.RESET:
                self._found = self._selected = False
            self._answer(SW_OK)
        elif command is Command.SAM_ID:
            self._answer(SW_OK, SAM_ID)
        elif command is Command.FIND_CARD:
            self._found = self.card is not None
            self._selected = False
            if self.card is None:
                self._answer(SW_NO_CARD)
            else:
                self._answer(SW_FOUND, bytes(4))
        elif command is Command.SELECT_CARD:
            self._selected = self.card is not None and self._found
            if self._selected:
                self._answer(SW_OK, bytes(8))
            else:
                self._answer(SW_SELECT_FAILED)
        elif command is Command.READ_BASE_INFO:
            if self.card is None or not self._selected:
                self._answer(SW_READ_FAILED)
            else:
                self._answer(SW_OK, self.card.base_info())

    def _answer(self, sw3: int, data: bytes = b"") -> None:
        frame = bytearray(encode_response(sw3, data))
        if self.corrupt_answers > 0:
            self.corrupt_answers -= 1
            frame[-1] ^= 0xFF
        self._write(bytes(frame))

    def _write(self, data: bytes) -> None:
        if not self.pace:
            self.send(data)
            return
        chunk = 64
        for start in range(0, len(data), chunk):
            piece = data[start : start + chunk]
            self.send(piece)
            time.sleep(len(piece) * 10 / self.baudrate)

    # -- hall-sim console -------------------------------------------------------------------------

    def status(self) -> str:
        card = self.card.key if self.card is not None else "none"
        faults = ", ".join(
            f"{f.sw3:02X}@{f.command.name.lower() if f.command else 'all'}" for f in self.faults
        )
        return f"{super().status()}, {self.baudrate} baud, card {card}, faults [{faults}]"

    def console_commands(self) -> dict[str, ConsoleCommand]:
        commands = super().console_commands()
        commands.update(
            {
                "cards": ConsoleCommand(lambda a: self._console_cards(), "cards", "list the fixture cards"),
                "place": ConsoleCommand(self._console_place, "place CARD", "put a fixture card on it"),
                "remove": ConsoleCommand(lambda a: self._console_remove(), "remove", "lift the card"),
                "fault": ConsoleCommand(
                    self._console_fault,
                    "fault SW3 [CMD] [N]",
                    "answer SW3 (hex, e.g. 41, 31, 60) to CMD (find/select/read/samid/all), N times",
                ),
                "clear": ConsoleCommand(lambda a: self._console_clear(), "clear", "remove injected faults"),
                "corrupt": ConsoleCommand(self._console_corrupt, "corrupt [N]", "next N answers: bad CHK"),
            }
        )
        return commands

    def _console_cards(self) -> str:
        return "; ".join(f"{c.key}: {c.description}" for c in FIXTURE_CARDS.values())

    def _console_place(self, args: list[str]) -> str:
        if not args:
            raise ConsoleError("place needs a card: " + ", ".join(FIXTURE_CARDS))
        return f"placed {self.place(args[0]).key}"

    def _console_remove(self) -> str:
        self.remove()
        return "removed"

    def _console_fault(self, args: list[str]) -> str:
        if not args:
            raise ConsoleError("fault needs a SW3 code in hex, e.g. fault 41 read")
        try:
            sw3 = int(args[0], 16)
        except ValueError as err:
            raise ConsoleError(f"not a hex SW3 code: {args[0]}") from err
        command: Command | None = None
        if len(args) > 1 and args[1].lower() != "all":
            command = _COMMAND_WORDS.get(args[1].lower())
            if command is None:
                raise ConsoleError(f"unknown command {args[1]!r}; use {', '.join(_COMMAND_WORDS)} or all")
        count = int_arg(args, 2, 0) or None
        self.inject(sw3, command, count)
        return f"fault {sw3:02X} on {args[1] if len(args) > 1 else 'all'}"

    def _console_clear(self) -> str:
        self.clear_faults()
        return "faults cleared"

    def _console_corrupt(self, args: list[str]) -> str:
        count = int_arg(args, 0, 1)
        self.corrupt(count)
        return f"next {count} answers corrupted"


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--baud", type=int, default=115200, help="the reader's baud rate (115200)")
    parser.add_argument("--card", choices=sorted(FIXTURE_CARDS), help="a card already on the reader")
    parser.add_argument("--pace", action="store_true", help="send at the baud rate's real speed")


def _build(args: argparse.Namespace) -> Simulator:
    return IdCardSimulator(args.link, baudrate=args.baud, pace=args.pace, card=args.card)


SPEC = SimSpec(help="身份证阅读器 (GA 467) · ID card reader", build=_build, add_arguments=_add_arguments)
