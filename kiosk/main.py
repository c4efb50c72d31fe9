"""`hall-kiosk`: the self-service kiosk (自助服务终端): ID card → case progress, service guides,
receipts, rating. Settings: TOML file plus `HALL_...` environment variables (docs/kiosk.md,
"Configuration")."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from core.config import ConfigError
from core.outbox import OutboxError
from core.startup import load_settings
from kiosk.settings import KioskSettings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="hall-kiosk",
        description="政务服务自助终端 · Self-service kiosk: reads the resident ID card (GA 467) or a "
        "scanned case code, shows case progress from the county, service guides, prints receipts and "
        "takes ratings. Settings: TOML file plus HALL_... environment variables (e.g. HALL_MQTT__URL, "
        "HALL_SERIAL__IDCARD).",
    )
    p.add_argument("--config", type=Path, help="TOML file (default: built-in defaults)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = load_settings(KioskSettings, args.config, "hall-kiosk")
    if settings is None:
        return 2
    import ui.env

    ui.env.prepare(settings.state_dir / "kivy", size=(settings.screen_width, settings.screen_height))
    ui.env.configure_window((settings.screen_width, settings.screen_height), settings.fullscreen)
    from ui.fonts import FontError, register_cjk_font

    try:
        register_cjk_font(settings.font)
        from kiosk.view.app import KioskApp

        app = KioskApp(settings)
    except (FontError, ConfigError, OutboxError) as e:
        print(f"hall-kiosk: {e}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda _s, _f: app.request_stop())
    signal.signal(signal.SIGINT, lambda _s, _f: app.request_stop())
    signal.signal(signal.SIGHUP, lambda _s, _f: app.request_stop())  # a closed terminal: the same clean stop
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
