"""The controller's `KeypadPort` on a real keypad driver, without blocking the caller.

The driver's commands block until the keypad acks them (up to ~0.8 s with resends, longer when
it is unplugged). The controller calls the port with its lock held, from the touch screen's
thread too, so commands go through a queue to one worker thread, in order.
"""

from __future__ import annotations

import logging
import queue
import threading

from core.jobs import Job, run_jobs
from drivers.keypad.base import Keypad
from drivers.keypad.events import Prompt as KeypadPrompt
from evaluator.ports import Prompt

log = logging.getLogger(__name__)

_PROMPTS = {
    Prompt.PLEASE_RATE: KeypadPrompt.PLEASE_RATE,
    Prompt.THANKS: KeypadPrompt.THANK_YOU,
    Prompt.WELCOME: KeypadPrompt.WELCOME,
}
BLINK_S = 0.5


class AsyncKeypad:
    """Satisfies `evaluator.ports.KeypadPort`."""

    def __init__(self, keypad: Keypad) -> None:
        self.keypad = keypad
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="keypad-commands", daemon=True)
        self._thread.start()

    # -- KeypadPort --------------------------------------------------------------------------------

    def enable_keys(self, seconds: int) -> None:
        # hk1 counts 1-255 s; longer invitations enable "until told otherwise" (the controller
        # disables the keys when the rating closes).
        seconds = seconds if 0 < seconds <= 255 else 0
        self._jobs.put(lambda: self.keypad.enable_keys(True, seconds))

    def disable_keys(self) -> None:
        self._jobs.put(lambda: self.keypad.enable_keys(False, 0))

    def play(self, prompt: Prompt) -> None:
        self._jobs.put(lambda: self.keypad.play_prompt(_PROMPTS[prompt]))

    def blink(self, seconds: float) -> None:
        def blink() -> None:
            on = True
            for _ in range(max(1, int(seconds / BLINK_S))):
                if self._stopping.is_set():
                    break
                self.keypad.set_leds(frozenset({1, 2, 3, 4, 5}) if on else frozenset(), invite=on)
                on = not on
                self._stopping.wait(BLINK_S)
            self.keypad.set_leds(frozenset(), invite=False)

        self._jobs.put(blink)

    # -- lifecycle ---------------------------------------------------------------------------------

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        # unplugged, not acked, refused: logged, the next job still runs
        run_jobs(self._jobs, lambda e: log.warning("keypad %s: %s", self.keypad.name, e))
