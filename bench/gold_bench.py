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

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from agreement_bench import big_project, project_arguments, raw  # noqa: E402
from import_bench import alternate, load_average, timed_child  # noqa: E402

TARGET_SECONDS = 10.0


def gold(db: Path) -> tuple[float, float | None]:
    """Seconds and peak resident MB of one `annotator gold` run in a child process."""
    took, peak, out = timed_child([str(Path(sys.executable).with_name("annotator")), "gold", "--db", str(db)])
    if "Gold for" not in out:
        raise SystemExit(out)
    return took, peak


def main() -> None:
    args = project_arguments(__doc__)
    print(f"start: {load_average()}")
    with big_project(args) as (db, _):
        gold(db)  # the first run creates every gold row; the rounds replace them, as a second run does
        peaks: list[float] = []

        def measured() -> float:
            seconds, peak = gold(db)
            peaks.append(peak or 0)
            return seconds

        took = alternate({"raw": lambda: raw(db), "gold": measured}, args.rounds,
                         lambda r, took: print(f"round {r + 1}: raw {took['raw'][-1]:.2f} s, gold {took['gold'][-1]:.2f} s "
                                               f"(peak {peaks[-1]:.0f} MB)"))
        floor, whole = statistics.median(took["raw"]), statistics.median(took["gold"])
        print(f"medians: raw sqlite3 read {floor:.2f} s; annotator gold {whole:.2f} s ({whole / floor:.1f} x raw); "
              f"peak memory {max(peaks):.0f} MB   target: under {TARGET_SECONDS:.0f} s: "
              f"{'met' if whole < TARGET_SECONDS else 'NOT met'}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
