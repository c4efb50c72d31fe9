"""TEMPORARY stand-in for drivers-keypad's core/privacy.py (same API); theirs wins on merge."""

from __future__ import annotations


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1) if len(name) > 1 else name + "*"


def mask_id_number(id_number: str) -> str:
    n = id_number.strip()
    if len(n) <= 7:
        return "*" * len(n)
    return n[:3] + "*" * (len(n) - 7) + n[-4:]
