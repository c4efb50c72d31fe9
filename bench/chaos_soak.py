"""The long chaos soak as a bench: 10,000 ratings, 20 headless evaluators and a kiosk, faults at
random (docs/chaos.md). Writes bench/results/chaos_soak-<seed>.json and prints the one line.
Not in `scripts/bench`'s default list (it runs ~25 minutes on 2 cores):

    scripts/bench chaos_soak --seed 11 [--ratings 10000 --evaluators 20 ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.chaos.soak import main as soak_main  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    seed = args[args.index("--seed") + 1] if "--seed" in args else "1"
    if "--seed" not in args:
        args += ["--seed", seed]
    if "--json" not in args:
        args += ["--json", str(ROOT / "bench" / "results" / f"chaos_soak-{seed}.json")]
    return soak_main(args)


if __name__ == "__main__":
    sys.exit(main())
