"""Fuzz every serial decoder with about a million frames each; write counts and speed as JSON.

    .venv/bin/python -m bench.fuzz_decoders                 # 1,000,000 frames per decoder
    .venv/bin/python -m bench.fuzz_decoders --frames 20000  # quick look
    .venv/bin/python -m bench.fuzz_decoders --only hk1

Per decoder, the frames are split over four scenarios:
- stream:  valid frames back to back, cut into random chunks: every frame must come out;
- garbage: random garbage (0-64 bytes, plus the resync separator for line readers) before each
           valid frame: every valid frame must still be found;
- mutated: every other frame has one byte flipped, replaced, deleted or inserted, the frames in
           between are valid sentinels: no mutated frame may be accepted (checksummed decoders),
           no sentinel may be lost;
- noise:   random bytes of the same volume: only crashes are counted (and any frame that
           happens to be valid, for information).
A crash is any exception but the drivers' own (`DriverError`). Exit status 1 if a decoder
crashed, accepted a corrupted frame or lost a valid one, beyond what its format cannot detect
(`format_floor`: 0 for hk1; GA 467's one-byte XOR misses 1 in 256 inserted or deleted bytes).
The GA 467 target lives in bench/fuzz_ga467.py, which also runs the driver's command-aware check.

The baseline, measured in the same run on the same bytes, is the cheapest thing any decoder of
that format must do (CRC over each frame; splitting lines), so the ratio shows the decoder's own
cost. Adding a decoder: write a `FuzzTarget` factory and add it to `TARGETS`.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from drivers.errors import DriverError

RESULTS = Path(__file__).resolve().parent / "results"


class Decoder(Protocol):
    def feed(self, data: bytes) -> list[Any]: ...


@dataclass(frozen=True)
class FuzzTarget:
    name: str
    new_decoder: Callable[[], Decoder]
    # One valid frame: (bytes on the wire, what the decoder must return for it)
    make_frame: Callable[[random.Random], tuple[bytes, Any]]
    # The cheapest work any decoder of this format must do over `frames` (for the baseline)
    baseline: Callable[[list[bytes]], Any]
    checksummed: bool = True  # False: a mutated frame is just another valid frame (line readers)
    separator: bytes = b""  # what garbage needs after it for resync (a line terminator)
    flush: Callable[[Decoder], list[Any]] = field(default=lambda d: [])
    # Share of mutated frames that no decoder of this format can reject: GA 467's one-byte XOR
    # misses an inserted or deleted byte 1 time in 256 (half the mutations insert or delete), and a
    # deleted byte makes the frame take the next frame's first byte. 0 for CRC-16 formats.
    format_floor: float = 0.0


# -- targets --------------------------------------------------------------------------------------


def hk1_target() -> FuzzTarget:
    from drivers.keypad.hk1 import Frame, Hk1Decoder, crc16, encode_frame

    def make(rng: random.Random) -> tuple[bytes, Any]:
        size = rng.choice((0, 1, 1, 1, 2, 16, rng.randrange(0, 254)))
        frame = Frame(rng.randrange(256), rng.randrange(256), rng.randbytes(size))
        return encode_frame(frame.seq, frame.cmd, frame.data), frame

    def baseline(frames: list[bytes]) -> int:
        return sum(crc16(f[1:-3]) for f in frames)

    def flush(decoder: Decoder) -> list[Any]:
        assert isinstance(decoder, Hk1Decoder)
        return decoder.flush()

    return FuzzTarget("hk1", Hk1Decoder, make, baseline, flush=flush)


def line_target() -> FuzzTarget:
    from drivers.line_reader import LineDecoder

    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_:/.?=&%扫码工号"

    def make(rng: random.Random) -> tuple[bytes, Any]:
        code = "".join(rng.choices(alphabet, k=rng.randrange(1, 64)))
        return code.encode() + b"\r\n", code

    def baseline(frames: list[bytes]) -> int:
        return len(b"".join(frames).split(b"\r\n"))

    return FuzzTarget(
        "line",
        lambda: LineDecoder("CRLF", max_length=512),
        make,
        baseline,
        checksummed=False,
        separator=b"\r\n",
    )


def ga467_target() -> FuzzTarget:
    from bench.fuzz_ga467 import ga467_target as target

    result: FuzzTarget = target()
    return result


# name -> factory
TARGETS: dict[str, Callable[[], FuzzTarget]] = {
    "hk1": hk1_target,
    "line": line_target,
    "ga467": ga467_target,
}


# -- runner ---------------------------------------------------------------------------------------


@dataclass
class Counts:
    frames: int = 0
    decoded: int = 0
    crashes: int = 0
    crash_examples: list[str] = field(default_factory=list)
    lost_valid: int = 0
    accepted_corrupt: int = 0
    noise_frames: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def crash(self, err: BaseException, data: bytes) -> None:
        self.crashes += 1
        if len(self.crash_examples) < 5:
            self.crash_examples.append(f"{type(err).__name__}: {err} on {data[:64].hex(' ')}")


def _feed(target: FuzzTarget, dec: Decoder, data: bytes, counts: Counts) -> list[Any]:
    try:
        return dec.feed(data)
    except DriverError:
        return []
    except Exception as err:
        counts.crash(err, data)
        return []


def _flush(target: FuzzTarget, dec: Decoder, counts: Counts) -> list[Any]:
    try:
        return target.flush(dec)
    except DriverError:
        return []
    except Exception as err:
        counts.crash(err, b"(flush)")
        return []


def _chunks(rng: random.Random, data: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        n = rng.choice((1, 2, 3, 7, 16, 64, 256, 4096))
        out.append(data[i : i + n])
        i += n
    return out


def _matches_in_order(got: list[Any], wanted: list[Any]) -> int:
    """How many of `wanted` appear in `got`, in order (extra items in `got` are allowed)."""
    found, it = 0, iter(got)
    for w in wanted:
        for g in it:
            if g == w:
                found += 1
                break
    return found


def _mutate(rng: random.Random, raw: bytes) -> bytes:
    b = bytearray(raw)
    pos = rng.randrange(len(b))
    kind = rng.randrange(4)
    if kind == 0:
        b[pos] ^= 1 << rng.randrange(8)
    elif kind == 1:
        b[pos] = (b[pos] + rng.randrange(1, 256)) & 0xFF
    elif kind == 2 and len(b) > 1:
        del b[pos]
    else:
        b.insert(max(1, pos), rng.randrange(256))
    return bytes(b)


def run_target(target: FuzzTarget, total: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    counts = Counts()
    per = max(1, total // 4)
    batch = 2000

    # stream: back to back, random chunks
    t0 = time.perf_counter()
    gen_s = 0.0
    done = 0
    all_stream: list[bytes] = []
    while done < per:
        g0 = time.perf_counter()
        pairs = [target.make_frame(rng) for _ in range(min(batch, per - done))]
        stream = b"".join(p[0] for p in pairs)
        pieces = _chunks(rng, stream)
        gen_s += time.perf_counter() - g0
        dec = target.new_decoder()
        got: list[Any] = []
        for piece in pieces:
            got += _feed(target, dec, piece, counts)
        got += _flush(target, dec, counts)
        if got != [p[1] for p in pairs]:
            counts.lost_valid += len(pairs) - _matches_in_order(got, [p[1] for p in pairs])
        counts.decoded += len(got)
        done += len(pairs)
        if len(all_stream) < 50_000:
            all_stream += [p[0] for p in pairs]
    counts.seconds["stream"] = time.perf_counter() - t0 - gen_s
    counts.frames += done

    # baseline over (up to) the first 50k stream frames vs the decoder over the same bytes
    sample = all_stream[:50_000]
    b0 = time.perf_counter()
    target.baseline(sample)
    baseline_s = time.perf_counter() - b0
    d0 = time.perf_counter()
    target.new_decoder().feed(b"".join(sample))
    decoder_s = time.perf_counter() - d0

    # garbage before every frame
    t0 = time.perf_counter()
    done = 0
    while done < per:
        pairs = [target.make_frame(rng) for _ in range(min(batch, per - done))]
        dec = target.new_decoder()
        got = []
        for raw, _ in pairs:
            junk = rng.randbytes(rng.randrange(0, 65)) + target.separator
            got += _feed(target, dec, junk + raw, counts)
        got += _flush(target, dec, counts)
        counts.lost_valid += len(pairs) - _matches_in_order(got, [p[1] for p in pairs])
        done += len(pairs)
    counts.seconds["garbage"] = time.perf_counter() - t0
    counts.frames += done

    # mutated frames between valid sentinels
    t0 = time.perf_counter()
    done = 0
    while done < per:
        n = min(batch, per - done) // 2 or 1
        dec = target.new_decoder()
        for _ in range(n):
            raw, value = target.make_frame(rng)
            bad = _mutate(rng, raw)
            sentinel_raw, sentinel = target.make_frame(rng)
            out = _feed(target, dec, bad + target.separator + sentinel_raw, counts)
            out += _flush(target, dec, counts)  # the line goes idle between presses
            if sentinel not in out:
                counts.lost_valid += 1
            if target.checksummed:
                # Allowed: the sentinel, and the original if the mutation left it whole (a byte
                # inserted before its STX is just garbage). Anything else is a corrupted frame.
                allowed = [sentinel, value] if raw in bad else [sentinel]
                counts.accepted_corrupt += sum(1 for o in out if o not in allowed)
        done += 2 * n
    counts.seconds["mutated"] = time.perf_counter() - t0
    counts.frames += done

    # noise of the same volume
    t0 = time.perf_counter()
    avg = max(8, len(b"".join(all_stream[:1000])) // max(1, min(1000, len(all_stream))))
    volume = per * avg
    dec = target.new_decoder()
    while volume > 0:
        blob = rng.randbytes(min(volume, 1 << 16))
        counts.noise_frames += len(_feed(target, dec, blob, counts))
        volume -= len(blob)
    counts.noise_frames += len(_flush(target, dec, counts))
    counts.seconds["noise"] = time.perf_counter() - t0
    counts.frames += per

    busy = sum(counts.seconds.values())
    mutated = per // 2
    return {
        "frames": counts.frames,
        "crashes": counts.crashes,
        "crash_examples": counts.crash_examples,
        "lost_valid_frames": counts.lost_valid,
        "accepted_corrupted_frames": counts.accepted_corrupt if target.checksummed else None,
        "frames_accepted_from_noise": counts.noise_frames,
        # The format's own limit on this run's mutated frames (3x its expectation: chance varies).
        "format_floor_frames": round(3 * target.format_floor * mutated),
        "frames_per_second": {
            "stream": round(per / counts.seconds["stream"]) if counts.seconds["stream"] else None,
            "overall": round(counts.frames / busy) if busy else None,
        },
        "seconds": {k: round(v, 3) for k, v in counts.seconds.items()},
        "baseline": {
            "what": "CRC only" if target.checksummed else "bytes.split only",
            "frames": len(sample),
            "baseline_frames_per_second": round(len(sample) / baseline_s) if baseline_s else None,
            "decoder_frames_per_second": round(len(sample) / decoder_s) if decoder_s else None,
            "decoder_cost_vs_baseline": round(decoder_s / baseline_s, 2) if baseline_s else None,
        },
        "seed": seed,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=1_000_000, help="frames per decoder")
    parser.add_argument("--only", choices=sorted(TARGETS), action="append", help="decoder(s) to run")
    parser.add_argument("--seed", type=int, default=20251123)
    parser.add_argument("--out", type=Path, default=RESULTS / "fuzz_decoders.json")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {}
    for name in args.only or TARGETS:
        target = TARGETS[name]()
        print(f"fuzzing {name}: {args.frames:,} frames ...", file=sys.stderr, flush=True)
        results[name] = run_target(target, args.frames, args.seed)
        r = results[name]
        print(
            f"  {r['frames']:,} frames, {r['crashes']} crashes, {r['lost_valid_frames']} lost, "
            f"{r['accepted_corrupted_frames']} corrupted accepted, "
            f"{r['frames_per_second']['stream']:,} frames/s streamed",
            file=sys.stderr,
            flush=True,
        )
    report = {
        "bench": "fuzz_decoders",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "frames_per_decoder": args.frames,
        "decoders": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    bad = any(
        r["crashes"]
        or r["lost_valid_frames"] > r["format_floor_frames"]
        or (r["accepted_corrupted_frames"] or 0) > r["format_floor_frames"]
        for r in results.values()
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
