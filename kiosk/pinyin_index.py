"""Pinyin spellings of the catalogue's item names, made in a short-lived process and cached.

pypinyin's phrase dictionaries (needed to read polyphones right: 银行 yh, 长期 cq, 重庆 cq) cost
≈ 55 MiB of RSS for as long as a process lives. The kiosk never imports pypinyin itself: when a
catalogue arrives it runs `python -m kiosk.pinyin_index CATALOGUE.json`, which writes
CATALOGUE.pinyin.json (item code → initials, full pinyin) beside it, and reads that file.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from core.catalogue import BASE_LANGUAGE, Catalogue

log = logging.getLogger("kiosk.pinyin")
Spellings = Mapping[str, tuple[str, str]]


def _keep(s: str) -> str:
    return "".join(c for c in s if c.isalnum())


def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters in `text` (letters and digits kept, lower case)."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors=_keep)).lower()


def full_pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text, errors=_keep)).lower()


def spell(catalogue: Catalogue) -> dict[str, tuple[str, str]]:
    out = {}
    for it in catalogue.items:
        name = it.text(BASE_LANGUAGE).name
        out[it.code] = (initials(name), full_pinyin(name))
    return out


def sidecar(catalogue_file: Path) -> Path:
    return catalogue_file.with_suffix(".pinyin.json")


def load(catalogue_file: Path, catalogue: Catalogue) -> dict[str, tuple[str, str]] | None:
    """The cached spellings, if they are for this catalogue version and cover every item."""
    try:
        data = json.loads(sidecar(catalogue_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("version") != catalogue.version:
        return None
    items = {k: (v[0], v[1]) for k, v in data.get("items", {}).items()}
    return items if all(it.code in items for it in catalogue.items) else None


def build_in_subprocess(catalogue_file: Path, timeout: float = 120.0) -> bool:
    """Run this module on `catalogue_file` in a child process; True when the sidecar was written."""
    try:
        r = subprocess.run(
            [sys.executable, "-m", "kiosk.pinyin_index", str(catalogue_file)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (OSError, subprocess.SubprocessError) as e:
        log.warning("pinyin index not built: %s", e)
        return False
    if r.returncode != 0:
        log.warning("pinyin index not built: %s", (r.stderr.strip().splitlines() or ["?"])[-1])
    return r.returncode == 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m kiosk.pinyin_index CATALOGUE.json", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        cat = Catalogue.from_json(path.read_bytes())
    except (OSError, ValueError) as e:
        print(f"kiosk.pinyin_index: {path}: {e}", file=sys.stderr)
        return 1
    data = {"version": cat.version, "items": spell(cat)}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pinyin-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, sidecar(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
