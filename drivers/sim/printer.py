"""Simulated ESC/POS receipt printer on a pseudo-terminal (`hall-sim printer`).

Captures every byte, answers real-time status (`DLE EOT 1/2/4`) from its paper sensor, cover and
error switches, and renders each receipt (everything up to a cut) as text: GB18030 decoded,
commands stripped, QR codes shown as `[QR] content`. With no paper a printer prints nothing: such a
job is counted as lost, not rendered. `hall-sim printer` prints each receipt on stdout as it is cut.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from drivers.printer.escpos_parse import EscPosParser, ReceiptRenderer
from drivers.sim.base import ConsoleCommand, ConsoleError, Simulator, int_arg
from drivers.sim.main import SimSpec

PAPER_STATES = ("ok", "near_end", "out")


class PrinterSimulator(Simulator):
    name = "printer"

    def __init__(
        self,
        link: str | os.PathLike[str] | None = None,
        *,
        width: int = 32,
        on_receipt: Callable[[str], None] | None = None,
        tick_s: float = 0.005,
    ) -> None:
        super().__init__(link, tick_s=tick_s)
        self.width = width
        self.on_receipt = on_receipt
        self.paper = "ok"
        self.cover_open = False
        self.error = False
        self.answer_status = True  # False: a printer that is powered off behind its USB adapter
        self.paper_left_lines: int | None = None  # the roll runs out after this many more lines
        self.received = bytearray()  # print data (status queries excluded)
        self.receipts: list[str] = []  # rendered, in order
        self.receipt_bytes: list[bytes] = []
        self.lost_jobs = 0  # receipts cut while out of paper (or offline): nothing came out
        self.status_queries = 0
        self._parser = EscPosParser()
        self._renderer = ReceiptRenderer(width)
        self._job = bytearray()
        self._job_lost = False

    # -- switches (thread-safe) ---------------------------------------------------------------------

    def set_paper(self, state: str) -> None:
        if state not in PAPER_STATES:
            raise ConsoleError(f"paper is one of {', '.join(PAPER_STATES)}")
        with self.lock:
            self.paper = state

    @property
    def offline(self) -> bool:
        return self.paper == "out" or self.cover_open or self.error

    def status_byte(self, n: int) -> int:
        value = 0x12
        if n == 1 and self.offline:
            value |= 0x08
        elif n == 2:
            value |= (0x04 if self.cover_open else 0) | (0x20 if self.paper == "out" else 0)
            value |= 0x40 if self.error else 0
        elif n == 4:
            value |= {"ok": 0x00, "near_end": 0x0C, "out": 0x6C}[self.paper]
        return value

    # -- the wire ---------------------------------------------------------------------------------

    def on_plug(self) -> None:
        self._parser = EscPosParser()

    def on_host_bytes(self, data: bytes) -> None:
        for token in self._parser.feed(data):
            if token.kind == "status":
                self.status_queries += 1
                if self.answer_status:
                    self.send(bytes([self.status_byte(token.data[0] if token.data else 1)]))
                continue
            self.received += token.raw
            self._job += token.raw
            if token.kind == "newline" and self.paper_left_lines is not None:
                self.paper_left_lines -= 1
                if self.paper_left_lines <= 0:
                    self.paper, self.paper_left_lines = "out", None
            if self.offline:
                self._job_lost = True
            self._renderer.take(token)
            if token.kind == "cut":
                self._finish_job()

    def _finish_job(self) -> None:
        text = self._renderer.finish()
        self._renderer = ReceiptRenderer(self.width)
        job, lost = bytes(self._job), self._job_lost
        self._job.clear()
        self._job_lost = False
        if lost:
            self.lost_jobs += 1
            return
        self.receipts.append(text)
        self.receipt_bytes.append(job)
        if self.on_receipt is not None:
            self.on_receipt(text)

    # -- hall-sim console -------------------------------------------------------------------------

    def status(self) -> str:
        return (
            f"{super().status()}, paper {self.paper}, cover {'open' if self.cover_open else 'closed'}, "
            f"error {'on' if self.error else 'off'}, {len(self.receipts)} receipts, {self.lost_jobs} lost"
        )

    def console_commands(self) -> dict[str, ConsoleCommand]:
        commands = super().console_commands()
        commands.update(
            {
                "paper": ConsoleCommand(self._console_paper, "paper ok|near_end|out", "paper sensor"),
                "cover": ConsoleCommand(self._console_cover, "cover open|closed", "open the cover"),
                "error": ConsoleCommand(self._console_error, "error on|off", "a printer error"),
                "mute": ConsoleCommand(self._console_mute, "mute on|off", "stop answering status"),
                "last": ConsoleCommand(lambda a: self._console_last(), "last", "show the last receipt"),
                "roll": ConsoleCommand(self._console_roll, "roll LINES", "paper runs out after LINES lines"),
            }
        )
        return commands

    def _console_paper(self, args: list[str]) -> str:
        self.set_paper(args[0] if args else "")
        return f"paper {self.paper}"

    def _console_cover(self, args: list[str]) -> str:
        self.cover_open = _switch(args, "open", "closed")
        return f"cover {'open' if self.cover_open else 'closed'}"

    def _console_error(self, args: list[str]) -> str:
        self.error = _switch(args, "on", "off")
        return f"error {'on' if self.error else 'off'}"

    def _console_mute(self, args: list[str]) -> str:
        self.answer_status = not _switch(args, "on", "off")
        return f"status answers {'on' if self.answer_status else 'off'}"

    def _console_roll(self, args: list[str]) -> str:
        self.paper_left_lines = int_arg(args, 0, 10)
        return f"paper runs out in {self.paper_left_lines} lines"

    def _console_last(self) -> str:
        return self.receipts[-1] if self.receipts else "no receipt yet"


def _switch(args: list[str], on: str, off: str) -> bool:
    if not args or args[0] not in (on, off):
        raise ConsoleError(f"say {on} or {off}")
    return args[0] == on


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--width", type=int, default=32, help="columns: 32 (58 mm) or 48 (80 mm)")
    parser.add_argument("--paper", choices=PAPER_STATES, default="ok", help="paper sensor at start")


def _print_receipt(text: str) -> None:
    print(f"===== receipt =====\n{text}\n===== end =====", flush=True)


def _build(args: argparse.Namespace) -> Simulator:
    sim = PrinterSimulator(args.link, width=args.width, on_receipt=_print_receipt)
    sim.set_paper(args.paper)
    return sim


SPEC = SimSpec(help="小票打印机 (ESC/POS) · receipt printer", build=_build, add_arguments=_add_arguments)
