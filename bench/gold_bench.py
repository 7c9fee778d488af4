"""Gold derivation on a big project: `annotator gold` against reading its input with sqlite3.

    python bench/gold_bench.py [--docs 100000] [--coders 3] [--rounds 3] [--keep PATH]

Builds (or reuses, with --keep) the project of bench/agreement_bench.py: N short documents, each done
by every coder, with a stance for each of 4 targets and ~3 entity spans (~80% alike). Then,
alternating over --rounds rounds:
  raw     plain sqlite3 reading the done annotations, their stances and spans: the floor of any
          derivation done outside the database;
  gold    `annotator gold` as a user runs it, in a new process: read, derive item by item, replace
          the derived gold of every document in one transaction.
Prints every round, the medians, gold/raw, the target (under 10 s) and the peak resident memory of
the `annotator gold` process, with the load average.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from agreement_bench import build, raw  # noqa: E402
from import_bench import load_average, rotated, timed_child  # noqa: E402

TARGET_SECONDS = 10.0


def gold(db: Path) -> tuple[float, float | None]:
    """Seconds and peak resident MB of one `annotator gold` run in a child process."""
    took, peak, out = timed_child([str(Path(sys.executable).with_name("annotator")), "gold", "--db", str(db)])
    if "Gold for" not in out:
        raise SystemExit(out)
    return took, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the project here (or reuse it) instead of a temp folder")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "gold.db"
        if not db.exists():
            t0 = time.perf_counter()
            build(db, args.docs, args.coders)
            print(f"built {args.docs} documents x {args.coders} coders in {time.perf_counter() - t0:.0f} s")
        gold(db)  # the first run creates every gold row; the rounds replace them, as a second run does
        took: dict[str, list[float]] = {"raw": [], "gold": []}
        peaks = []
        for r in range(args.rounds):
            for subject in rotated(("raw", "gold"), r):
                if subject == "raw":
                    took["raw"].append(raw(db))
                else:
                    seconds, peak = gold(db)
                    took["gold"].append(seconds)
                    peaks.append(peak)
            print(f"round {r + 1}: raw {took['raw'][-1]:.2f} s, gold {took['gold'][-1]:.2f} s (peak {peaks[-1] or 0:.0f} MB)")
        floor, whole = statistics.median(took["raw"]), statistics.median(took["gold"])
        print(f"medians: raw sqlite3 read {floor:.2f} s; annotator gold {whole:.2f} s ({whole / floor:.1f} x raw); "
              f"peak memory {max(p or 0 for p in peaks):.0f} MB   target: under {TARGET_SECONDS:.0f} s: "
              f"{'met' if whole < TARGET_SECONDS else 'NOT met'}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
