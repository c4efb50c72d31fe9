"""Work-order alerts on `county/v1/alert/{hall}` (QoS 1, not retained, `hall.alert/1`).

Alerts are written to the `alerts` table in the transaction that opens or marks the work order,
then published from there: a crash between commit and publish loses none. Each alert is claimed
(`sent_ms` set where it is still empty) before it is published, so two receivers sharing a
database publish it once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from core import topics
from county.store import EventStore

log = logging.getLogger("county.alerts")

Publish = Callable[[str, bytes], bool]  # topic, payload -> handed to the client (QoS 1)


class AlertPublisher:
    def __init__(self, store: EventStore, publish: Publish, batch: int = 200) -> None:
        self.store = store
        self.publish = publish
        self.batch = batch

    def claim(self) -> list[tuple[int, str, str]]:
        """Up to `batch` unsent alerts, now marked sent by this process: (id, hall, payload)."""
        now_ms = int(time.time() * 1000)
        with self.store.transaction() as cur:
            cur.execute(
                self.store.sql(
                    "SELECT id, hall_id, payload FROM alerts WHERE sent_ms IS NULL"
                    f" ORDER BY id LIMIT {int(self.batch)}"
                )
            )
            rows = [(int(r[0]), str(r[1]), str(r[2])) for r in cur.fetchall()]
            mine = []
            for row in rows:
                cur.execute(
                    self.store.sql("UPDATE alerts SET sent_ms = ? WHERE id = ? AND sent_ms IS NULL"),
                    [now_ms, row[0]],
                )
                if cur.rowcount == 1:
                    mine.append(row)
        return mine

    def flush(self) -> int:
        """Publish what is waiting; returns how many were handed to the client."""
        sent = 0
        while True:
            claimed = self.claim()
            for n, (_aid, hall, payload) in enumerate(claimed):
                if not self.publish(topics.alert(hall), payload.encode()):
                    for later, _h, _p in claimed[n:]:  # the client would not take it: keep them for later
                        self._unclaim(later)
                    return sent
                sent += 1
            if len(claimed) < self.batch:
                return sent

    def _unclaim(self, aid: int) -> None:
        with self.store.transaction() as cur:
            cur.execute(self.store.sql("UPDATE alerts SET sent_ms = NULL WHERE id = ?"), [aid])
        log.warning("alert %d not published (county broker unavailable): kept for the next try", aid)
