"""`status` at a million documents: counts read from the tally against aggregating the rows.

    python bench/status_bench.py [--keep PATH] [--docs 1000000] [--rounds 5]

Builds the project of bench/scale_bench.py (or opens --keep: a project made by an older annotator
is upgraded first, and the upgrade's first count of every row is timed). Then, alternating over
--rounds rounds, in one process with the project open:
  aggregate  the statements `status` ran before the tally: every annotation, suggestion, decision
             and gold item grouped and counted (the floor of any status computed from the rows);
  tally      project_status(), as `annotator status --json` computes it now.
And over three rounds, each a cold process: `annotator --help` against `annotator status --json`.
Prints every round, the medians, the ratios, the targets (status <= 100 ms; a read-only command
starts cold in <= 300 ms) and the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import alternate, load_average  # noqa: E402
from scale_bench import build  # noqa: E402

TARGET_MS = 100
COLD_TARGET_MS = 300
# What status read before the tally, statement for statement.
AGGREGATES = (
    "SELECT count(DISTINCT document_pk) FROM suggestion",
    "SELECT count(*) FROM gold",
    "SELECT c.name, a.status, count(*) FROM coder c JOIN annotation a ON a.coder_pk = c.pk GROUP BY c.name, a.status",
    "SELECT how, count(*) FROM gold_span GROUP BY how",
    "SELECT how, count(*) FROM gold_stance GROUP BY how",
    "SELECT sum(disputed) FROM gold",
    *(f"SELECT c.name, d.label, d.decision, count(*) FROM {table} d JOIN annotation a ON a.pk = d.annotation_pk "
      f"JOIN coder c ON c.pk = a.coder_pk GROUP BY c.name, d.label, d.decision"
      for table in ("suggestion_decision", "stance_decision")),
    "SELECT coder_pk, count(*), sum(seconds) FROM annotation WHERE status = 'done' AND seconds > 0 GROUP BY coder_pk",
    "SELECT a.coder_pk, count(*), sum(a.seconds) FROM document d JOIN annotation a ON a.document_pk = d.pk "
    "WHERE d.blind AND a.status = 'done' AND a.seconds > 0 GROUP BY a.coder_pk",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="the project to build once and reuse")
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from sqlalchemy import text

    from annotator.services.inspect import project_status
    from annotator.services.project import open_project

    db = args.keep or Path(tempfile.mkdtemp()) / "status.db"
    if not db.exists():
        print(f"building {args.docs} documents in {db} ...")
        build(db, args.docs)
    print(load_average())
    t0 = time.perf_counter()
    engine = open_project(str(db))  # an older project is upgraded here: the tally's first count
    print(f"opened (and upgraded where older) in {time.perf_counter() - t0:.1f} s")

    def aggregate() -> float:
        t0 = time.perf_counter()
        with engine.connect() as conn:
            for statement in AGGREGATES:
                conn.execute(text(statement)).all()
        return time.perf_counter() - t0

    def tally() -> float:
        t0 = time.perf_counter()
        project_status(engine)
        return time.perf_counter() - t0

    status = project_status(engine)
    print(f"{status['documents']} documents, {status['suggested']} suggested, annotations: {status['annotations']}")

    def show(r: int, took: dict[str, list[float]]) -> None:
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1] * 1000:.1f} ms" for k, v in took.items()))

    took = alternate({"aggregate": aggregate, "tally": tally}, args.rounds, show)
    engine.dispose()
    medians = {k: statistics.median(v) * 1000 for k, v in took.items()}
    print(f"medians: aggregate {medians['aggregate']:.1f} ms, tally {medians['tally']:.2f} ms "
          f"({medians['aggregate'] / medians['tally']:.0f} x faster); target: status <= {TARGET_MS} ms: "
          f"{'met' if medians['tally'] <= TARGET_MS else 'NOT met'}")

    env = {**os.environ, "ANNOTATOR_DB": str(db)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte code cached, as an installed annotator has it
    command = [sys.executable, "-m", "annotator"]
    subprocess.run([*command, "status", "--json"], env=env, capture_output=True, check=True)  # warm the cache

    def cold(args_: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run([*command, *args_], env=env, capture_output=True, check=True)
        return time.perf_counter() - t0

    runs = alternate({"--help": lambda: cold(["--help"]), "status --json": lambda: cold(["status", "--json"])}, 3, show)
    cold_ms = {k: statistics.median(v) * 1000 for k, v in runs.items()}
    print(f"cold medians: --help {cold_ms['--help']:.0f} ms, status --json {cold_ms['status --json']:.0f} ms "
          f"({cold_ms['status --json'] / cold_ms['--help']:.1f} x --help); target <= {COLD_TARGET_MS} ms: "
          f"{'met' if cold_ms['status --json'] <= COLD_TARGET_MS else 'NOT met'}")
    print(load_average())


if __name__ == "__main__":
    main()
