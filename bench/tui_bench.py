"""Coding screen latency on a large project: key press to updated screen, and start to first paint.

    python bench/tui_bench.py [--docs 100000] [--presses 200] [--rounds 3]

Builds a project of N documents (the 24 Wikinews articles repeated with new ids). The 24 articles
are suggested with the real spaCy pipeline; every copy gets its article's suggestions (the same
text up to a final line), so each document opened has ~50 suggested entities and 4 stances.
Then, in one process with Textual's headless driver, starting half-way through the queue:
  next document  `n`: leave, query the queue, load text, suggestions and annotation, wrap, paint;
  accept         `a`: store the annotation and an event in one transaction, repaint;
  cursor move    `right`: move one token, repaint the lines it touched.
Each press is timed from the key event reaching the app to the next frame written to the terminal
(Textual batches repaints, so this includes waiting for its next refresh tick); p50 and p95 are
printed against the targets (next <= 50 ms, cursor <= 16 ms). Start to first paint is timed twice:
in-process (app built and mounted, first document painted) and as a person sees it: `annotator
code` started in an 80x24 tmux terminal until its header shows (Python start-up and imports included),
against its baseline, a Python process that only imports SQLModel and Textual.
Every figure is taken once a round, over --rounds rounds (the two start-ups alternate, their order
swapped every round); each round is printed, then the medians and the load average at start and end.
A small --docs (e.g. 300) gives a quick check; --presses is capped to the documents after the middle.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average, make_corpus, rotated  # noqa: E402

TARGETS = {"next document": 0.050, "cursor move": 0.016}  # p95, seconds
START_TARGET = 1.0  # seconds, start to first paint


def build_project(db: Path, docs: int) -> None:
    from sqlalchemy import text

    from annotator.resources import bundled
    from annotator.services.importer import import_paths
    from annotator.services.project import init_project, open_project
    from annotator.services.suggest import suggest

    init_project(str(db))
    engine = open_project(str(db))
    import_paths(engine, [bundled("seeds") / "wikinews.jsonl"])  # the 24 originals: pk 1..24
    suggest(engine)
    corpus = db.parent / "corpus.jsonl"
    make_corpus(corpus, docs - 24)
    import_paths(engine, [corpus])
    with engine.begin() as conn:
        # Copy i of article k has pk 25 + i and the same text as pk (i % 24) + 1 but for its last line.
        conn.execute(text(
            "INSERT INTO suggestion (document_pk, model, version, spans, stances, created_at) "
            "SELECT d.pk, s.model, s.version, s.spans, s.stances, s.created_at FROM document d "
            "JOIN suggestion s ON s.document_pk = ((d.pk - 25) % 24) + 1 WHERE d.pk > 24"))
    engine.dispose()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def within(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


async def measure(db: Path, presses: int, size: tuple[int, int]) -> dict[str, list[float]]:
    from annotator.tui.app import CodingApp  # first: it sets Textual's frame rate before Textual loads
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project
    from textual import events

    started = time.perf_counter()
    app = CodingApp(CodingSession(open_project(str(db)), f"bench-{time.time_ns()}"))  # a new coder: nothing coded yet
    results: dict[str, list[float]] = {"start": [], "next document": [], "accept": [], "cursor move": []}
    frame = asyncio.Event()
    display = app._display

    def frame_written(screen, renderable) -> None:  # the update the terminal would receive
        display(screen, renderable)
        if renderable is not None:
            frame.set()

    app._display = frame_written
    async with app.run_test(size=size) as pilot:
        await asyncio.wait_for(frame.wait(), 30)
        results["start"].append(time.perf_counter() - started)  # construction to the first frame
        await app.workers.wait_for_complete()
        screen = app.screen
        for timer in screen._timers:  # the header's clock would paint frames of its own
            timer.pause()
        total = screen.total
        presses = min(presses, total - total // 2 - 1)  # a small project has fewer documents ahead
        screen.open_document(total // 2)
        await pilot.pause()

        async def timed(key: str, char: str | None) -> float:
            """From the key reaching the app to the next frame written out."""
            await pilot.pause()
            frame.clear()
            t0 = time.perf_counter()
            app._driver.send_message(events.Key(key, char))
            await asyncio.wait_for(frame.wait(), 5)
            return time.perf_counter() - t0

        for _ in range(presses):
            results["next document"].append(await timed("n", "n"))
            results["accept"].append(await timed("a", "a"))  # the cursor starts on the first suggestion
            for _ in range(3):
                results["cursor move"].append(await timed("right", None))
        await pilot.pause()
        assert screen.doc.pk == total // 2 + presses, screen.doc.pk
    return results


def tmux_start(db: Path) -> float | None:
    if shutil.which("tmux") is None:
        return None
    annotator = Path(sys.executable).with_name("annotator")
    session = "annotator-bench"
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    t0 = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
                    f"{annotator} code --coder bench2 --db {db}"], check=True)
    try:
        while time.perf_counter() - t0 < 30:
            shown = subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout
            if " of " in shown and "done today" in shown and "Entities" in shown:
                return time.perf_counter() - t0
            time.sleep(0.01)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return None


def bare_imports() -> float:
    """Seconds for a Python process that only imports the two frameworks the screen stands on."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sqlmodel, textual.app"], check=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="80x24,120x40", help="terminal sizes to measure, WxH,...")
    parser.add_argument("--keep", type=Path, help="build the project here (or reuse it) instead of a temp folder")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.size.split(",")]
    keys = ("next document", "accept", "cursor move")
    tmux = shutil.which("tmux") is not None
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "big.db"
        if not db.exists():
            t0 = time.perf_counter()
            build_project(db, args.docs)
            print(f"built a project of {args.docs} documents in {time.perf_counter() - t0:.0f} s "
                  f"({db.stat().st_size / 1e6:.0f} MB)")
        p50s = {(size, key): [] for size in sizes for key in keys}
        p95s = {(size, key): [] for size in sizes for key in keys}
        starts: dict[str, list[float]] = {"in-process": [], "baseline": [], "tmux": []}
        for r in range(args.rounds):
            print(f"round {r + 1}:")
            for size in sizes:
                results = asyncio.run(measure(db, args.presses, size))
                starts["in-process"].append(results["start"][0])
                cells = []
                for key in keys:
                    p50, p95 = percentiles(results[key])
                    p50s[size, key].append(p50)
                    p95s[size, key].append(p95)
                    cells.append(f"{key} {p50 * 1000:.1f}/{p95 * 1000:.1f}")
                print(f"  {size[0]}x{size[1]} p50/p95 ms (n={len(results['next document'])} each): "
                      f"{'; '.join(cells)}; in-process start {results['start'][0]:.2f} s")
            if tmux:
                took = {}
                for subject in rotated(("baseline", "tmux"), r):
                    took[subject] = bare_imports() if subject == "baseline" else tmux_start(db)
                    if took[subject] is not None:  # None: the screen did not show within 30 s
                        starts[subject].append(took[subject])
                shown = "none within 30 s" if took["tmux"] is None else f"{took['tmux']:.2f} s"
                print(f"  start-up: bare imports {took['baseline']:.2f} s, tmux first paint {shown}")
            print(f"  {load_average()}")

        print(f"medians over {args.rounds} rounds:")
        for size in sizes:
            for key in keys:
                p50, p95 = statistics.median(p50s[size, key]), statistics.median(p95s[size, key])
                target = (f"target p95 <= {TARGETS[key] * 1000:.0f} ms: {within(p95, TARGETS[key])}"
                          if key in TARGETS else "(no target)")
                print(f"  {f'{size[0]}x{size[1]}':7} {key:14} p50 {p50 * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   {target}")
        inproc = statistics.median(starts["in-process"])
        print(f"  start to first paint, in-process: {inproc:.2f} s   target <= {START_TARGET:.1f} s: "
              f"{within(inproc, START_TARGET)} (app built, database opened, first document painted; no imports)")
        if not tmux:
            print("  tmux not found: start-up as a person sees it was not measured")
        elif starts["tmux"]:
            seen, floor = statistics.median(starts["tmux"]), statistics.median(starts["baseline"])
            print(f"  start to first paint, tmux:      {seen:.2f} s   target <= {START_TARGET:.1f} s: "
                  f"{within(seen, START_TARGET)} ({len(starts['tmux'])} runs)")
            print(f"  baseline, python -c 'import sqlmodel, textual.app': {floor:.2f} s   "
                  f"ratio of medians tmux/baseline {seen / floor:.2f}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
