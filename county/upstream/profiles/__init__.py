"""The provincial profiles by name (`[upstream] profile`). A second province is one new module
here with `body`, `headers` and `answer` (county/upstream/profiles/base.py), added to PROFILES."""

from __future__ import annotations

from county.upstream.profiles import zj
from county.upstream.profiles.base import Answer, Profile, Sender

PROFILES: dict[str, Profile] = {p.name: p for p in (zj.PROFILE,)}

__all__ = ["PROFILES", "Answer", "Profile", "Sender"]
