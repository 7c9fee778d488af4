"""Eight coders at once on one SQLite file and on one PostgreSQL database, in the same run.

    python bench/concurrency_bench.py [--coders 8] [--seconds 60] [--docs 2000] [--rounds 3]
                                      [--presses 100] [--pg URL]

Builds the same project (--docs short news documents, suggested by the tests' rule-based pipeline)
on SQLite and on PostgreSQL, shown without suggestions (`d` marks done and moves on at once) (a throwaway
cluster from the distribution's server programs, as the tests start, unless --pg names a database
to use, which it empties). Then, alternating SQLite and PostgreSQL over --rounds rounds:
  coders   --coders processes (bench/simulated_coder.py), each coding its queue as fast as the
           services let it for --seconds: decisions per second (all coders), p50/p95 save latency,
           errors (saves that failed), and lost decisions (a coder's last word on a document that
           the database does not hold afterwards);
  keys     the coding screen (Textual, 80x24, driven like bench/scale_bench.py) against each
           database, one coder alone: `d` and `n` key to frame, p50/p95;
  import   one coder coding for --import-seconds while `annotator import` stores --import-docs
           new documents (batches of 1000, each committed on its own): save p95 and the longest
           save, errors, and the import's time (0 skips this part).
Prints every round, the medians, PostgreSQL against SQLite, and the targets (0 errors, 0 lost),
with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from import_bench import load_average  # noqa: E402
from scale_bench import coder_round, percentiles, write_corpus  # noqa: E402

CODER = ROOT / "bench" / "simulated_coder.py"


def build(db: str, docs: int, coders: int, tmp: Path) -> None:
    from conftest import rule_pipeline
    from sqlalchemy import text

    from annotator.services.importer import import_paths
    from annotator.services.project import init_project, open_project
    from annotator.services.suggest import suggest
    from annotator.services.team import add_coder

    init_project(db)
    engine = open_project(db)
    corpus = tmp / f"corpus-{uuid.uuid4().hex[:6]}.jsonl"
    write_corpus(corpus, 0, docs)
    import_paths(engine, [corpus])
    suggest(engine, pipeline=rule_pipeline())  # the tests' rule-based pipeline: fast
    with engine.begin() as conn:  # shown without suggestions, as in scale_bench: `d` then goes on at once
        conn.execute(text("UPDATE document SET blind = true"))
    for i in range(coders):
        add_coder(engine, f"coder{i}", "coder", actor=None)
    add_coder(engine, "keys", "coder", actor=None)
    engine.dispose()


def coders_for(db: str, coders: int, seconds: float, r: int) -> dict:
    runs = [subprocess.Popen([sys.executable, str(CODER), db, f"coder{i}", "--seconds", str(seconds),
                              "--seed", str(r * 100 + i)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(coders)]
    latencies, saved, failed, finals, crashed = [], 0, 0, [], 0
    for run in runs:
        out, err = run.communicate(timeout=seconds + 300)
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        if run.returncode != 0 or not lines or "final" not in lines[-1]:
            crashed += 1
            print(f"  a coder process failed: {err.strip().splitlines()[-1:] }")
            continue
        latencies += [line["ms"] for line in lines if "ms" in line]
        saved += lines[-1]["saved"]
        failed += lines[-1]["failed"]
        finals.append(lines[-1]["final"])
    return {"rate": saved / seconds, "latencies": latencies, "errors": failed + crashed,
            "lost": lost(db, finals), "saved": saved}


def beside_import(db: str, docs: int, seconds: float, r: int, tmp: Path) -> dict:
    """A coder's saves while an import of `docs` new documents runs."""
    corpus = tmp / f"import-{r}-{uuid.uuid4().hex[:6]}.jsonl"
    write_corpus(corpus, (r + 1) * 10_000_000, docs)  # new texts every round
    started = time.perf_counter()
    importer = subprocess.Popen([sys.executable, "-m", "annotator", "import", "--db", db, str(corpus)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    coder = subprocess.Popen([sys.executable, str(CODER), db, "coder0", "--seconds", str(seconds), "--seed", str(r)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, _ = coder.communicate(timeout=seconds + 300)
    _, import_err = importer.communicate(timeout=3600)
    took = time.perf_counter() - started
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    latencies = [line["ms"] for line in lines if "ms" in line]
    errors = (lines[-1]["failed"] if lines and "final" in lines[-1] else 1) + (importer.returncode != 0)
    if importer.returncode != 0:
        print(f"  the import failed: {import_err.strip().splitlines()[-1:]}")
    return {"latencies": latencies, "errors": errors, "import s": took}


def lost(db: str, finals: list[dict]) -> int:
    """Documents whose stored annotation differs from what the coder's last save acknowledged."""
    from annotator.services.project import open_project
    from annotator.store import annotations

    engine = open_project(db)
    missing = 0
    with engine.connect() as conn:
        for i, final in enumerate(finals):
            coder = annotations.coder_pk(conn, f"coder{i}")
            for pk, expected in final.items():
                stored = annotations.of_coder(conn, int(pk), coder)
                missing += stored is None or stored.to_json() != expected
    engine.dispose()
    return missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coders", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--import-docs", type=int, default=10_000)
    parser.add_argument("--import-seconds", type=float, default=15.0)
    parser.add_argument("--pg", help="a PostgreSQL database URL to use (emptied first) instead of a throwaway cluster")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    cluster = None
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if args.pg:
            pg = args.pg
            from sqlalchemy import create_engine, text

            with create_engine(pg).begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            from pg_cluster import Cluster, server_programs

            programs = server_programs()
            if programs is None:
                raise SystemExit("no PostgreSQL server programs here: install the distribution's, or give --pg URL")
            cluster = Cluster.start(programs)
            pg = cluster.create("bench")
        databases = {"SQLite": str(tmp / "bench.db"), "PostgreSQL": pg}
        try:
            t0 = time.perf_counter()
            for db in databases.values():
                build(db, args.docs, args.coders, tmp)
            print(f"built {args.docs} documents and {args.coders} coders on each in {time.perf_counter() - t0:.0f} s")
            results: dict[str, list[dict]] = {name: [] for name in databases}
            for r in range(args.rounds):
                order = list(databases) if r % 2 == 0 else list(reversed(databases))
                for name in order:
                    res = coders_for(databases[name], args.coders, args.seconds, r)
                    keys = asyncio.run(coder_round(databases[name], "keys", args.presses))
                    res["d"], res["n"] = keys["d"], keys["n"]
                    if args.import_docs:
                        res["beside"] = beside_import(databases[name], args.import_docs, args.import_seconds, r, tmp)
                        b = res["beside"]
                        print(f"round {r + 1} {name:10}: beside an import of {args.import_docs} documents "
                              f"({b['import s']:.0f} s): {len(b['latencies'])} saves, p95 "
                              f"{percentiles(b['latencies'] or [0])[1]:.1f} ms, longest {max(b['latencies'], default=0):.0f} ms, "
                              f"errors {b['errors']}")
                    results[name].append(res)
                    p50, p95 = percentiles(res["latencies"])
                    print(f"round {r + 1} {name:10}: {res['rate']:6.1f} decisions/s, save p50 {p50:.1f} ms "
                          f"p95 {p95:.1f} ms, errors {res['errors']}, lost {res['lost']}; keys: d p95 "
                          f"{percentiles(res['d'])[1] * 1000:.1f} ms, n p95 {percentiles(res['n'])[1] * 1000:.1f} ms")
        finally:
            if cluster is not None:
                cluster.stop()
    print("medians over rounds:")
    summary = {}
    for name, rounds in results.items():
        summary[name] = {
            "rate": statistics.median(r["rate"] for r in rounds),
            "save p95": statistics.median(percentiles(r["latencies"])[1] for r in rounds),
            "d p95": statistics.median(percentiles(r["d"])[1] * 1000 for r in rounds),
            "n p95": statistics.median(percentiles(r["n"])[1] * 1000 for r in rounds),
            "errors": sum(r["errors"] for r in rounds), "lost": sum(r["lost"] for r in rounds)}
        s = summary[name]
        if args.import_docs:
            s["errors"] += sum(r["beside"]["errors"] for r in rounds)
            print(f"  {name:10}: beside an import: save p95 "
                  f"{statistics.median(percentiles(r['beside']['latencies'] or [0])[1] for r in rounds):.1f} ms, longest "
                  f"{statistics.median(max(r['beside']['latencies'], default=0) for r in rounds):.0f} ms, "
                  f"import {statistics.median(r['beside']['import s'] for r in rounds):.0f} s")
        print(f"  {name:10}: {s['rate']:.1f} decisions/s, save p95 {s['save p95']:.1f} ms, key d p95 "
              f"{s['d p95']:.1f} ms, n p95 {s['n p95']:.1f} ms; errors {s['errors']}, lost {s['lost']} (all rounds)")
    pg_s, lite = summary["PostgreSQL"], summary["SQLite"]
    print(f"PostgreSQL / SQLite: decisions/s {pg_s['rate'] / lite['rate']:.2f}, save p95 "
          f"{pg_s['save p95'] / lite['save p95']:.2f}, key d p95 {pg_s['d p95'] / lite['d p95']:.2f}, "
          f"n p95 {pg_s['n p95'] / lite['n p95']:.2f}")
    met = all(s["errors"] == 0 and s["lost"] == 0 for s in summary.values())
    print(f"target: 0 errors and 0 lost decisions on both: {'met' if met else 'NOT met'}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
