"""Reading an ESC/POS byte stream back: split into text and commands, render receipts as text.

Used by the printer simulator (to answer `DLE EOT` and capture receipts) and by tests. It knows the
lengths of the commands receipts use (and the common others); an unknown `ESC x` is taken as three
bytes, as most are. Text is GB18030 in Chinese mode (`FS &`), ASCII otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.printer.escpos_doc import columns

ESC, FS, GS, DLE = 0x1B, 0x1C, 0x1D, 0x10
_ESC_LEN = {ord("@"): 2, ord("2"): 2, ord("<"): 2, ord("p"): 5, ord("$"): 4, ord("\\"): 4}
_GS_LEN = {ord("L"): 4, ord("W"): 4, ord("$"): 4, ord("\\"): 4}
_FS_LEN = {ord("&"): 2, ord("."): 2, ord("S"): 4}


@dataclass(frozen=True)
class Token:
    kind: str  # "text", "newline", "command", "status" (DLE EOT n), "qr" (content), "cut"
    data: bytes = b""
    raw: bytes = b""  # the bytes as they came


def _length(buf: bytes | bytearray, i: int) -> int | None:
    """Length of the command at `buf[i]`, or None if more bytes are needed to know or to hold it."""
    n = len(buf) - i
    if n < 2:
        return None
    lead, code = buf[i], buf[i + 1]
    if lead == ESC:
        if code == ord("*"):  # ESC * m nL nH data
            if n < 5:
                return None
            dots = buf[i + 3] + 256 * buf[i + 4]
            return 5 + dots * (3 if buf[i + 2] in (32, 33) else 1)
        return _ESC_LEN.get(code, 3)
    if lead == GS:
        if code in (ord("("), ord("8")):  # GS ( fn pL pH data
            if n < 5:
                return None
            return 5 + buf[i + 3] + 256 * buf[i + 4]
        if code == ord("v"):  # GS v 0 m xL xH yL yH data
            if n < 8:
                return None
            return 8 + (buf[i + 4] + 256 * buf[i + 5]) * (buf[i + 6] + 256 * buf[i + 7])
        if code == ord("V"):  # GS V m [n]
            if n < 3:
                return None
            return 3 if buf[i + 2] in (0, 1, 48, 49) else 4
        if code == ord("k"):  # GS k m ... : NUL-terminated (m <= 6) or GS k m n data
            if n < 3:
                return None
            if buf[i + 2] <= 6:
                end = buf.find(b"\x00", i + 3)
                return None if end < 0 else end - i + 1
            return None if n < 4 else 4 + buf[i + 3]
        return _GS_LEN.get(code, 3)
    if lead == FS:
        return _FS_LEN.get(code, 3)
    if lead == DLE:
        return 5 if code == 0x14 else 3  # DLE DC4 fn m t; DLE EOT n; DLE ENQ n
    raise AssertionError("not a command lead byte")


class EscPosParser:
    """Incremental: `feed` returns the tokens complete so far and keeps a partial command."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Token]:
        buf = self._buf
        buf += data
        tokens: list[Token] = []
        i = 0
        text_start = None
        while i < len(buf):
            byte = buf[i]
            if byte in (ESC, GS, FS, DLE, 0x0A, 0x0D, 0x0C):
                if text_start is not None:
                    text = bytes(buf[text_start:i])
                    tokens.append(Token("text", text, text))
                    text_start = None
                if byte == 0x0A:
                    tokens.append(Token("newline", raw=b"\n"))
                    i += 1
                    continue
                if byte in (0x0D, 0x0C):  # CR, FF: no effect on the rendered text
                    tokens.append(Token("command", bytes([byte]), bytes([byte])))
                    i += 1
                    continue
                length = _length(buf, i)
                if length is None or i + length > len(buf):
                    break
                command = bytes(buf[i : i + length])
                tokens.append(_classify(command))
                i += length
            else:
                if text_start is None:
                    text_start = i
                i += 1
        if text_start is not None:
            text = bytes(buf[text_start:i])
            tokens.append(Token("text", text, text))
        del buf[:i]
        return tokens


def _classify(command: bytes) -> Token:
    if command[:2] == b"\x10\x04":
        return Token("status", command[2:3], command)
    if command[:3] == b"\x1d(k" and command[5:8] == b"1P0":  # QR: store the data
        return Token("qr", command[8:], command)
    if command[:2] == b"\x1dV":
        return Token("cut", command, command)
    return Token("command", command, command)


class ReceiptRenderer:
    """Turns tokens into the text a receipt shows: alignment applied, QR codes as `[QR] content`."""

    def __init__(self, width: int = 32) -> None:
        self.width = width
        self.lines: list[str] = []
        self._line = bytearray()
        self._chinese = False
        self._align = 0
        self._line_align = 0

    def take(self, token: Token) -> None:
        if token.kind == "text":
            if not self._line:
                self._line_align = self._align
            self._line += token.data
        elif token.kind == "newline":
            self._end_line()
        elif token.kind == "qr":
            self._end_line(only_if_text=True)
            self._emit(f"[QR] {token.data.decode('utf-8', 'replace')}", self._align)
        elif token.kind == "cut":
            self._end_line(only_if_text=True)
            self.lines.append("-" * 8 + " cut " + "-" * 8)
        elif token.kind == "command":
            command = token.data
            if command == b"\x1c&":
                self._chinese = True
            elif command == b"\x1c.":
                self._chinese = False
            elif command == b"\x1b@":
                self._chinese, self._align = False, 0
            elif command[:2] == b"\x1ba":
                self._align = command[2] - 48 if command[2] >= 48 else command[2]

    def _end_line(self, only_if_text: bool = False) -> None:
        if only_if_text and not self._line:
            return
        encoding = "gb18030" if self._chinese else "ascii"
        text = bytes(self._line).decode(encoding, "replace")
        self._line.clear()
        self._emit(text, self._line_align)
        self._line_align = self._align

    def _emit(self, text: str, align: int) -> None:
        pad = max(0, self.width - columns(text))
        if align == 1:
            text = " " * (pad // 2) + text
        elif align == 2:
            text = " " * pad + text
        self.lines.append(text.rstrip())

    def finish(self) -> str:
        """Flush a last line without a newline and return all lines."""
        self._end_line(only_if_text=True)
        return "\n".join(self.lines)


def render_text(data: bytes, width: int = 32) -> str:
    """A receipt's bytes as the text it prints (commands stripped, Chinese decoded from GB18030)."""
    renderer = ReceiptRenderer(width)
    for token in EscPosParser().feed(data):
        renderer.take(token)
    return renderer.finish()
