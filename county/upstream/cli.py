"""`hall-county` commands of the upstream leg.

hall-county upstream list                 reports the province refused (kept for a person)
hall-county upstream retry [--id EVENT]   put refused reports back in line (all, or the ones named)
hall-county export-gbt39046 --from D --to D --out FILE.csv|FILE.xlsx
                                          GB/T 39046-2020 表9 rows of the ratings of those days
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from core.clock import CHINA_TZ
from county.settings import CountySettings
from county.store import StoreError, open_store
from county.upstream import gbt39046
from county.upstream.queue import queue_stats, refused_reports, retry_refused

COMMANDS = ("upstream", "export-gbt39046")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from",
        dest="date_from",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="export-gbt39046: first day (China time)",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="export-gbt39046: last day, inclusive",
    )
    if "--out" not in p._option_string_actions:  # other commands may have defined it (one --out FILE)
        p.add_argument("--out", type=Path, metavar="FILE", help="export-gbt39046: .csv or .xlsx")
    p.add_argument(
        "--id",
        dest="event_ids",
        action="append",
        metavar="EVENT_ID",
        help="upstream retry: only this report (repeatable)",
    )


def run(settings: CountySettings, args: argparse.Namespace) -> int:
    name = args.command
    if name == "upstream":
        action = str(args.file) if args.file is not None else ""
        if action not in ("list", "retry"):
            print("hall-county upstream: list or retry", file=sys.stderr)
            return 2
    elif args.date_from is None or args.date_to is None or args.out is None:
        print(
            "hall-county export-gbt39046: needs --from YYYY-MM-DD --to YYYY-MM-DD --out FILE", file=sys.stderr
        )
        return 2
    elif args.out.suffix.lower() not in (".csv", ".xlsx"):
        print(f"hall-county export-gbt39046: --out {args.out}: must end in .csv or .xlsx", file=sys.stderr)
        return 2
    try:
        store = open_store(settings.database)
    except StoreError as e:
        print(f"hall-county {name}: {e}", file=sys.stderr)
        return 1
    try:
        if name == "export-gbt39046":
            try:
                n = gbt39046.export(store, args.date_from, args.date_to, args.out)
            except OSError as e:
                print(f"hall-county export-gbt39046: {args.out}: {e.strerror}", file=sys.stderr)
                return 1
            print(f"wrote {n} ratings ({args.date_from} .. {args.date_to}) to {args.out}")
            return 0
        if str(args.file) == "retry":
            n = retry_refused(store, args.event_ids)
            print(f"{n} refused report(s) back in line; the sender posts them next")
            return 0
        st = queue_stats(store)
        print(f"待上报 waiting: {st.waiting}   被拒 refused: {st.refused}")
        for r in refused_reports(store):
            at = datetime.fromtimestamp(r.queued_ms / 1000, CHINA_TZ)
            print(
                f"{r.event_id}  办件 {r.case_id or '-'} 第{r.assess_number}次  queued {at:%Y-%m-%d %H:%M}"
                f"  attempts {r.attempts}  {r.error or ''}"
            )
        return 0
    finally:
        store.close()
