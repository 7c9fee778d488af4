"""Gold JSONL export on a big project, beside writing the same records with plain json.dumps.

    python bench/export_bench.py [--docs 100000] [--rounds 3] [--keep PATH]

Builds (or reuses, with --keep) the project of bench/agreement_bench.py and derives its gold. Then,
alternating over --rounds rounds:
  dumps   the exported records, already in memory, written one a line with json.dumps: the floor
          of writing these bytes from Python;
  export  `annotator export --format gold` as a user runs it, in a new process: read gold a batch
          of documents at a time, build each record, write it, rename the file at the end.
Prints every round, documents per second of each, their ratio, and the export's peak memory
(from /usr/bin/time) with the load average: flat memory means a big project exports in the same
memory as a small one.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from agreement_bench import big_project, project_arguments  # noqa: E402
from import_bench import alternate, load_average, timed_child  # noqa: E402


TARGET_RATIO = 0.5  # the export's rate against plain json.dumps of the same records


def export(db: Path, out: Path) -> tuple[float, float | None]:
    took, peak, _ = timed_child([str(Path(sys.executable).with_name("annotator")), "export", "--db", str(db),
                                 "--out", str(out), "--force"])
    return took, peak


def dumps(records: list[dict], out: Path) -> float:
    t0 = time.perf_counter()
    with out.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return time.perf_counter() - t0


def main() -> None:
    args = project_arguments(__doc__, coders=False)
    print(f"start: {load_average()}")
    with big_project(args) as (db, tmp):
        subprocess.run([str(Path(sys.executable).with_name("annotator")), "gold", "--db", str(db)], check=True,
                       capture_output=True)
        out = tmp / "gold.jsonl"
        export(db, out)  # warm up, and the records the baseline writes
        records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        n = len(records)
        peaks: list[float] = []

        def measured() -> float:
            seconds, peak = export(db, out)
            peaks.append(peak or 0)
            return seconds

        took = alternate({"dumps": lambda: dumps(records, tmp / "plain.jsonl"), "export": measured}, args.rounds,
                         lambda r, took: print(f"round {r + 1}: json.dumps {n / took['dumps'][-1]:,.0f} docs/s, "
                                               f"annotator export {n / took['export'][-1]:,.0f} docs/s "
                                               f"(peak {peaks[-1]:.0f} MB)"))
        floor, whole = statistics.median(took["dumps"]), statistics.median(took["export"])
        print(f"medians: {n} documents; json.dumps {n / floor:,.0f} docs/s; annotator export {n / whole:,.0f} docs/s "
              f"({floor / whole:.2f} x the plain rate, process start and reading the database included); "
              f"peak memory {max(peaks):.0f} MB; target >= {TARGET_RATIO} x: "
              f"{'met' if floor / whole >= TARGET_RATIO else 'NOT met'}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
