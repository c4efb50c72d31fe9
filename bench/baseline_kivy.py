"""The minimal Kivy window the idle benches compare the apps with: one label, same font, same renderer.

Run as its own process at the app's window size, timed to its first frame, then sampled like the app.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.proc_stats import ROOT, Measured

# Kivy's App wants a source file, not `-c`; ROOT_DIR, WINDOW_SIZE and LABEL_TEXT are filled in.
MINIMAL_APP = r"""
import logging
import sys
from pathlib import Path
sys.path.insert(0, "ROOT_DIR")
import ui.env
ui.env.prepare(Path(sys.argv[1]))
ui.env.configure_window(WINDOW_SIZE)
from ui.fonts import register_cjk_font
register_cjk_font()
from kivy.app import App
from kivy.core.window import Window
from kivy.uix.label import Label
logging.basicConfig(level=logging.INFO)
log = logging.getLogger("baseline")
class Hello(App):
    def build(self):
        return Label(text=LABEL_TEXT, font_size=48)
    def on_start(self):
        def first(*_):
            Window.unbind(on_flip=first)
            log.info("first frame drawn")
        Window.bind(on_flip=first)
Hello().run()
"""


def minimal_app_source(size: tuple[int, int], text: str) -> str:
    return (
        MINIMAL_APP.replace("ROOT_DIR", str(ROOT))
        .replace("WINDOW_SIZE", repr(size))
        .replace("LABEL_TEXT", repr(text))
    )


def measure_baseline(
    work: Path, env: dict[str, str], size: tuple[int, int], text: str, settle_s: float, window_s: float
) -> dict[str, float]:
    """First frame, CPU and RSS of the minimal window; it is stopped before this returns."""
    hello = work / "minimal_window.py"
    hello.write_text(minimal_app_source(size, text), encoding="utf-8")
    base = Measured([sys.executable, str(hello), str(work / "kivy-base")], env)
    try:
        return {"first_frame_s": base.wait_first_frame("baseline"), **base.measure(settle_s, window_s)}
    finally:
        base.stop()
