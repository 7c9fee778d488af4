"""Import speed against plain sqlite3, and peak memory against input size.

    python bench/import_bench.py [--docs 20000] [--rounds 3]

Makes N Wikinews-size documents (the 24 Wikinews articles repeated with new ids and a line that
keeps each text unique), then in the same run:
  raw     plain sqlite3: the same rows, prepared in memory beforehand, inserted with executemany
          into the same table (same indexes, same WAL/FULL settings), one transaction;
  import  `annotator import` end to end: read the JSONL, validate, hash, de-duplicate, insert.
A warm-up pass runs both on a few documents first; then each round runs both, the order swapped
every round, each on a fresh database. Prints every round, the medians, import/raw of the medians
against the target and the load average at start and end. Then runs the import in child processes on N/4 and N documents
and prints each one's peak resident memory: flat memory means the two are close.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, UTC
from pathlib import Path

from annotator.domain.queue_order import shuffle_key
from annotator.store.documents import FIND_INDEX_FILL

ROOT = Path(__file__).resolve().parent.parent
WIKINEWS = ROOT / "seeds" / "wikinews.jsonl"
SUBJECTS = ("raw", "import")
TARGET = 0.5  # import/raw, of rates


def load_average() -> str:
    """The machine is shared: quote how busy it was next to every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} cores"


def rotated(subjects: tuple[str, ...], r: int) -> tuple[str, ...]:
    """Round r's order: each subject goes first in turn, so drift and cache warmth hit all alike."""
    k = r % len(subjects)
    return subjects[k:] + subjects[:k]


def alternate(subjects: dict, rounds: int, show=lambda r, took: None) -> dict[str, list[float]]:
    """Each subject (name -> a call returning seconds) once a round, the order rotated every round;
    `show(round, took)` after each round."""
    took: dict[str, list[float]] = {name: [] for name in subjects}
    for r in range(rounds):
        for name in rotated(tuple(subjects), r):
            took[name].append(subjects[name]())
        show(r, took)
    return took


def timed_child(command: list[str]) -> tuple[float, float | None, str]:
    """Seconds, peak resident MB (from /usr/bin/time, which forks from its own small process: a
    child's maximum counts from its parent's RSS at fork, and a bench holds big data) and stdout of
    one command."""
    timer = ["/usr/bin/time", "-f", "peak-kb %M"] if Path("/usr/bin/time").exists() else []
    t0 = time.perf_counter()
    done = subprocess.run([*timer, *command], capture_output=True, text=True)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    peak = [line for line in done.stderr.splitlines() if line.startswith("peak-kb ")]
    return took, int(peak[-1].split()[1]) / 1024 if peak else None, done.stdout


def verdict(value: float, target: float) -> str:
    return "met" if value >= target else "NOT met"


def make_corpus(path: Path, n: int) -> None:
    articles = [json.loads(line) for line in WIKINEWS.read_text("utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            a = dict(articles[i % len(articles)])
            a["id"] = f"{a['id']}-{i}"
            a["text"] = f"{a['text']}\n\n(Bench copy {i}.)"
            f.write(json.dumps(a) + "\n")


def init_project(db: Path) -> None:
    subprocess.run([sys.executable, "-m", "annotator", "init", "--db", str(db)], check=True, capture_output=True)


def raw_insert(corpus: Path, db: Path, template: Path) -> float:
    """Seconds for plain sqlite3 executemany of the same rows into the same table."""
    import hashlib

    # The document table as the project has it: its indexes, its full-text index and the triggers
    # that keep that in step on update and delete (the FTS5 table makes its own shadow tables); new
    # rows enter the full-text index in one statement, as the project's insert does.
    ddl = [r[0] for r in sqlite3.connect(template).execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND (tbl_name = 'document' OR name = 'document_fts') "
        "ORDER BY type = 'trigger', type = 'index', name != 'document'")]
    now = datetime.now(UTC).isoformat()
    rows = []
    for line in corpus.read_text("utf-8").splitlines():
        r = json.loads(line)
        meta = {k: v for k, v in r.items() if k not in ("id", "title", "text")}
        rows.append((r["id"], r["title"], r["text"], json.dumps(meta), hashlib.sha256(r["text"].encode()).hexdigest(), now,
                     len(rows) + 1, shuffle_key(r["id"])))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for statement in ddl:
        conn.execute(statement)
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO document (id, title, text, meta, text_hash, created_at, seq, shuffle) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute(FIND_INDEX_FILL, (1,))
    elapsed = time.perf_counter() - start
    assert conn.execute("SELECT count(*) FROM document").fetchone()[0] == len(rows)
    conn.close()
    return elapsed


def annotator_import(corpus: Path, db: Path) -> float:
    from annotator.services.importer import import_paths
    from annotator.services.project import open_project

    engine = open_project(str(db))
    start = time.perf_counter()
    report = import_paths(engine, [corpus])
    elapsed = time.perf_counter() - start
    assert report.invalid == 0 and report.added > 0
    engine.dispose()
    return elapsed


# VmHWM, not ru_maxrss: the latter keeps the parent's high-water mark across fork and exec.
CHILD = """
import re, sys
from pathlib import Path
from annotator.services.importer import import_paths
from annotator.services.project import open_project
report = import_paths(open_project(sys.argv[1]), [Path(sys.argv[2])])
print(report.added, re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
"""


def peak_memory(corpus: Path, workdir: Path, tag: str) -> tuple[int, int]:
    db = workdir / f"peak-{tag}.db"
    init_project(db)
    out = subprocess.run([sys.executable, "-c", CHILD, str(db), str(corpus)], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])  # documents, KiB


def run_round(corpus: Path, work: Path, tag: str, order: tuple[str, ...]) -> dict[str, float]:
    db = work / f"{tag}-import.db"
    init_project(db)  # before anything is timed; also the raw side's table template
    seconds = {}
    for subject in order:
        if subject == "raw":
            seconds[subject] = raw_insert(corpus, work / f"{tag}-raw.db", template=db)
        else:
            seconds[subject] = annotator_import(corpus, db)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating raw/import rounds; medians are shown")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus, small, warm = work / "corpus.jsonl", work / "small.jsonl", work / "warm.jsonl"
        make_corpus(corpus, args.docs)
        make_corpus(small, args.docs // 4)
        make_corpus(warm, min(args.docs, 200))
        mb = corpus.stat().st_size / 1e6
        print(f"{args.docs} documents, {mb:.1f} MB of JSONL ({mb * 1e6 / args.docs / 1000:.1f} KB each); "
              f"{args.rounds} rounds")

        run_round(warm, work, "warm", SUBJECTS)  # first-call costs (imports, caches) paid here
        times: dict[str, list[float]] = {s: [] for s in SUBJECTS}
        for r in range(args.rounds):
            order = rotated(SUBJECTS, r)
            seconds = run_round(corpus, work, f"r{r}", order)
            for s in order:
                times[s].append(seconds[s])
            print(f"round {r + 1}: " + "; ".join(f"{s} {args.docs / seconds[s]:9,.0f} docs/s ({seconds[s]:.2f} s)"
                                                 for s in order))
        raw, ours = (statistics.median(times[s]) for s in SUBJECTS)
        print(f"median raw sqlite3 executemany: {args.docs / raw:10,.0f} docs/s ({raw:.2f} s)")
        print(f"median annotator import:        {args.docs / ours:10,.0f} docs/s ({ours:.2f} s)")
        print(f"ratio of medians import/raw:    {raw / ours:10.2f}   target >= {TARGET:.2f}: {verdict(raw / ours, TARGET)}")

        n_small, kib_small = peak_memory(small, work, "small")
        n_big, kib_big = peak_memory(corpus, work, "big")
        print(f"peak RSS importing {n_small:6} docs: {kib_small / 1024:7.1f} MiB")
        print(f"peak RSS importing {n_big:6} docs: {kib_big / 1024:7.1f} MiB  "
              f"(x{kib_big / kib_small:.2f} for x{n_big / n_small:.0f} the input)")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
