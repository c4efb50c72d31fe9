"""`hall-probe`: field diagnostics for one serial peripheral (docs/drivers.md, contract).

    hall-probe {idcard|keypad|scanner|staffcard} PORT_URL [--baud N] [--protocol NAME] [--show-pii]

Opens the device and prints one JSON object per line for each decoded event (`"event": "key"`
lines carry `key`: 1-5, `invite`, `confirm` or `cancel`; `"event": "code"` lines carry `code`),
plus `"event": "state"` lines when the device goes missing or comes back. When the port cannot
be opened it prints one line on stderr saying why and exits 2.

Adding a device kind: write a `ProbeSpec` and list it in `PROBES` as "module:attribute".
"""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from drivers.device import SerialDevice, StateChange
from drivers.errors import DriverError

KINDS = ("idcard", "keypad", "scanner", "staffcard")

# kind -> "module:attribute" of a ProbeSpec. The ID card driver adds
# "idcard": "drivers.idcard.probe:PROBE" (card lines: masked id_number and name unless --show-pii).
PROBES: dict[str, str] = {
    "idcard": "drivers.idcard.probe:PROBE",
    "keypad": "drivers.probe:KEYPAD_PROBE",
    "scanner": "drivers.probe:SCANNER_PROBE",
    "staffcard": "drivers.probe:STAFFCARD_PROBE",
}

EXIT_PORT = 2


@dataclass(frozen=True)
class ProbeSpec:
    """How to open one kind of device and turn its events into JSON objects (None: skip)."""

    build: Callable[[argparse.Namespace], SerialDevice]
    to_json: Callable[[object, argparse.Namespace], dict[str, Any] | None]
    default_baud: int = 9600
    # Optional: called on a helper thread once the port is open, and for every event, so a
    # probe can talk to the device (the keypad one enables the keys so presses can be seen).
    on_open: Callable[[SerialDevice, argparse.Namespace], None] | None = None
    on_event: Callable[[SerialDevice, object, argparse.Namespace], None] | None = None


def load_probe(kind: str) -> ProbeSpec:
    target = PROBES.get(kind)
    if target is None:
        raise DriverError(f"hall-probe: no {kind} driver is installed in this build")
    module_name, _, attr = target.partition(":")
    spec = getattr(importlib.import_module(module_name), attr)
    assert isinstance(spec, ProbeSpec), target
    return spec


# -- keypad ---------------------------------------------------------------------------------------


def _build_keypad(args: argparse.Namespace) -> SerialDevice:
    from drivers.keypad import open_keypad

    return open_keypad(args.url, protocol=args.protocol or "hk1", baudrate=args.baud)


def _keypad_json(event: object, args: argparse.Namespace) -> dict[str, Any] | None:
    from drivers.keypad import Heartbeat, KeypadHello, KeyPressed

    if isinstance(event, KeyPressed):
        return {"event": "key", "key": event.key}
    if isinstance(event, KeypadHello):
        return {
            "event": "hello",
            "protocol": event.protocol,
            "firmware": event.firmware,
            "serial": event.serial,
        }
    if isinstance(event, Heartbeat):
        return {"event": "heartbeat"}
    return None


def _keypad_enable(device: SerialDevice, args: argparse.Namespace) -> None:
    """Rating keys are dead until the host enables them; a probe wants to see every key."""
    from drivers.keypad import Keypad

    if args.no_enable or not isinstance(device, Keypad):
        return
    try:
        device.enable_keys(True, 0)
    except DriverError as err:
        print(f"hall-probe: could not enable the keypad's keys: {err}", file=sys.stderr, flush=True)


def _keypad_event(device: SerialDevice, event: object, args: argparse.Namespace) -> None:
    from drivers.keypad import KeypadHello

    if isinstance(event, KeypadHello):  # it restarted with its keys disabled
        threading.Thread(target=_keypad_enable, args=(device, args), daemon=True).start()


KEYPAD_PROBE = ProbeSpec(
    build=_build_keypad,
    to_json=_keypad_json,
    default_baud=9600,
    on_open=_keypad_enable,
    on_event=_keypad_event,
)


# -- line readers ---------------------------------------------------------------------------------


def _line_builder(kind: str) -> Callable[[argparse.Namespace], SerialDevice]:
    def build(args: argparse.Namespace) -> SerialDevice:
        from drivers.line_reader import LineReader, StaffCardReader

        cls = StaffCardReader if kind == "staffcard" else LineReader
        # Diagnostics show every line as it comes: no repeat filter.
        return cls(
            args.url,
            baudrate=args.baud,
            terminator=args.terminator,
            prefix=args.prefix,
            suffix=args.suffix,
            repeat_interval_s=0.0,
        )

    return build


def _line_json(event: object, args: argparse.Namespace) -> dict[str, Any] | None:
    from drivers.line_reader import CodeRead

    if isinstance(event, CodeRead):
        return {"event": "code", "code": event.code}
    return None


SCANNER_PROBE = ProbeSpec(build=_line_builder("scanner"), to_json=_line_json)
STAFFCARD_PROBE = ProbeSpec(build=_line_builder("staffcard"), to_json=_line_json)


# -- command line ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hall-probe",
        description="外设诊断 · Open one serial peripheral and print its events as JSON lines.",
    )
    parser.add_argument("kind", choices=KINDS, help="device kind")
    parser.add_argument("url", metavar="PORT_URL", help="pyserial URL: /dev/ttyUSB0, socket://host:port, ...")
    parser.add_argument("--baud", type=int, default=None, help="baud rate (default: the device's usual)")
    parser.add_argument("--protocol", default=None, help="keypad dialect (default hk1)")
    parser.add_argument("--show-pii", action="store_true", help="show citizen data unmasked (ID cards)")
    parser.add_argument(
        "--no-enable", action="store_true", help="keypad: do not enable the rating keys (listen only)"
    )
    parser.add_argument("--count", type=int, default=0, help="exit after N events (default: never)")
    parser.add_argument("--timeout", type=float, default=0.0, help="exit after S seconds (default: never)")
    lines = parser.add_argument_group("line readers (scanner, staffcard)")
    lines.add_argument(
        "--terminator",
        choices=("CR", "LF", "CRLF", "ANY"),
        default="ANY",
        help="what ends one code: CR, LF, CRLF, or ANY of them (default ANY)",
    )
    lines.add_argument(
        "--prefix",
        default="",
        metavar="TEXT",
        help="text the reader sends before each code, stripped (default none)",
    )
    lines.add_argument(
        "--suffix",
        default="",
        metavar="TEXT",
        help="text the reader sends after each code, before the terminator, stripped (default none)",
    )
    return parser


def _print(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        spec = load_probe(args.kind)
        args.baud = args.baud or spec.default_baud
        device = spec.build(args)
    except (DriverError, ValueError) as err:
        print(str(err) if str(err).startswith("hall-probe") else f"hall-probe: {err}", file=sys.stderr)
        return EXIT_PORT

    done = threading.Event()
    seen = 0
    lock = threading.Lock()

    def on_event(event: object) -> None:
        nonlocal seen
        if spec.on_event is not None:
            spec.on_event(device, event, args)
        obj = spec.to_json(event, args)
        if obj is None:
            return
        with lock:
            _print({"device": args.kind, **obj})
            seen += 1
            if args.count and seen >= args.count:
                done.set()

    def on_state(change: StateChange) -> None:
        with lock:
            _print({"device": args.kind, "event": "state", "state": change.state, "detail": change.detail})

    device.add_listener(on_event, on_state)
    try:
        device.start(require_port=True)
    except DriverError as err:
        print(f"hall-probe: {err}", file=sys.stderr)
        return EXIT_PORT
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    if spec.on_open is not None:
        threading.Thread(target=spec.on_open, args=(device, args), daemon=True).start()
    try:
        deadline = args.timeout or float("inf")
        waited = 0.0
        while waited < deadline and not done.wait(min(0.2, deadline - waited)):
            waited += 0.2
    finally:
        device.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
