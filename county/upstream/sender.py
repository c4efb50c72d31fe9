"""The sender: posts queued reports to the province, oldest first, up to `concurrency` at once.

Runs in its own thread (one httpx client, a pool of `concurrency` posting threads) over its own
store connection.
Each round claims a batch in the database (a lease), posts it, and settles every answer in one
transaction: confirmed rows leave the queue, transient failures (5xx, timeouts, a dead network,
an answer that is not JSON) wait with capped, jittered exponential backoff, permanent refusals
are set aside for a person (`hall-county upstream list|retry`). While the province fails, the
sender probes with a single report instead of walking the whole backlog.
"""

from __future__ import annotations

import logging
import os
import random
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from core.upstream import UpstreamStatus
from county.store import EventStore
from county.upstream.profiles import PROFILES, Sender
from county.upstream.queue import Outcome, Report, UpstreamQueue
from county.upstream.settings import UpstreamSettings

log = logging.getLogger("county.upstream")


class _Throttled:
    """Logs each kind of trouble at most once a minute (a province down for hours is one line a minute)."""

    def __init__(self, every_s: float = 60.0) -> None:
        self.every_s = every_s
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}
        self._lock = threading.Lock()  # the posting threads report trouble at once

    def warn(self, key: str, msg: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key, -1e9) < self.every_s:
                self._skipped[key] = self._skipped.get(key, 0) + 1
                return
            skipped = self._skipped.pop(key, 0)
            self._last[key] = now
        log.warning("%s%s", msg, f" (and {skipped} more like it in the last minute)" if skipped else "")


def backoff_s(
    failures: int, initial_s: float, max_s: float, rand: Callable[[], float] = random.random
) -> float:
    """Exponential backoff capped at `max_s`, with jitter in its upper half."""
    base = min(max_s, initial_s * 2.0 ** max(0, failures - 1))
    return base * (0.5 + 0.5 * rand())


class UpstreamSender:
    def __init__(
        self,
        settings: UpstreamSettings,
        store: EventStore,
        owner: str | None = None,
        on_status: Callable[[UpstreamStatus], None] | None = None,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        assert settings.url is not None, "no [upstream] url"
        assert settings.area_code and settings.dept_code and settings.data_source
        self.settings = settings
        self.url = settings.url
        self.profile = PROFILES[settings.profile]
        self.who = Sender(settings.area_code, settings.dept_code, settings.data_source)
        self.queue = UpstreamQueue(store, owner or f"{os.uname().nodename}-{os.getpid()}", now_ms)
        self.store = store
        self.on_status = on_status
        self.now_ms = now_ms
        # big rounds: two commits per round, and the database's fsyncs are what a round costs most
        self.batch = min(512, max(64, settings.concurrency * 16))
        # a lease outlives the slowest round: every post of the batch timing out, in turn
        self.lease_s = settings.timeout_s * (self.batch / settings.concurrency + 1) + 30
        self.sent = 0
        self.duplicates = 0  # confirmations that said the province had it already
        self.failures = 0  # rounds in a row with a transient failure
        self.unreachable_since: int | None = None
        self.last_error: str | None = None
        self._token = settings.token()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="county-upstream", daemon=True)
        self._throttle = _Throttled()
        self._status_at = 0.0

    # --- life cycle ---
    def start(self) -> None:
        # claims this owner left behind (killed with SIGKILL mid-post) are ours to take again now,
        # not after their lease: the owner is the receiver's fixed client id, one process at a time
        try:
            self.queue.release()
        except Exception as e:
            log.warning("upstream: could not take back earlier claims (they expire on their own): %s", e)
        self._thread.start()
        log.info(
            "reporting to %s (profile %s, %d in flight)",
            self.settings.province,
            self.settings.profile,
            self.settings.concurrency,
        )

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.settings.timeout_s + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with (
                    self._client() as client,
                    ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="upstream-post") as pool,
                ):
                    self._loop(client, pool)
            except Exception as e:  # a bug must not end the reporting: say so, wait, go on
                why = f"{type(e).__name__}: {e}"
                self._throttle.warn("crash", f"upstream: the sender failed ({why}); restarting")
                log.debug("upstream sender failure", exc_info=True)
                self._stop.wait(5.0)
        try:
            self.queue.release()
        except Exception as e:
            log.warning("could not release claims: %s", e)

    def _client(self) -> httpx.Client:
        verify: ssl.SSLContext | bool = True
        if self.settings.ca_file is not None:
            verify = ssl.create_default_context(cafile=str(self.settings.ca_file))
        n = self.settings.concurrency
        return httpx.Client(
            timeout=httpx.Timeout(self.settings.timeout_s),
            limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
            verify=verify,
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )

    def _loop(self, client: httpx.Client, pool: ThreadPoolExecutor) -> None:
        while not self._stop.is_set():
            self._maybe_status()
            try:
                reports = self.queue.claim(1 if self.failures else self.batch, self.lease_s)
            except Exception as e:  # the database: wait and try again, the rows stay where they are
                self._throttle.warn("db", f"upstream: cannot read the queue: {e}")
                self._sleep(2.0)
                continue
            if not reports:
                self._sleep(self.settings.idle_poll_s)
                continue
            self.round(client, pool, reports)

    def round(self, client: httpx.Client, pool: ThreadPoolExecutor, reports: list[Report]) -> None:
        """Post a claimed batch (`concurrency` at a time, oldest first) and settle every answer."""
        stalled = threading.Event()  # the first transient failure ends the round: no use posting on
        outcomes = list(pool.map(lambda r: self._post(client, r, stalled), reports))
        while True:
            try:
                self.sent += self.queue.settle(outcomes)
                break
            except Exception as e:  # keep the answers: settling later is still right (idempotent)
                self._throttle.warn("db", f"upstream: cannot record the province's answers: {e}")
                self._sleep(2.0)
                if self._stop.is_set():
                    return  # the leases run out; the province absorbs the repeat by its key
        self.duplicates += sum(1 for o in outcomes if o.kind == "sent" and o.duplicate)
        transient = [o for o in outcomes if o.kind == "retry"]
        if any(o.kind == "sent" for o in outcomes):
            if self.unreachable_since is not None:
                log.info("upstream: %s answers again", self.settings.province)
            self.unreachable_since = None
        if transient and not any(o.kind == "sent" for o in outcomes):
            self.failures += 1
            if self.unreachable_since is None:
                self.unreachable_since = self.now_ms()
                self._maybe_status(force=True)
            s = self.settings
            self._sleep(backoff_s(self.failures, s.backoff_initial_s, s.backoff_max_s))
        else:
            self.failures = 0

    def _post(self, client: httpx.Client, report: Report, stalled: threading.Event) -> Outcome:
        if stalled.is_set() or self._stop.is_set():
            return Outcome(report.event_id, "unsent")
        outcome = self._post_one(client, report)
        if outcome.kind == "retry":
            stalled.set()
        return outcome

    def _post_one(self, client: httpx.Client, report: Report) -> Outcome:
        try:
            body, headers = self.profile.body(report, self.who), self.profile.headers(report)
        except Exception as e:  # a stored value the profile cannot express: a person must look
            error = f"cannot build the report: {type(e).__name__}: {e}"
            log.error("upstream: %s for %s; kept for `hall-county upstream list`", error, report.event_id)
            return Outcome(report.event_id, "refused", error=error)
        try:
            r = client.post(self.url, json=body, headers=headers)
            answer = self.profile.answer(r.status_code, r.content)
        except httpx.TimeoutException:
            return self._retry(report, "timeout", f"no answer within {self.settings.timeout_s:g} s")
        except httpx.TransportError as e:  # refused, reset, DNS, TLS: the network or the province
            return self._retry(report, type(e).__name__, f"{type(e).__name__}: {e}".rstrip(": "))
        if answer.kind == "sent":
            return Outcome(report.event_id, "sent", duplicate=answer.duplicate)
        if answer.kind == "refused":
            self.last_error = answer.error
            log.error(
                "upstream: the province refused %s (case %s round %d): %s; kept for"
                " `hall-county upstream list`",
                report.event_id,
                report.case_id or "-",
                report.assess_number,
                answer.error,
            )
            return Outcome(report.event_id, "refused", error=answer.error)
        return self._retry(report, answer.error or "retry", answer.error or "retry")

    def _retry(self, report: Report, key: str, error: str) -> Outcome:
        self.last_error = error
        self._throttle.warn(key, f"upstream: {self.settings.province}: {error}; retrying with backoff")
        delay = backoff_s(report.attempts + 1, self.settings.backoff_initial_s, self.settings.backoff_max_s)
        return Outcome(report.event_id, "retry", error=error, retry_at_ms=self.now_ms() + int(delay * 1000))

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0 and not self._stop.wait(min(left, 0.2)):
            self._maybe_status()

    # --- what operators see ---
    def status(self) -> UpstreamStatus:
        st = self.queue.stats()
        now = self.now_ms()
        return UpstreamStatus(
            timestamp=now,
            province=self.settings.province,
            waiting=st.waiting,
            oldest_age_s=None if st.oldest_queued_ms is None else max(0, now - st.oldest_queued_ms) / 1000,
            refused=st.refused,
            sent=self.sent,
            unreachable_since=self.unreachable_since,
            last_error=self.last_error,
        )

    def _maybe_status(self, force: bool = False) -> None:
        if self.on_status is None:
            return
        now = time.monotonic()
        if not force and now - self._status_at < self.settings.status_every_s:
            return
        self._status_at = now
        try:
            self.on_status(self.status())
        except Exception as e:
            self._throttle.warn("status", f"upstream: cannot publish the status: {e}")
