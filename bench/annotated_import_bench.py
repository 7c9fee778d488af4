"""Annotated import against plain import of the same documents, alternated over rounds.

    python bench/annotated_import_bench.py [--docs 20000] [--rounds 3]

The documents are import_bench's N Wikinews-size articles; the annotated file gives each of them
ten entity spans as one coder's finished work (bench/annotated_corpus.py). Each round runs, in an
order rotated every round, `annotator import` of the plain file and of the annotated file as
commands (start-up included), each into a fresh copy of one project (initialised, the coder added
beforehand). Prints every round, the medians, the rate of the annotated import over the plain
one's against the target (>= 0.5) and the load average at start and end.

Where an annotated import's time went (20k documents, 200k spans, in-process, load 1.2-1.6): before,
32.9 s: spans judged against a full spaCy tokenizer pass over each text 17.9 s, the store's
transactions 10.3 s (a dozen statements per annotation made time-sized batches small: 502 of them,
each a synced commit and a segment of the find index), the two reads' parsing 2.3 s each; no
suggestion decisions (imported work has none). After, 9.4 s: spans judged from the runs of
characters they fall in (no tokenizer for most), in worker processes with the parsing; a batch's
annotations, spans and events in a few statements (314 batches, 6.6 s); the check 2.2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from annotated_corpus import CODER, write_corpora
from import_bench import load_average, rotated, verdict

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = ("plain", "annotated")
TARGET = 0.5  # annotated import's rate / the plain import's, of the medians


def annotator(args: list[str]) -> float:
    """Seconds for one `annotator` command, run as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "annotator", *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"annotator {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are shown")
    args = parser.parse_args()
    print(f"start: {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="annotated-import-") as tmp:
        work = Path(tmp)
        files = write_corpora(work, args.docs)
        inputs = {"plain": files["plain.jsonl"], "annotated": files["annotator.jsonl"]}
        print(f"{args.docs} documents; plain {inputs['plain'].stat().st_size / 1e6:.0f} MB, annotated "
              f"{inputs['annotated'].stat().st_size / 1e6:.0f} MB ({10 * args.docs} spans as {CODER}'s work); "
              f"{args.rounds} rounds", flush=True)
        template = work / "template.db"
        annotator(["init", "--db", str(template)])
        annotator(["coder", "add", CODER, "--db", str(template)])
        took: dict[str, list[float]] = {s: [] for s in SUBJECTS}
        for r in range(args.rounds):
            for subject in rotated(SUBJECTS, r):
                db = work / f"{subject}-{r}.db"
                shutil.copy(template, db)
                took[subject].append(annotator(["import", "--db", str(db), str(inputs[subject])]))
                db.unlink()
            print(f"round {r + 1}: " + "; ".join(f"{s} {args.docs / took[s][-1]:6,.0f} docs/s ({took[s][-1]:.2f} s)"
                                                 for s in rotated(SUBJECTS, r)) + f"   {load_average()}", flush=True)
    plain, annotated = (statistics.median(took[s]) for s in SUBJECTS)
    ratio = plain / annotated
    print(f"median plain import:     {args.docs / plain:7,.0f} docs/s ({plain:.2f} s)")
    print(f"median annotated import: {args.docs / annotated:7,.0f} docs/s ({annotated:.2f} s)")
    print(f"annotated rate / plain rate: {ratio:.2f}   target >= {TARGET:.2f}: {verdict(ratio, TARGET)}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
