"""Gold derivation on a big project: `annotator gold`, first and again, against sqlite3 floors.

    python bench/gold_bench.py [--docs 100000] [--coders 3] [--rounds 3] [--keep PATH]

Builds (or reuses, with --keep) the project of bench/agreement_bench.py: N short documents, each done
by every coder, with a stance for each of 4 targets and ~3 entity spans (~80% alike). Then,
alternating over --rounds rounds:
  raw read   plain sqlite3 reading the done annotations, their stances and spans: the floor of any
             derivation done outside the database;
  raw write  plain sqlite3 inserting the gold rows a first derivation stores (one executemany per
             table, in one transaction, on a copy without gold): the floor of storing them;
  first      `annotator gold` on a copy of the project without gold, in a new process: read,
             derive item by item, store every gold row;
  again      `annotator gold` on the derived project: everything is read and derived again, and
             only what changed (here nothing) is written, as after a day's coding.
Prints every round, the medians, each against its floor, the target (under 10 s) and the peak
resident memory of the `annotator gold` processes, with the load average. Copying the database
before a round's `first` is not timed.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from agreement_bench import big_project, project_arguments, raw  # noqa: E402
from import_bench import alternate, load_average, timed_child  # noqa: E402

TARGET_SECONDS = 10.0
GOLD_TABLES = ("gold_span", "gold_stance", "gold_adjudication", "gold")


def gold(db: Path) -> tuple[float, float | None]:
    """Seconds and peak resident MB of one `annotator gold` run in a child process."""
    took, peak, out = timed_child([str(Path(sys.executable).with_name("annotator")), "gold", "--db", str(db)])
    if "Gold for" not in out:
        raise SystemExit(out)
    return took, peak


def without_gold(db: Path, to: Path) -> None:
    shutil.copyfile(db, to)
    with sqlite3.connect(to) as conn:
        for table in GOLD_TABLES:
            conn.execute(f"DELETE FROM {table}")
    sqlite3.connect(to).execute("VACUUM").connection.close()


def stored_rows(db: Path) -> dict[str, tuple[str, list[tuple]]]:
    """The gold rows of the derived project, with the insert that stores each table's."""
    conn = sqlite3.connect(db)
    rows = {}
    for table in ("gold", "gold_span", "gold_stance"):
        columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
        marks = ", ".join("?" * len(columns))
        names = ", ".join(f'"{c}"' for c in columns)
        rows[table] = (f"INSERT INTO {table} ({names}) VALUES ({marks})",
                       conn.execute(f"SELECT {names} FROM {table} ORDER BY pk").fetchall())
    conn.close()
    return rows


def raw_write(empty: Path, work: Path, rows: dict[str, tuple[str, list[tuple]]]) -> float:
    """sqlite3 inserting the rows, with the project's own settings (WAL, full sync, foreign keys)."""
    shutil.copyfile(empty, work)
    t0 = time.perf_counter()
    conn = sqlite3.connect(work, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    for sql, values in rows.values():
        conn.executemany(sql, values)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t0


def main() -> None:
    args = project_arguments(__doc__)
    print(f"start: {load_average()}")
    with big_project(args) as (db, tmp):
        empty, work = tmp / "empty.db", tmp / "work.db"
        gold(db)  # the derived project `again` runs on
        without_gold(db, empty)
        rows = stored_rows(db)
        print(f"gold rows a first derivation stores: {', '.join(f'{len(v[1])} {k}' for k, v in rows.items())}")
        peaks: list[float] = []

        def first() -> float:
            shutil.copyfile(empty, work)
            seconds, peak = gold(work)
            peaks.append(peak or 0)
            return seconds

        def again() -> float:
            seconds, peak = gold(db)
            peaks.append(peak or 0)
            return seconds

        subjects = {"raw read": lambda: raw(db, texts=False), "raw write": lambda: raw_write(empty, work, rows),
                    "first": first, "again": again}
        took = alternate(subjects, args.rounds,
                         lambda r, took: print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in took.items())))
        m = {name: statistics.median(values) for name, values in took.items()}
        floor_first = m["raw read"] + m["raw write"]
        print(f"medians: raw read {m['raw read']:.2f} s, raw write {m['raw write']:.2f} s; "
              f"annotator gold first {m['first']:.2f} s ({m['first'] / floor_first:.2f} x read + write), "
              f"again {m['again']:.2f} s ({m['again'] / m['raw read']:.2f} x read); peak memory {max(peaks):.0f} MB")
        for name in ("first", "again"):
            print(f"target: {name} under {TARGET_SECONDS:.0f} s: {'met' if m[name] < TARGET_SECONDS else 'NOT met'}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
