"""The county's 好差评 loop as a job inside `hall-county`: every `loop_interval_s` it stores the
system defaults of cases past their rating window, marks overdue work orders and publishes the
alerts waiting in the store. Its own database connections: the receiver's batches never wait
for it, and a failing round is logged and tried again next time (never stops the receiver).
"""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

from core.clock import Clock, SystemClock, now
from county.alerts import AlertPublisher, Publish
from county.cases import CaseImportError, CaseStore, load_or_create_key
from county.defaults import DefaultsResult, apply_defaults
from county.settings import CountySettings
from county.store import EventStore, StoreError, open_store
from county.workdays import WorkCalendar
from county.workorders import WorkOrder, WorkOrderBook

log = logging.getLogger("county.loop")


def open_cases(settings: CountySettings) -> CaseStore:
    """The case store, or `StoreError` in one line (a path that cannot be made, a database refused)."""
    try:
        return CaseStore(settings.cases_url, load_or_create_key(settings.id_key_path))
    except CaseImportError:
        raise
    except Exception as e:  # sqlite3 / psycopg errors and OSError alike
        where = settings.cases_url.split("@")[-1]  # never a password from a URL
        why = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
        raise StoreError(f"case store {where}: {why}") from None


class LoopService:
    def __init__(
        self,
        settings: CountySettings,
        publish: Publish,
        calendar: WorkCalendar,
        clock: Clock | None = None,
        store: EventStore | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.calendar = calendar
        self.store = store if store is not None else open_store(settings.database)
        self.store.calendar = calendar
        self.cases = open_cases(settings)
        self.book = WorkOrderBook(self.store, calendar, self.clock)
        self.alerts = AlertPublisher(self.store, publish)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def today(self) -> date:
        return now(self.clock).date()

    def defaults(self) -> DefaultsResult:
        today = self.today()
        s = self.settings
        return apply_defaults(
            self.store,
            self.cases,
            self.calendar,
            today,
            window_days=s.rating_window_days,
            hall_id=s.default_hall_id,
            region_code=s.region_code,
            since=today - timedelta(days=s.defaults_lookback_days),
        )

    def run_once(self) -> tuple[DefaultsResult | None, list[WorkOrder], int]:
        """One round: defaults, overdue marks, alerts. Each step on its own: one failing stops none."""
        made: DefaultsResult | None = None
        overdue: list[WorkOrder] = []
        sent = 0
        try:
            made = self.defaults()
        except Exception as e:
            log.error("system defaults failed this round: %s", e)
        try:
            overdue = self.book.mark_overdue()
            for w in overdue:
                log.warning(
                    "work order %d (%s/%s) is overdue: due %s",
                    w.id,
                    w.hall_id,
                    w.window_id or "-",
                    w.due.isoformat(),
                )
        except Exception as e:
            log.error("overdue check failed this round: %s", e)
        try:
            sent = self.alerts.flush()
        except Exception as e:
            log.error("sending alerts failed this round: %s", e)
        return made, overdue, sent

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.settings.loop_interval_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="county-loop", daemon=True)
        self._thread.start()
        log.info(
            "好差评 loop every %.0f s: system defaults, overdue work orders, alerts",
            self.settings.loop_interval_s,
        )

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        self.cases.close()
        self.store.close()
