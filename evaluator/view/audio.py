"""Voice prompts through Kivy's SoundLoader: configured audio files, loaded once, played on ask."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kivy.core.audio import SoundLoader

from evaluator.ports import Prompt

log = logging.getLogger(__name__)


class KivyAudio:
    """Satisfies `evaluator.ports.AudioPort`. A missing file or audio device is logged once.
    Muted, it loads and plays nothing."""

    def __init__(self, files: dict[Prompt, Path], volume: float = 1.0, mute: bool = False) -> None:
        self._files = files
        self.volume = volume
        self.mute = mute
        self._sounds: dict[Prompt, Any] = {}
        self._failed: set[Prompt] = set()

    def play(self, prompt: Prompt) -> None:
        if self.mute:
            return
        for other, playing in self._sounds.items():
            if other is not prompt:
                playing.stop()  # the thanks cuts a still-running invitation short
        sound = self._sounds.get(prompt)
        if sound is None and prompt not in self._failed:
            path = self._files.get(prompt)
            if path is None:
                return
            sound = SoundLoader.load(str(path)) if path.is_file() else None
            if sound is None:
                log.warning("cannot play voice prompt %s from %s", prompt.name, path)
                self._failed.add(prompt)
                return
            self._sounds[prompt] = sound
        if sound is not None:
            sound.stop()
            sound.volume = self.volume
            sound.play()
