"""`hall-evaluator`: the window rating terminal (评价器 / 评价PAD).

    hall-evaluator [--config FILE] [--headless]

With a screen it runs the Kivy view; `--headless` (a keypad-only box) runs the same controller
driven by the serial keypad, staff-card reader, scanner and MQTT alone, with no Kivy import.
A bad configuration prints one line and exits 2; the `restart` command exits 75.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from core.config import ConfigError
from core.outbox import OutboxError
from core.startup import load_settings
from evaluator.settings import EvaluatorSettings

log = logging.getLogger("hall-evaluator")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="hall-evaluator",
        description="Window rating terminal (评价器): one case, one rating.",
    )
    p.add_argument("--config", type=Path, help="TOML file (default: built-in defaults; HALL_* overrides)")
    p.add_argument(
        "--headless", action="store_true", help="no screen: keypad, card reader, scanner and MQTT only"
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings(EvaluatorSettings, args.config, "hall-evaluator")
    if settings is None:
        return 2
    try:
        return run_headless(settings) if args.headless else run_with_screen(settings)
    except (ConfigError, OutboxError) as e:
        print(f"hall-evaluator: {e}", file=sys.stderr)
        return 2


def run_headless(settings: EvaluatorSettings) -> int:
    from evaluator.service import EvaluatorService

    stop = threading.Event()

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)  # a closed terminal: the same clean stop
    service = EvaluatorService(settings, has_screen=False)
    log.info("evaluator %s running headless (window %s)", settings.device_id, settings.window_id)
    return service.run_headless(stop)


def run_with_screen(settings: EvaluatorSettings) -> int:
    import ui.env

    try:
        ui.env.prepare(settings.state_dir / "kivy")  # Kivy's own config and logs stay with our state
    except OSError as e:
        print(f"hall-evaluator: state_dir {settings.state_dir}: {e.strerror}", file=sys.stderr)
        return 2
    ui.env.configure_window((settings.screen_width, settings.screen_height), settings.fullscreen)
    from ui.fonts import FontError, register_cjk_font

    try:
        register_cjk_font(settings.font)
    except FontError as e:
        print(f"hall-evaluator: {e}", file=sys.stderr)
        return 2
    from evaluator.view.app import EvaluatorApp

    app = EvaluatorApp(settings)
    signal.signal(signal.SIGTERM, lambda _s, _f: app.request_stop())
    signal.signal(signal.SIGINT, lambda _s, _f: app.request_stop())
    signal.signal(signal.SIGHUP, lambda _s, _f: app.request_stop())  # a closed terminal: the same clean stop
    app.run()
    return app.exit_code


if __name__ == "__main__":
    sys.exit(main())
