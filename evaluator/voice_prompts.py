"""The standard voice prompts (标准语音提示), made reproducibly from text with Debian's `espeak-ng`.

`scripts/make-voice-prompts` writes them into `evaluator/prompts/` (shipped with the package):
one WAV file per prompt and `prompts.json`, which records the espeak-ng version, the voice, the
settings and each file's SHA-256, so a test can check that the files are what the script makes.
espeak-ng's Mandarin voice is understandable, not pleasant: a hall replaces the files with its own
recordings through the configuration (`audio_please_rate`, `audio_thanks`).
"""

from __future__ import annotations

import array
import hashlib
import json
import shutil
import subprocess
import wave
from pathlib import Path

from evaluator.ports import Prompt

PROMPTS_DIR = Path(__file__).parent / "prompts"
MANIFEST = "prompts.json"
VOICE = "cmn"  # espeak-ng's Mandarin
SPEED_WPM = 170
PITCH = 50
AMPLITUDE = 100  # espeak-ng's default: louder clips
TAIL_S = 0.15  # silence kept after the last word (espeak-ng leaves 0.4 s)
QUIET = 200  # |sample| below this counts as silence

TEXTS: dict[Prompt, str] = {
    Prompt.PLEASE_RATE: "您好，请您对我的工作给予评价",
    Prompt.THANKS: "谢谢您的评价",
    Prompt.WELCOME: "您好，欢迎光临",
}
FILES: dict[Prompt, str] = {
    Prompt.PLEASE_RATE: "please-rate.wav",
    Prompt.THANKS: "thanks.wav",
    Prompt.WELCOME: "welcome.wav",
}


class VoicePromptError(RuntimeError):
    """espeak-ng is missing or failed; `str()` is one line."""


def shipped(prompt: Prompt) -> Path:
    """The shipped file of `prompt`."""
    return PROMPTS_DIR / FILES[prompt]


def espeak_version() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise VoicePromptError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("text-to-speech:")[-1].split("Data at")[0].strip()


def synthesize(text: str, out: Path) -> None:
    """Speak `text` into the WAV file `out` (22050 Hz, 16 bit, mono: what espeak-ng writes).

    Assumes the machine's byte order is little-endian, as WAV's is (x86, ARM)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise VoicePromptError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    args = [exe, "-v", VOICE, "-s", str(SPEED_WPM), "-p", str(PITCH), "-a", str(AMPLITUDE), "-w", str(out)]
    r = subprocess.run([*args, text], capture_output=True, text=True)
    if r.returncode != 0 or not out.is_file():
        raise VoicePromptError(f"espeak-ng failed for {text!r}: {r.stderr.strip() or r.returncode}")
    _trim_tail(out)


def _trim_tail(path: Path) -> None:
    """Cut the trailing silence down to TAIL_S (smaller files, no dead air before the next sound)."""
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        samples = array.array("h", w.readframes(w.getnframes()))
    last = max((i for i, v in enumerate(samples) if abs(v) > QUIET), default=len(samples) - 1)
    end = min(len(samples), last + 1 + int(TAIL_S * params.framerate))
    with wave.open(str(path), "wb") as w:
        w.setparams(params)
        w.writeframes(samples[:end].tobytes())


def make_all(out_dir: Path = PROMPTS_DIR) -> dict[str, object]:
    """Write every prompt and the manifest into `out_dir`; return the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, str]] = {}
    for prompt, text in TEXTS.items():
        path = out_dir / FILES[prompt]
        synthesize(text, path)
        files[FILES[prompt]] = {
            "prompt": prompt.name,
            "text": text,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    manifest: dict[str, object] = {
        "espeak_ng": espeak_version(),
        "voice": VOICE,
        "speed_wpm": SPEED_WPM,
        "pitch": PITCH,
        "amplitude": AMPLITUDE,
        "files": files,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return manifest
