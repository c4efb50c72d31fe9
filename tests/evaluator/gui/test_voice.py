"""Voice prompts played for real: Kivy's SoundLoader into SDL's `disk` audio driver (a file in
place of the sound card), driven by the real controller at the invitation and the thanks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evaluator.ports import Prompt
from evaluator.voice_prompts import shipped

pytestmark = [pytest.mark.gui]

ROOT = Path(__file__).resolve().parents[3]


def play(tmp_path: Path, mode: str) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, "-m", "tests.evaluator.gui.play_prompts", str(tmp_path), mode],
        cwd=ROOT,
        check=True,
        timeout=60,
        capture_output=True,
    )
    result: dict[str, Any] = json.loads((tmp_path / f"result-{mode}.json").read_text())
    return result


def test_prompts_play_at_invitation_and_thanks_with_volume_and_mute(tmp_path: Path) -> None:
    on = play(tmp_path, "on")
    expected = {p.name: str(shipped(p).resolve()) for p in (Prompt.PLEASE_RATE, Prompt.THANKS)}
    assert on["configured"] == on["loaded"] == expected  # the shipped files by default
    assert on["states"] == {"PLEASE_RATE": "stop", "THANKS": "play"}  # thanks cut the invitation
    assert on["state"] == "thanks"
    assert on["invite_peak"] > 8000 and on["thanks_peak"] > 8000  # heard on the "sound card"

    quiet = play(tmp_path, "quiet")  # audio_volume = 0.1
    assert quiet["loaded"] == expected
    assert 0 < quiet["invite_peak"] < on["invite_peak"] * 0.2
    assert 0 < quiet["thanks_peak"] < on["thanks_peak"] * 0.2

    mute = play(tmp_path, "mute")  # audio_mute = true: nothing loaded, nothing heard
    assert mute["loaded"] == {} and mute["invite_peak"] == 0 and mute["thanks_peak"] == 0
    assert mute["state"] == "thanks"  # the rating itself goes on
