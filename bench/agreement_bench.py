"""The whole `annotator agree` report on a big project, against reading the same rows with sqlite3.

    python bench/agreement_bench.py [--docs 100000] [--coders 3] [--rounds 3] [--keep PATH]

Builds a project of N short documents (~60 tokens, sentences of the Wikinews seeds), every one done
by each of --coders coders: a stance for each of the codebook's 4 targets (the coders agree ~80% of
the time) and ~3 entity spans (~80% the same). Then, alternating over --rounds rounds:
  raw     plain sqlite3 reading the rows the report reads (done annotations, their stances and
          spans, the documents' texts) into Python lists, as the store's queries do: the floor of
          any report computed outside the database;
  agree   `annotator agree --json` as a user runs it: a new process, the project opened, every
          coefficient with a 1,000-draw bootstrap interval per target, token alpha included.
Prints every round, the medians, agree/raw, the target (the whole report under 5 s) and the load.
Then the command's cold start, alternating over 10 rounds: `annotator agree --help` (the command
line's own start) and `annotator agree --json` on a project of 6 documents x 3 coders (target:
0.3 s; run with PYTHONDONTWRITEBYTECODE unset, so that modules load from their cached bytecode).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import alternate, load_average, timed_child  # noqa: E402

from annotator.domain.queue_order import shuffle_key  # noqa: E402

TARGET_SECONDS = 5.0
START_TARGET_SECONDS = 0.3
LABELS = ("FAVOR", "AGAINST", "NONE")
ENTITY_LABELS = ("PERSON", "ORG", "GPE")


def build(db: Path, docs: int, coders: int, seed: int = 0) -> None:
    subprocess.run([sys.executable, "-m", "annotator", "init", "--db", str(db)], check=True, capture_output=True)
    rng = random.Random(seed)
    sentences = [s.strip() + "." for line in (ROOT / "seeds" / "wikinews.jsonl").read_text("utf-8").splitlines()
                 for s in json.loads(line)["text"].split(".") if 40 < len(s.strip()) < 200]
    now = datetime.now(UTC).isoformat()
    conn = sqlite3.connect(db)
    target_names = ("Ukraine", "Russia", "United States", "NATO")
    conn.executemany("INSERT INTO coder (name, role, created_at) VALUES (?, 'coder', ?)",
                     [(f"coder{c}", now) for c in range(coders)])
    coder_pks = [pk for (pk,) in conn.execute("SELECT pk FROM coder ORDER BY pk")]
    documents, annotations, stances, spans = [], [], [], []
    annotation_pk = 0
    for d in range(docs):
        text = " ".join(rng.choice(sentences) for _ in range(3)) + f" ({d})"
        documents.append((f"bench-{d}", "", text, "{}", f"{d:064x}", now, d + 1, shuffle_key(f"bench-{d}")))
        words = [(i, i + len(w)) for i, w in _words(text)]
        truth = [(rng.choice(words), rng.choice(ENTITY_LABELS)) for _ in range(3)]
        stance_truth = [rng.choice(LABELS) for _ in target_names]
        for coder_pk in coder_pks:
            annotation_pk += 1
            annotations.append((annotation_pk, d + 1, coder_pk, now, now))
            for target, label in zip(target_names, stance_truth):
                stances.append((annotation_pk, target, label if rng.random() < 0.8 else rng.choice(LABELS)))
            for (start, end), label in truth:
                if rng.random() < 0.8:
                    spans.append((annotation_pk, start, end, label))
                else:
                    start2, end2 = rng.choice(words)
                    spans.append((annotation_pk, start2, end2, rng.choice(ENTITY_LABELS)))
    with conn:
        conn.executemany("INSERT INTO document (id, title, text, meta, text_hash, created_at, seq, shuffle) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", documents)
        conn.executemany("INSERT INTO annotation (pk, document_pk, coder_pk, status, seconds, suggestions_shown, "
                         "created_at, updated_at) VALUES (?, ?, ?, 'done', 10.0, 1, ?, ?)", annotations)
        conn.executemany("INSERT INTO annotation_stance (annotation_pk, target, label, origin) VALUES (?, ?, ?, 'added')",
                         stances)
        conn.executemany("INSERT OR IGNORE INTO annotation_span (annotation_pk, start, \"end\", label, origin, aligned) "
                         "VALUES (?, ?, ?, ?, 'added', 1)", spans)
    conn.close()


def _words(text: str):
    i = 0
    for word in text.split(" "):
        if word:
            yield i, word
        i += len(word) + 1


def raw(db: Path, texts: bool = True) -> float:
    """The rows the report reads, as the store reads them (document and coder keys), with sqlite3;
    without `texts`, only what gold is derived from."""
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    done = conn.execute("SELECT document_pk, coder_pk FROM annotation WHERE status = 'done'").fetchall()
    stances = conn.execute("SELECT a.document_pk, a.coder_pk, s.target, s.label FROM annotation_stance s "
                           "JOIN annotation a ON a.pk = s.annotation_pk WHERE a.status = 'done'").fetchall()
    spans = conn.execute("SELECT a.document_pk, a.coder_pk, s.start, s.\"end\", s.label FROM annotation_span s "
                         "JOIN annotation a ON a.pk = s.annotation_pk WHERE a.status = 'done'").fetchall()
    read = conn.execute("SELECT pk, text FROM document").fetchall() if texts else [True]
    conn.close()
    assert done and stances and spans and read
    return time.perf_counter() - t0


def agree(db: Path) -> float:
    took, _, out = timed_child([str(Path(sys.executable).with_name("annotator")), "agree", "--json", "--db", str(db)])
    assert json.loads(out)["stance"]["Ukraine"]["units"] > 0
    return took


def cold_start(folder: Path, rounds: int = 10) -> None:
    """`agree --help` against `agree --json` on a small project, each in a new process."""
    small = folder / "small.db"
    build(small, 6, 3)
    command = str(Path(sys.executable).with_name("annotator"))
    took = alternate({"help": lambda: timed_child([command, "agree", "--help"])[0],
                      "agree": lambda: timed_child([command, "agree", "--json", "--db", str(small)])[0]}, rounds)
    help_, agree_ = statistics.median(took["help"]), statistics.median(took["agree"])
    print(f"cold start, medians of {rounds}: agree --help {help_ * 1000:.0f} ms; agree --json on 6 documents "
          f"{agree_ * 1000:.0f} ms (min {min(took['agree']) * 1000:.0f} ms)   target: <= "
          f"{START_TARGET_SECONDS * 1000:.0f} ms: {'met' if agree_ <= START_TARGET_SECONDS else 'NOT met'}")


def project_arguments(description: str, coders: bool = True) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    if coders:
        parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the project here (or reuse it) instead of a temp folder")
    return parser.parse_args()


@contextmanager
def big_project(args: argparse.Namespace) -> Iterator[tuple[Path, Path]]:
    """(database, a temporary folder): the project of this bench, built unless --keep names one."""
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "bench.db"
        if not db.exists():
            t0 = time.perf_counter()
            build(db, args.docs, getattr(args, "coders", 3))
            print(f"built {args.docs} documents x {getattr(args, 'coders', 3)} coders x 4 targets in "
                  f"{time.perf_counter() - t0:.0f} s ({db.stat().st_size / 1e6:.0f} MB)")
        yield db, Path(tmp)


def main() -> None:
    args = project_arguments(__doc__)
    print(f"start: {load_average()}")
    with big_project(args) as (db, folder):
        agree(db)  # warm the page cache and the imports alike
        took = alternate({"raw": lambda: raw(db), "agree": lambda: agree(db)}, args.rounds,
                         lambda r, took: print(f"round {r + 1}: raw {took['raw'][-1]:.2f} s, "
                                               f"agree {took['agree'][-1]:.2f} s"))
        floor, whole = statistics.median(took["raw"]), statistics.median(took["agree"])
        print(f"medians: raw sqlite3 read {floor:.2f} s; annotator agree --json {whole:.2f} s "
              f"({whole / floor:.1f} x raw)   target: whole report < {TARGET_SECONDS:.0f} s: "
              f"{'met' if whole < TARGET_SECONDS else 'NOT met'}")
        cold_start(folder)
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
