"""Accept all (`A`) and its undo on one document with many suggestions, in the coding screen.

    python bench/accept_all_bench.py [--suggestions 11000] [--rounds 3] [--keep PATH]

Builds (or reuses, with --keep) a project through the command line: one document, the 24 Wikinews
articles concatenated as often as it takes, imported with `annotator import`; then N suggested
entity spans on its words (stored as a model's suggestions are, the way bench/tui_bench.py gives
its copies their suggestions; spaCy's own pipeline stops at a million characters, and 274k
suggestions need three). Then, alternating over --rounds rounds, the order swapped each round:
  read       the baseline: CodingSession.load of the document, its suggestions and the annotation
             (what opening it reads), in this process;
  accept     `A` in the screen (Textual's headless driver, 80x24) on a fresh copy of the project,
             timed from the key until every span is stored and shown;
  undo       then `ctrl+z` until every span is gone from the database and the screen.
Beside accept and undo, the worst stall of the screen's event loop while they ran (a 5 ms probe
timer: how late it woke), which is what a coder pressing keys meanwhile would wait.
Prints each round, the medians, accept against read, the target (11k: under 2 s; 274k: well under
a minute) and the load average. Copying the project before a round is not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from import_bench import WIKINEWS, load_average, rotated  # noqa: E402

LABELS = ("PERSON", "ORG", "GPE")


def build(db: Path, count: int) -> int:
    """The project: one long document through `annotator import`, `count` suggested spans on its words."""
    from annotator.domain.suggestions import SuggestedSpan, Suggestion
    from annotator.services.project import open_project
    from annotator.store import documents, suggestions

    articles = "\n\n".join(json.loads(line)["text"] for line in WIKINEWS.read_text("utf-8").splitlines())
    copies = 1 + 2 * count // len(re.findall(r"\w+", articles))  # every other word suggested
    source = db.with_name("long.jsonl")
    source.write_text(json.dumps({"id": "long", "title": "Everything at once",
                                  "text": "\n\n".join([articles] * copies)}) + "\n", "utf-8")
    for args in (["init"], ["import", str(source)]):
        subprocess.run([sys.executable, "-m", "annotator", *args, "--db", str(db)], check=True, capture_output=True)
    engine = open_project(str(db))
    with engine.begin() as conn:
        document = documents.by_id(conn, "long")
        words = [m.span() for m in re.finditer(r"\w+", documents.get(conn, document.pk).text)][::2][:count]
        spans = tuple(SuggestedSpan(a, b, LABELS[i % 3]) for i, (a, b) in enumerate(words))
        suggestions.save(conn, [(document.pk, Suggestion("bench", "1", spans))], replace=True)
    engine.dispose()
    return document.pk


def fresh_copy(source: Path, to: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{to}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as a, sqlite3.connect(to) as b:
        a.backup(b)
    return to


def read(db: Path, pk: int) -> float:
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project

    session = CodingSession(open_project(str(db)), "bench", clock=lambda: 0.0)
    started = time.perf_counter()
    doc = session.load(pk)
    took = time.perf_counter() - started
    assert doc.suggestion is not None and len(doc.suggestion.spans) > 0
    session.close()
    return took


async def _stall_probe(stop: asyncio.Event, worst: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.005)
        worst[0] = max(worst[0], time.perf_counter() - started - 0.005)


async def _until(condition, key: str, pilot) -> tuple[float, float]:
    """Seconds from `key` until `condition()` holds, and the event loop's worst stall meanwhile."""
    stop, worst = asyncio.Event(), [0.0]
    probe = asyncio.create_task(_stall_probe(stop, worst))
    started = time.perf_counter()
    await pilot.press(key)
    while not condition():
        await asyncio.sleep(0.002)
    took = time.perf_counter() - started
    stop.set()
    await probe
    return took, worst[0]


async def _accept_and_undo(db: Path, count: int) -> tuple[float, float, float, float]:
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project
    from annotator.store import annotations
    from annotator.tui.app import CodingApp

    session = CodingSession(open_project(str(db)), "bench", clock=lambda: 0.0)

    def stored() -> int:
        with session.engine.connect() as conn:
            found = annotations.of_coder(conn, screen.doc.pk, session.coder_pk)
        return len(found.spans) if found else 0

    app = CodingApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        while True:  # settled: spaCy's tokens for the text shown (a worker the tokenizer's starts), the next read
            await app.workers.wait_for_complete()
            await pilot.pause()
            if not any(w.is_running for w in app.workers):
                break
        screen = app.screen
        accept, accept_stall = await _until(lambda: screen._storing is None and screen.entities.coded == count,
                                            "A", pilot)
        assert stored() == count
        undo, undo_stall = await _until(lambda: screen._storing is None and screen.entities.coded == 0,
                                        "ctrl+z", pilot)
        assert stored() == 0
    return accept, accept_stall, undo, undo_stall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suggestions", type=int, default=11_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Build the project here once, and reuse it")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="accept-bench-"))
    built = args.keep or folder / "project.db"
    print(load_average())
    if not built.exists():
        started = time.perf_counter()
        build(built, args.suggestions)
        print(f"built {built} in {time.perf_counter() - started:.1f} s")
    from annotator.services.project import open_project
    from annotator.store import suggestions as stored_suggestions

    engine = open_project(str(built))
    with engine.connect() as conn:
        pk = 1
        count = len(stored_suggestions.shown(conn, pk).spans)
    engine.dispose()
    print(f"{count:,} suggestions on one document")

    took: dict[str, list[float]] = {k: [] for k in ("read", "accept", "accept stall", "undo", "undo stall")}
    for r in range(args.rounds):
        for subject in rotated(("read", "accept"), r):
            if subject == "read":
                took["read"].append(read(built, pk))
            else:
                accept, accept_stall, undo, undo_stall = asyncio.run(
                    _accept_and_undo(fresh_copy(built, folder / "round.db"), count))
                took["accept"].append(accept)
                took["accept stall"].append(accept_stall)
                took["undo"].append(undo)
                took["undo stall"].append(undo_stall)
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1] * 1000:.0f} ms" for k, v in took.items()))
    median = {k: statistics.median(v) for k, v in took.items()}
    target = 2.0 if count <= 20_000 else 60.0
    print(f"medians: read {median['read'] * 1000:.0f} ms, accept {median['accept']:.2f} s "
          f"({median['accept'] / median['read']:.1f} x read; target under {target:.0f} s: "
          f"{'met' if median['accept'] < target else 'MISSED'}), worst stall {median['accept stall'] * 1000:.0f} ms; "
          f"undo {median['undo']:.2f} s, worst stall {median['undo stall'] * 1000:.0f} ms")
    print(load_average())
    shutil.rmtree(folder, ignore_errors=True)  # the rounds' copies (and the project, unless kept elsewhere)


if __name__ == "__main__":
    main()
