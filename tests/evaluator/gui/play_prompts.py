"""Play the evaluator's voice prompts through Kivy's SoundLoader into SDL's `disk` audio driver
(a file instead of a sound card), driven by a real controller: invite, then a rating.

    python -m tests.evaluator.gui.play_prompts OUT_DIR MODE     # MODE: on | quiet | mute

Writes OUT_DIR/result-MODE.json: which file each prompt loaded, and the peak sample written to
the "sound card" after the invitation and after the thanks. Run as a subprocess: SDL's audio
driver is chosen once per process, before Kivy's audio is imported.
"""

from __future__ import annotations

import array
import json
import os
import sys
import tempfile
import time
from pathlib import Path

LISTEN_S = 1.0  # how long each prompt plays before the output is read


def main() -> None:
    out, mode = Path(sys.argv[1]), sys.argv[2]
    raw = out / f"card-{mode}.raw"
    os.environ["SDL_AUDIODRIVER"] = "disk"
    os.environ["SDL_DISKAUDIOFILE"] = str(raw)
    from tests.support.kivy_harness import prepare_kivy

    prepare_kivy()
    from core.clock import FakeClock
    from core.device_config import DeviceConfig, StaffMember
    from core.outbox import Outbox
    from evaluator.controller import DeviceIdentity, EvaluatorController
    from evaluator.ports import Prompt
    from evaluator.settings import EvaluatorSettings
    from evaluator.view.audio import KivyAudio

    settings = EvaluatorSettings(
        audio_mute=mode == "mute", audio_volume={"on": 1.0, "quiet": 0.1, "mute": 1.0}[mode]
    )
    files = {Prompt.PLEASE_RATE: settings.audio_please_rate, Prompt.THANKS: settings.audio_thanks}
    audio = KivyAudio(
        {p: f for p, f in files.items() if f is not None},
        volume=settings.audio_volume,
        mute=settings.audio_mute,
    )
    clock = FakeClock()
    outbox = Outbox(Path(tempfile.mkdtemp()) / "outbox.db", clock=clock)
    cfg = DeviceConfig(window_name="5号窗口", staff=[StaffMember(id="S05", name="周敏", card="CARD-5")])
    c = EvaluatorController(
        DeviceIdentity("demo-hall", "eval-05", "w05", "110101"),
        cfg,
        clock,
        outbox,
        audio=audio,
        voice=not settings.audio_mute,
    )
    c.staff_card("CARD-5")

    def peak_since(offset: int) -> tuple[int, int]:
        time.sleep(LISTEN_S)
        data = raw.read_bytes() if raw.exists() else b""
        samples = array.array("h", data[offset - offset % 2 :])
        return max((abs(v) for v in samples), default=0), len(data)

    start = len(raw.read_bytes()) if raw.exists() else 0
    c.on_command("invite", b'{"schema":"hall.invite/1","case_id":"C-1","item_name":"x"}')
    invite_peak, mark = peak_since(start)
    c.touch_level(5)
    thanks_peak, _ = peak_since(mark)
    loaded = {p.name: str(Path(s.source).resolve()) for p, s in audio._sounds.items()}
    states = {p.name: s.state for p, s in audio._sounds.items()}
    result = {
        "mode": mode,
        "configured": {p.name: str(f.resolve()) for p, f in files.items() if f is not None},
        "loaded": loaded,
        "states": states,
        "invite_peak": invite_peak,
        "thanks_peak": thanks_peak,
        "state": c.state.value,
    }
    (out / f"result-{mode}.json").write_text(json.dumps(result), encoding="utf-8")
    outbox.close()


if __name__ == "__main__":
    main()
