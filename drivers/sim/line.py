"""Scanner and staff-card simulators: they send codes as lines (`hall-sim scanner|staffcard`)."""

from __future__ import annotations

import argparse
import os
from typing import ClassVar

from drivers.line_reader import TERMINATORS
from drivers.sim.base import ConsoleCommand, ConsoleError, Simulator
from drivers.sim.main import SimSpec


class LineSim(Simulator):
    name: ClassVar[str] = "scanner"

    def __init__(
        self,
        link: str | os.PathLike[str] | None = None,
        *,
        terminator: str = "CR",
        prefix: str = "",
        suffix: str = "",
        encoding: str = "utf-8",
    ) -> None:
        super().__init__(link)
        self.terminator = TERMINATORS[terminator]
        self.prefix = prefix
        self.suffix = suffix
        self.encoding = encoding
        self.sent_lines: list[str] = []

    def send_line(self, code: str) -> int:
        """Send one code the way the device is configured (prefix, code, suffix, terminator)."""
        with self.lock:
            self.sent_lines.append(code)
            data = (self.prefix + code + self.suffix).encode(self.encoding) + self.terminator
            return self.send(data)

    def send_partial(self, code: str) -> int:
        """A code with no terminator (a scan cut off by an unplug)."""
        return self.send((self.prefix + code).encode(self.encoding))

    def console_commands(self) -> dict[str, ConsoleCommand]:
        commands = super().console_commands()
        commands["scan"] = ConsoleCommand(self._console_scan, "scan CODE", "send CODE as one line")
        commands["partial"] = ConsoleCommand(
            lambda a: f"sent {self.send_partial(' '.join(a))} bytes",
            "partial CODE",
            "send CODE with no terminator",
        )
        return commands

    def _console_scan(self, args: list[str]) -> str:
        if not args:
            raise ConsoleError("scan needs a code")
        code = " ".join(args)
        self.send_line(code)
        return f"sent {code}"


class StaffCardSim(LineSim):
    name: ClassVar[str] = "staffcard"

    def console_commands(self) -> dict[str, ConsoleCommand]:
        commands = super().console_commands()
        commands["card"] = ConsoleCommand(self._console_scan, "card NUMBER", "present a staff card")
        return commands


def _line_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--terminator",
        choices=sorted(TERMINATORS),
        default="CR",
        help="what the simulated reader sends after each code (default CR)",
    )
    parser.add_argument(
        "--prefix",
        default="",
        metavar="TEXT",
        help="text sent before each code, as some readers are set up to (default none)",
    )
    parser.add_argument(
        "--suffix",
        default="",
        metavar="TEXT",
        help="text sent after each code, before the terminator (default none)",
    )


SCANNER_SPEC = SimSpec(
    help="条码/二维码扫描枪 · barcode/QR scanner (one code per line)",
    build=lambda a: LineSim(a.link, terminator=a.terminator, prefix=a.prefix, suffix=a.suffix),
    add_arguments=_line_arguments,
)
STAFFCARD_SPEC = SimSpec(
    help="工作人员卡读卡器 · staff-card reader (one card number per line)",
    build=lambda a: StaffCardSim(a.link, terminator=a.terminator, prefix=a.prefix, suffix=a.suffix),
    add_arguments=_line_arguments,
)
