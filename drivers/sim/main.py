"""`hall-sim`: run one device simulator on a pseudo-terminal, scripted from stdin.

    hall-sim keypad --link ./kp        # prints the port path, then reads commands:
    press 5 / invite / hello / unplug / replug / garbage 20 / help / quit

The first stdout line is the path to open (the `--link` path if given). Every command gets one
reply line (`error: ...` when it was wrong). End of input ends the simulator, unless
`--no-console`, which runs until SIGINT/SIGTERM.

Adding a simulator: write a module with a `SPEC = SimSpec(...)` and add one line to
`SIMULATORS` below. Specs are imported only when listed by `--help` or chosen.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from drivers.sim.base import ConsoleError, Simulator

# name -> "module:attribute" of a SimSpec
SIMULATORS: dict[str, str] = {
    "idcard": "drivers.sim.idcard:SPEC",
    "keypad": "drivers.sim.keypad:SPEC",
    "printer": "drivers.sim.printer:SPEC",
    "scanner": "drivers.sim.line:SCANNER_SPEC",
    "staffcard": "drivers.sim.line:STAFFCARD_SPEC",
}


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


@dataclass(frozen=True)
class SimSpec:
    """How `hall-sim` builds one simulator: its help line, extra options, and a factory."""

    help: str
    build: Callable[[argparse.Namespace], Simulator]
    add_arguments: Callable[[argparse.ArgumentParser], None] = field(default=_no_arguments)


def load_spec(name: str) -> SimSpec:
    module_name, _, attr = SIMULATORS[name].partition(":")
    spec = getattr(importlib.import_module(module_name), attr)
    if not isinstance(spec, SimSpec):
        raise TypeError(f"{SIMULATORS[name]} is not a SimSpec")
    return spec


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hall-sim",
        description="模拟串口外设 · Simulate a serial peripheral on a pseudo-terminal.",
    )
    sub = parser.add_subparsers(dest="device", required=True, metavar="DEVICE")
    for name in SIMULATORS:
        spec = load_spec(name)
        p = sub.add_parser(name, help=spec.help, description=spec.help)
        p.add_argument("--link", help="stable path (symlink) to the port, kept across unplug/replug")
        p.add_argument("--no-console", action="store_true", help="ignore stdin; run until SIGINT/SIGTERM")
        spec.add_arguments(p)
    return parser


def run_console(sim: Simulator, lines: Sequence[str] | None = None) -> None:
    """Read commands (from `lines` or stdin) until end of input or `quit`."""
    commands = sim.console_commands()
    source = lines if lines is not None else sys.stdin
    for raw in source:
        words = shlex.split(raw, comments=True) if raw.strip() else []
        if not words:
            continue
        name, args = words[0].lower(), words[1:]
        if name in ("quit", "exit"):
            return
        if name == "help":
            for cmd in commands.values():
                print(f"{cmd.usage:24} {cmd.help}")
            print(f"{'status':24} where the port is and whether it is plugged")
            print(f"{'quit':24} stop the simulator")
            sys.stdout.flush()
            continue
        if name == "status":
            _reply(sim.status())
            continue
        found = commands.get(name)
        if found is None:
            _reply(f"error: unknown command {name!r} (try help)")
            continue
        try:
            reply = found.run(args)
        except ConsoleError as err:
            reply = f"error: {err}"
        if reply is not None:
            _reply(reply)


def _reply(line: str) -> None:
    print(line, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sim = load_spec(args.device).build(args)
    try:
        path = sim.start()
    except OSError as err:
        print(f"hall-sim: cannot create the port: {err}", file=sys.stderr)
        return 2
    _reply(path)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        if args.no_console:
            while not stop.wait(0.5):
                pass
        else:

            def console() -> None:
                run_console(sim)
                stop.set()

            reader = threading.Thread(target=console, daemon=True)
            reader.start()
            while not stop.wait(0.2):
                pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
