"""A device process for the end-to-end fault test: Outbox + Link, as an evaluator runs them.

    python -m tests.e2e.device_proc --url mqtt://127.0.0.1:PORT --password-file F --state DIR \
        --hall test-hall --device eval-01 --count 2000 --rate 60

Puts `--count` rating events in total, `--rate` per second, printing `put <seq>` after each
`put` returned. After a SIGKILL it is simply started again: every `put` that returned is in the
outbox (its counter says how many), so it goes on from there without putting any event twice.
SIGTERM stops the link cleanly (status offline) and closes the outbox. A line `rate N` on stdin
changes the pace (the test slows down or speeds up the stream around its faults).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from core.config import DeviceSettings, MqttSettings
from core.link import Link
from core.outbox import Outbox
from tests.support.events import rating


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--password-file", type=Path, required=True)
    p.add_argument("--state", type=Path, required=True)
    p.add_argument("--hall", required=True)
    p.add_argument("--device", required=True)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--rate", type=float, default=60.0)
    a = p.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="device %(levelname)s %(name)s: %(message)s"
    )

    settings = DeviceSettings(
        device_id=a.device,
        hall_id=a.hall,
        state_dir=a.state,
        mqtt=MqttSettings(url=a.url, username=a.device, password_file=a.password_file),
    )
    outbox = Outbox(a.state / "outbox.db")
    link = Link(settings, kind="evaluator", outbox=outbox, version="e2e")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    link.start()

    done = outbox.last_seq()  # every put that returned before a kill
    print(f"resume {done}", flush=True)
    pace = [1.0 / a.rate]

    def read_commands() -> None:
        for line in sys.stdin:
            parts = line.split()
            if len(parts) == 2 and parts[0] == "rate":
                pace[0] = 1.0 / float(parts[1])

    threading.Thread(target=read_commands, daemon=True).start()
    next_at = time.monotonic()
    while done < a.count and not stop.is_set():
        stored = outbox.put(rating(a.hall, a.device, case_id=f"{a.device}-C{done + 1:05d}"))
        link.wake()
        done = stored.seq
        print(f"put {stored.seq}", flush=True)
        next_at = max(next_at + pace[0], time.monotonic() - 1.0)
        stop.wait(max(0.0, next_at - time.monotonic()))
    print("all put", flush=True)
    while not stop.is_set():
        stop.wait(0.5)
    link.stop()
    outbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
