"""A writer process for the kill -9 test: puts events and prints each `seq` once `put` returned."""

from __future__ import annotations

import sys
from pathlib import Path

from core.outbox import Outbox
from tests.support.events import rating


def main() -> None:
    path, count = Path(sys.argv[1]), int(sys.argv[2])
    outbox = Outbox(path)
    for i in range(count):
        stored = outbox.put(rating(case_id=f"C{i}"))
        print(stored.seq, stored.event_id, flush=True)
    outbox.close()


if __name__ == "__main__":
    main()
