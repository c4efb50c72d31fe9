"""A worker thread's loop over a queue of jobs: run in order, one at a time, until told to stop.

Callers put jobs instead of doing slow or blocking work on their own thread (Paho's, the UI's).
"""

from __future__ import annotations

import queue
from collections.abc import Callable

Job = Callable[[], None]


def run_jobs(
    jobs: queue.SimpleQueue[Job | None], on_error: Callable[[Exception], None], *, wait: bool = True
) -> None:
    """Run each job until a `None` arrives; a job that raises is reported and the next one runs.
    `wait=False`: run those waiting now and return (a caller that has no thread of its own for it).

    `on_error` is called inside the `except`, so `log.exception` there still has the traceback.
    """
    while True:
        try:
            job = jobs.get(block=wait)
        except queue.Empty:
            return
        if job is None:
            return
        try:
            job()
        except Exception as e:
            on_error(e)
