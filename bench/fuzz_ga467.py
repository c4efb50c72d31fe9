"""Fuzz bench for the GA 467 decoder: about a million reader answers, many corrupted, through the
decoder as the ID card driver uses it, and through the bare XOR-checksum decoder as the baseline.

    python bench/fuzz_ga467.py [--frames 1000000] [--seed 467]   -> bench/results/fuzz_ga467.json

Each exchange is one answer to a known command, as on the wire: most intact, some with 1-3 bytes
hit, some cut short, some behind line noise, some pure noise. It is fed in 1-3 random chunks; when
no answer is accepted the driver's timeout flushes the decoder. Counted per decoder:
- false_accepts by kind of damage: noise, one byte hit (flip1), the LEN field hit (len, followed by
  more noise), cut short (truncate), 2-3 bytes hit. The driver's decoder must accept none for
  noise, flip1, len and truncate (the bare checksum lets some LEN hits through). Two or three
  hit bytes whose changes cancel out in the 8-bit XOR (about 1 in 255 when they fall in the data)
  cannot be seen by any GA 467 decoder: they are counted, not hidden;
- lost_intact: intact answers that did not come out (must be 0 for both);
- frames/s and MB/s (pure-Python decoder, this machine; compare the two columns, not across runs).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drivers.idcard.ga467 import (  # noqa: E402
    PREAMBLE,
    Command,
    Ga467Decoder,
    encode_response,
    expect_answer_to,
)
from drivers.sim.idcard import FIXTURE_CARDS  # noqa: E402

# (weight, command, answer): a polling reader mostly hears "no card".
ANSWERS: list[tuple[int, Command, bytes]] = [
    (50, Command.FIND_CARD, encode_response(0x80)),
    (15, Command.FIND_CARD, encode_response(0x9F, bytes(4))),
    (10, Command.SELECT_CARD, encode_response(0x90, bytes(8))),
    (10, Command.READ_BASE_INFO, encode_response(0x90, FIXTURE_CARDS["zhang"].base_info())),
    (5, Command.SAM_ID, encode_response(0x90, bytes(range(16)))),
    (5, Command.READ_BASE_INFO, encode_response(0x41)),
    (5, Command.STATUS, encode_response(0x90)),
]


def noise(rng: random.Random, size: int) -> bytes:
    data = rng.randbytes(size)
    return data.replace(PREAMBLE, b"")


def corrupt(rng: random.Random, frame: bytes) -> tuple[str, bytes]:
    """One kind of damage: 1-3 bytes changed, or the frame cut short."""
    kind = rng.choice(("flip1", "flip2", "flip3", "truncate", "len"))
    if kind == "truncate":
        return kind, frame[: rng.randrange(1, len(frame))]
    if kind == "len":  # the length field hit: the frame's end is misplaced
        hit = bytearray(frame)
        hit[rng.choice((5, 6))] ^= rng.randrange(1, 256)
        return kind, bytes(hit) + rng.randbytes(rng.randrange(0, 64)).replace(PREAMBLE, b"")
    hit = bytearray(frame)
    for _ in range(int(kind[-1])):
        hit[rng.randrange(len(hit))] ^= rng.randrange(1, 256)
    return kind, bytes(hit)


Exchange = tuple[Command, bytes, bytes | None, list[int], str]


def make_exchanges(count: int, seed: int) -> list[Exchange]:
    """(command, wire bytes, the intact body or None if damaged, chunk cuts, kind of exchange)."""
    rng = random.Random(seed)
    weights = [w for w, _, _ in ANSWERS]
    out = []
    for _ in range(count):
        _, command, frame = rng.choices(ANSWERS, weights)[0]
        roll = rng.random()
        intact: bytes | None = None
        if roll < 0.02:
            kind, wire = "noise", noise(rng, rng.randrange(1, 300))
        elif roll < 0.17:
            kind, wire = corrupt(rng, frame)
        elif roll < 0.19:
            kind, wire, intact = "noise+intact", noise(rng, rng.randrange(1, 64)) + frame, frame[7:-1]
        else:
            kind, wire, intact = "intact", frame, frame[7:-1]
        cuts = sorted(rng.randrange(len(wire) + 1) for _ in range(rng.randrange(3)))
        out.append((command, wire, intact, cuts, kind))
    return out


def run(
    exchanges: list[Exchange],
    accept_for: Callable[[Command], Callable[[bytes], bool] | None],
) -> dict[str, object]:
    decoder = Ga467Decoder()
    lost_intact = delivered = 0
    false_accepts = dict.fromkeys(("noise", "flip1", "len", "truncate", "flip2", "flip3", "noise+intact"), 0)
    total_bytes = 0
    started = time.perf_counter()
    for command, wire, intact, cuts, kind in exchanges:
        decoder.accept = accept_for(command)
        got: list[bytes] = []
        last = 0
        for cut in [*cuts, len(wire)]:
            got += decoder.feed(wire[last:cut])
            last = cut
        total_bytes += len(wire)
        if intact is None:
            false_accepts[kind] += len(got)
        else:
            delivered += got.count(intact)
            lost_intact += 0 if intact in got else 1
            if kind != "intact":
                false_accepts[kind] += sum(1 for body in got if body != intact)
        if not got or decoder.pending:
            got_late = decoder.flush()  # the driver's answer timeout
            if intact is None:
                false_accepts[kind] += len(got_late)
            elif intact in got_late and intact not in got:
                delivered += 1
                lost_intact -= 1
    elapsed = time.perf_counter() - started
    return {
        "exchanges": len(exchanges),
        "bytes": total_bytes,
        "seconds": round(elapsed, 3),
        "frames_per_s": round(len(exchanges) / elapsed),
        "mb_per_s": round(total_bytes / elapsed / 1e6, 2),
        "delivered_intact": delivered,
        "lost_intact": lost_intact,
        "false_accepts": false_accepts,
        "bad_checksum": decoder.stats.bad_checksum,
        "bad_length": decoder.stats.bad_length,
        "bad_shape": decoder.stats.bad_shape,
    }


def ga467_target() -> Any:
    """The GA 467 decoder as a `bench.fuzz_decoders.FuzzTarget` (answers of every shape, in one stream;
    the decoder checks the answer shape without knowing the command, the harder case)."""
    from drivers.idcard.ga467 import plausible_response, xor_checksum

    fuzz_target = importlib.import_module("bench.fuzz_decoders").FuzzTarget  # the keypad branch's bench

    cards = [card.base_info() for card in FIXTURE_CARDS.values()]

    def make(rng: random.Random) -> tuple[bytes, bytes]:
        roll = rng.random()
        if roll < 0.4:
            frame = encode_response(rng.choice((0x80, 0x41, 0x31, 0x81, 0x60)))
        elif roll < 0.6:
            frame = encode_response(0x9F, rng.randbytes(4))
        elif roll < 0.75:
            frame = encode_response(0x90, rng.randbytes(8))
        elif roll < 0.85:
            frame = encode_response(0x90, rng.randbytes(16))
        else:
            card = rng.choice(cards)
            frame = encode_response(0x90, card[:260] + rng.randbytes(1024))  # text + a random "photo"
        return frame, frame[7:-1]

    def baseline(frames: list[bytes]) -> int:
        return sum(xor_checksum(f[5:-1]) for f in frames)

    def flush(decoder: Any) -> list[Any]:
        return list(decoder.flush())  # the driver's answer timeout

    return fuzz_target(
        "ga467",
        lambda: Ga467Decoder(accept=plausible_response),
        make,
        baseline,
        flush=flush,
        format_floor=0.5 / 256,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=467)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "fuzz_ga467.json")
    args = parser.parse_args(argv)

    exchanges = make_exchanges(args.frames, args.seed)
    kinds: dict[str, int] = {}
    for exchange in exchanges:
        kinds[exchange[4]] = kinds.get(exchange[4], 0) + 1
    results = {
        "bench": "fuzz_ga467",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "seed": args.seed,
        "exchanges": len(exchanges),
        "exchanges_by_kind": kinds,
        # Baseline: frames found by preamble, LEN and the 8-bit XOR checksum alone.
        "baseline_xor_only": run(exchanges, lambda command: None),
        # As the driver runs it: plus the answer's shape for the command in flight.
        "driver_shaped": run(exchanges, expect_answer_to),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    shaped = results["driver_shaped"]
    assert isinstance(shaped, dict)
    must_catch = ("noise", "flip1", "len", "truncate", "noise+intact")
    detectable = sum(shaped["false_accepts"][k] for k in must_catch)
    return 0 if detectable == 0 and shaped["lost_intact"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
