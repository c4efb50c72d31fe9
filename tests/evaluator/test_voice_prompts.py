"""The shipped voice prompts: valid audio of a plausible length, what scripts/make-voice-prompts
makes (byte for byte with the espeak-ng version recorded), configurable, and muted for real."""

from __future__ import annotations

import array
import hashlib
import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.clock import FakeClock
from core.device_config import DeviceConfig, StaffMember
from drivers.keypad.events import KeyPressed
from evaluator.controller import DeviceIdentity, EvaluatorController
from evaluator.ports import Prompt
from evaluator.settings import EvaluatorSettings
from evaluator.voice_prompts import FILES, MANIFEST, PROMPTS_DIR, TEXTS, espeak_version, shipped

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_DATA = json.loads((PROMPTS_DIR / MANIFEST).read_text(encoding="utf-8"))


def test_standard_texts() -> None:
    assert TEXTS[Prompt.PLEASE_RATE] == "您好，请您对我的工作给予评价"
    assert TEXTS[Prompt.THANKS] == "谢谢您的评价"


@pytest.mark.parametrize("prompt", list(Prompt), ids=lambda p: p.name)
def test_shipped_file_is_valid_audio_of_plausible_length(prompt: Prompt) -> None:
    path = shipped(prompt)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        assert 8000 <= w.getframerate() <= 48000
        seconds = w.getnframes() / w.getframerate()
        samples = array.array("h", w.readframes(w.getnframes()))
    # about 0.15-0.4 s per syllable in a slow, clear voice
    syllables = sum(1 for ch in TEXTS[prompt] if "\u4e00" <= ch <= "\u9fff")
    assert 0.15 * syllables <= seconds <= 0.45 * syllables + 0.5, seconds
    assert max(abs(v) for v in samples) > 8000  # speech, not silence
    assert max(abs(v) for v in samples) < 32767  # and not clipped
    assert path.stat().st_size < 300_000
    entry = MANIFEST_DATA["files"][FILES[prompt]]
    assert entry["text"] == TEXTS[prompt]
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_script_reproduces_the_shipped_files(tmp_path: Path) -> None:
    try:
        version = espeak_version()
    except Exception as e:  # scripts/setup installs espeak-ng; say so if it is not there
        pytest.fail(f"espeak-ng is needed to check the voice prompts: {e}")
    if version != MANIFEST_DATA["espeak_ng"]:
        pytest.skip(f"espeak-ng {version} here, the files were made with {MANIFEST_DATA['espeak_ng']}")
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make-voice-prompts"), str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    for name in FILES.values():
        assert (tmp_path / name).read_bytes() == (PROMPTS_DIR / name).read_bytes(), name
    assert json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8")) == MANIFEST_DATA


def test_settings_ship_the_prompts_and_a_hall_can_replace_them(tmp_path: Path) -> None:
    s = EvaluatorSettings()
    assert s.audio_please_rate == shipped(Prompt.PLEASE_RATE) and s.audio_please_rate.is_file()
    assert s.audio_thanks == shipped(Prompt.THANKS) and s.audio_thanks.is_file()
    assert (s.audio_volume, s.audio_mute) == (0.8, False)
    own = tmp_path / "our-hall-please-rate.wav"
    s2 = EvaluatorSettings(audio_please_rate=own, audio_volume=0.5, audio_mute=True)
    assert (s2.audio_please_rate, s2.audio_volume, s2.audio_mute) == (own, 0.5, True)
    with pytest.raises(ValidationError):
        EvaluatorSettings(audio_volume=1.5)


class Keypad:
    def __init__(self) -> None:
        self.played: list[Prompt] = []

    def enable_keys(self, seconds: int) -> None: ...
    def disable_keys(self) -> None: ...
    def blink(self, seconds: float) -> None: ...

    def play(self, prompt: Prompt) -> None:
        self.played.append(prompt)


def _keypad_only_box(voice: bool) -> tuple[EvaluatorController, Keypad]:
    from core.outbox import Outbox

    keypad = Keypad()
    clock = FakeClock()
    cfg = DeviceConfig(staff=[StaffMember(id="S1", name="王芳", card="C1")])
    import tempfile

    outbox = Outbox(Path(tempfile.mkdtemp()) / "o.db", clock=clock)
    c = EvaluatorController(
        DeviceIdentity("h", "eval-01", "w01", "110101"), cfg, clock, outbox,
        has_screen=False, keypad=keypad, voice=voice,
    )  # fmt: skip
    c.staff_card("C1")
    c.on_command("invite", b'{"schema":"hall.invite/1","case_id":"C-9"}')
    c.keypad_key(KeyPressed(5))
    return c, keypad


def test_keypad_only_box_speaks_through_the_keypad_unless_muted() -> None:
    _, keypad = _keypad_only_box(voice=True)
    assert keypad.played == [Prompt.PLEASE_RATE, Prompt.THANKS]
    _, muted = _keypad_only_box(voice=False)
    assert muted.played == []
