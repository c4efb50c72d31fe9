"""Building ESC/POS bytes with python-escpos, with Chinese text in GB18030.

python-escpos renders commands into a `Dummy` printer; we take its bytes and send them through the
shared serial transport (`drivers.printer.printer`), so the port is any pyserial URL and unplugging
is handled like every other device. python-escpos picks single-byte code pages for text (`ESC t n`),
which Chinese printers do not use: they print GB18030 in Chinese character mode (`FS &`). So this
document turns Chinese mode on once and writes every text as GB18030 bytes itself.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata

# python-escpos caches its capability table in a folder from mkdtemp(), made at every import even
# when ESCPOS_CAPABILITIES_PICKLE_DIR names another (the default argument is always evaluated), and
# never removes it: a kiosk would leave one in /tmp per start. It gets ours for that one call, which
# goes when the process ends.
_capabilities_cache = tempfile.TemporaryDirectory(prefix="hall-escpos-")
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", _capabilities_cache.name)
_mkdtemp = tempfile.mkdtemp
tempfile.mkdtemp = lambda *_a, **_k: _capabilities_cache.name  # type: ignore[assignment]
try:
    from escpos.constants import QR_ECLEVEL_M, QR_MODEL_2
    from escpos.printer import Dummy
finally:
    tempfile.mkdtemp = _mkdtemp

ESC_INIT = b"\x1b@"  # ESC @: reset modes, clear the buffer
FS_CHINESE_ON = b"\x1c&"  # FS &: Chinese character mode (GB18030 on mainland printers)
FS_CHINESE_OFF = b"\x1c."  # FS .


def columns(text: str) -> int:
    """Printed width in half-width columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Break `text` into lines of at most `width` columns (CJK aware; continuation lines indented)."""
    lines: list[str] = []
    line, used = "", 0
    for ch in text:
        w = columns(ch)
        if used + w > width and line:
            lines.append(line)
            line, used = indent, columns(indent)
        line += ch
        used += w
    lines.append(line)
    return lines


class EscPosDocument(Dummy):  # type: ignore[misc]  # python-escpos has no type hints
    """A receipt being composed: python-escpos commands, text in GB18030, `output` = the bytes."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.width = width  # columns of font A: 32 on 58 mm paper, 48 on 80 mm
        self._raw(ESC_INIT + FS_CHINESE_ON)

    def text(self, txt: str) -> None:
        # Replaces python-escpos's code-page "magic" encoder: GB18030 covers every Chinese character
        # (and rare ones in names and addresses via its four-byte forms).
        self._raw(str(txt).encode("gb18030"))

    def wrapped(self, text: str, indent: str = "") -> None:
        for line in wrap(text, self.width, indent):
            self.textln(line)

    def rule(self, char: str = "-") -> None:
        self.textln(char * self.width)

    def qr_code(self, content: str, size: int = 6) -> None:
        """A QR code drawn by the printer itself (`GS ( k`): sharp at any size, a few bytes to send."""
        self.qr(content, ec=QR_ECLEVEL_M, size=size, model=QR_MODEL_2, native=True)
        self.ln()
