"""How long a coder's save waits while an import runs, on a big project.

    python bench/import_wait_bench.py [--docs 1000000] [--import-docs 20000] [--rounds 3] [--keep PATH]

Builds (or reuses, with --keep) the project of bench/scale_bench.py (N short documents, blind, so
a save is one small write). Then, over --rounds rounds, in alternating order:
  alone   a simulated coder (bench/simulated_coder.py) saving a decision every PAUSE seconds, with
          nothing else writing: the floor;
  count   the same coder while `annotator import` stores --import-docs new Wikinews-size documents
          (the seeds' articles, each copy made unique) in batches of a fixed 1,000 records (how
          imports batched before);
  time    the same, with the import's own batches, sized to take about BATCH_SECONDS each.
The coder saves for as long as the import runs (alone: as long as the last import took). Prints
p50/p95/max save latency per round and their medians, the import's time, the load average, and
the target: a save's p95 beside an import <= 50 ms. Each import adds new documents, so the
project grows by --import-docs a run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average  # noqa: E402
from scale_bench import build, percentiles  # noqa: E402

CODER = ROOT / "bench" / "simulated_coder.py"
WIKINEWS = ROOT / "seeds" / "wikinews.jsonl"
TARGET_MS = 50.0
# Between a coder's decisions: each save then lands at a time of its own in the import's cycle of
# batches, as a person's do. A coder saving back to back waits once per batch and then saves
# hundreds of times in the gap, which hides the wait from the percentiles.
PAUSE = 0.05
# The import as it batched before: a fixed 1,000 records a batch, whatever they cost.
COUNT_BATCHES = ("import sys; from annotator.services import importer; "
                 "importer.FIRST_BATCH = importer.FEWEST = importer.MOST = 1000; "
                 "from annotator.cli import main; sys.argv[0] = 'annotator'; main()")


class Coder:
    """The simulated coder, once it has opened its first document (its start-up is not timed), its
    output read as it comes: a pipe left unread would stop it at its first 64 KB of lines."""

    def __init__(self, db: Path, seconds: float, seed: int) -> None:
        self.process = subprocess.Popen([sys.executable, str(CODER), str(db), "new", "--seconds", f"{seconds:.1f}",
                                         "--seed", str(seed), "--pause", str(PAUSE)],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        while "ready" not in (line := self.process.stdout.readline()):
            if not line:
                raise SystemExit(f"the simulated coder did not start: {self.process.communicate()[1][-400:]}")
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout or []), daemon=True)
        self.reader.start()

    def latencies(self, stop: bool = False) -> list[float]:
        if stop:
            self.process.terminate()
        self.process.wait(timeout=3600)
        self.reader.join()
        found = [json.loads(line) for line in self.lines if line.startswith("{")]
        if self.process.returncode not in (0, -15) or not found:  # (-15: stopped once the import ended)
            raise SystemExit(f"the simulated coder failed: {self.process.stderr.read()[-400:] if self.process.stderr else ''}")
        return [line["ms"] for line in found if "ms" in line]


def wikinews_corpus(path: Path, n: int, tag: str) -> None:
    """n Wikinews-size documents (the 24 articles, each copy made unique), as import_bench makes."""
    articles = [json.loads(line) for line in WIKINEWS.read_text("utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            a = dict(articles[i % len(articles)])
            a["id"], a["text"] = f"{a['id']}-{tag}-{i}", f"{a['text']}\n\n(Bench copy {tag}-{i}.)"
            f.write(json.dumps(a) + "\n")


def beside_import(db: Path, subject: str, docs: int, seed: int, tmp: Path) -> tuple[list[float], float]:
    corpus = tmp / f"import-{uuid.uuid4().hex[:8]}.jsonl"
    wikinews_corpus(corpus, docs, uuid.uuid4().hex[:8])  # texts no earlier run stored
    command = ([sys.executable, "-c", COUNT_BATCHES] if subject == "count"
               else [str(Path(sys.executable).with_name("annotator"))])
    coder = Coder(db, 3600, seed)  # saving before the import starts, until it ends
    started = time.perf_counter()
    importer = subprocess.Popen([*command, "import", "--db", str(db), str(corpus)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = importer.communicate(timeout=3600)
    took = time.perf_counter() - started
    found = coder.latencies(stop=True)
    if importer.returncode != 0:
        raise SystemExit(f"the import failed: {err.strip()[-400:]}")
    corpus.unlink()
    return found, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--import-docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the project here once, and reuse it")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db = args.keep or tmp / "big.db"
        if not db.exists():
            started = time.perf_counter()
            build(db, args.docs)
            print(f"built {args.docs} documents in {time.perf_counter() - started:.0f} s")
        results: dict[str, list[dict[str, float]]] = {"alone": [], "count": [], "time": []}
        took = 30.0
        for r in range(args.rounds):
            order = ["count", "time"] if r % 2 == 0 else ["time", "count"]
            for subject in ["alone", *order] if r % 2 == 0 else [*order, "alone"]:
                if subject == "alone":
                    found, seconds = Coder(db, took, 1000 + r).latencies(), took
                else:
                    found, seconds = beside_import(db, subject, args.import_docs, r * 10 + len(results[subject]), tmp)
                    took = seconds
                p50, p95 = percentiles(found)
                results[subject].append({"p50": p50, "p95": p95, "max": max(found), "saves": len(found), "s": seconds})
                print(f"round {r + 1} {subject:5}: {len(found):5} saves, p50 {p50:6.1f} ms, p95 {p95:6.1f} ms, "
                      f"max {max(found):7.1f} ms; {seconds:5.1f} s  ({load_average()})", flush=True)
    print("\nmedians over the rounds:")
    for subject, rows in results.items():
        med = {key: statistics.median(row[key] for row in rows) for key in ("p50", "p95", "max", "s")}
        print(f"  {subject:5}: p50 {med['p50']:6.1f} ms, p95 {med['p95']:6.1f} ms, max {med['max']:7.1f} ms, "
              f"{med['s']:5.1f} s")
    p95 = statistics.median(row["p95"] for row in results["time"])
    floor = statistics.median(row["p95"] for row in results["alone"])
    print(f"save p95 beside an import: {p95:.1f} ms (target <= {TARGET_MS:.0f} ms: "
          f"{'met' if p95 <= TARGET_MS else 'NOT met'}); {p95 / floor:.1f} x the coder alone")
    print(f"end: {load_average()}")


if __name__ == "__main__":
    main()
