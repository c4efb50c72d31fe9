"""The five rating levels, in the provincial ordering (5 = 非常满意).

GB/T 39046 codes run the other way (1 = 非常满意); events store `level` and the GB/T code is
only ever derived from it here, so the two orderings cannot mix.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    VERY_SATISFIED = 5
    SATISFIED = 4
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 2
    VERY_DISSATISFIED = 1

    @property
    def zh(self) -> str:
        return _TEXT[self][0]

    @property
    def en(self) -> str:
        return _TEXT[self][1]

    @property
    def is_bad(self) -> bool:
        """差评: levels 1 and 2 need a reason and open a work order at the county."""
        return self <= Level.DISSATISFIED

    @property
    def gbt_code(self) -> int:
        """The GB/T 39046 code of this level (1 = 非常满意 ... 5 = 非常不满意)."""
        return 6 - int(self)

    @classmethod
    def from_gbt_code(cls, code: int) -> Level:
        """The level of a GB/T 39046 code (the inverse of `gbt_code`; ValueError outside 1-5)."""
        if not 1 <= code <= 5:
            raise ValueError(f"GB/T 39046 satisfaction code {code} is not 1-5")
        return cls(6 - code)


_TEXT: dict[Level, tuple[str, str]] = {
    Level.VERY_SATISFIED: ("非常满意", "Very satisfied"),
    Level.SATISFIED: ("满意", "Satisfied"),
    Level.BASICALLY_SATISFIED: ("基本满意", "Basically satisfied"),
    Level.DISSATISFIED: ("不满意", "Dissatisfied"),
    Level.VERY_DISSATISFIED: ("非常不满意", "Very dissatisfied"),
}

# Display order on screens and keypads: best first, never a pre-selected one.
DISPLAY_ORDER: tuple[Level, ...] = tuple(sorted(Level, reverse=True))
