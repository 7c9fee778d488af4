"""Coding screen latency on a large project: key press to updated screen, and start to first paint.

    python bench/tui_bench.py [--docs 100000] [--presses 200] [--held 4] [--rounds 3]

Builds a project of N documents (the 24 Wikinews articles repeated with new ids). The 24 articles
are suggested with the real spaCy pipeline; every copy gets its article's suggestions (the same
text up to a final line), so each document opened has ~50 suggested entities and 4 stances.
Then, in one process with Textual's headless driver, starting half-way through the queue:
  next document  `n`: leave, query the queue, load text, suggestions and annotation, wrap, paint;
  token frame    the same `n` until its second frame: spaCy's tokens for the document arrive from a
                 worker and the screen repaints with them (what a coder sees settle);
  accept         `a`: store the annotation and an event in one transaction, repaint;
  cursor move    `right`: move one token, repaint the lines it touched;
  held key       `right` held down: keys arrive from another thread at --rate a second (as a
                 terminal's input thread delivers them), whether or not the last one was painted;
                 each key is timed to the first frame showing it.
Each press is timed from the key event reaching the app to the frame written to the terminal
(Textual batches repaints, so this includes waiting for its next refresh tick); p50 and p95 are
printed against the targets (next document and its token frame <= 16 ms, cursor <= 8 ms).
Start to first paint is timed in-process (app built and mounted, first document painted) and as a
person sees it: `annotator code` started in an 80x24 tmux terminal until its first frame shows (the
opening screen, drawn before the database layer loads), beside a bare Textual app (one Static)
started in tmux the same way in the same run, the two alternated; target: ours <= 1.2 x the bare
app's. The time until the first document shows is printed beside it.
Every figure is taken once a round, over --rounds rounds (the start-ups alternate, their order
swapped every time); each round is printed, then the medians and the load average at start and end.
A small --docs (e.g. 300) gives a quick check; --presses is capped to the documents after the middle.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average, make_corpus, rotated  # noqa: E402

TARGETS = {"next document": 0.016, "token frame": 0.016, "cursor move": 0.008, "held key": 0.008}  # p95, s
START_TARGET = 1.0  # seconds, start to first paint in-process
BARE_RATIO_TARGET = 1.2  # start to first paint in tmux, ours / the bare app's
KEYS = ("next document", "token frame", "accept", "cursor move", "held key")
BARE_APP = """
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("bare app ready")


Bare().run()
"""


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


async def measure(db: Path, presses: int, size: tuple[int, int], held: int, rate: float) -> dict[str, list[float]]:
    try:
        from annotator.tui import load_textual
    except ImportError:  # the code before it set the frame rate when annotator.tui was imported
        import annotator.tui  # noqa: F401
    else:
        load_textual()  # first: Textual at the frame rate `annotator code` runs it at
    from annotator.tui.app import CodingApp
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project
    from textual import events

    started = time.perf_counter()
    app = CodingApp(CodingSession(open_project(str(db)), f"bench-{time.time_ns()}"))  # a new coder: nothing coded yet
    results: dict[str, list[float]] = {"start": [], **{key: [] for key in KEYS}}
    frames: list[float] = []  # when each frame was written, and the cursor it showed
    cursors: list[int | None] = []
    frame = asyncio.Event()
    display = app._display

    def frame_written(screen, renderable) -> None:  # the update the terminal would receive
        display(screen, renderable)
        if renderable is not None:
            frames.append(time.perf_counter())
            article = getattr(app.screen, "article", None)
            cursors.append(article.cursor if article is not None else None)
            frame.set()

    async def first_frame(after: float, showing=lambda cursor: True) -> float:
        """The time of the first frame written after `after` (and showing a cursor that passes)."""
        i = bisect.bisect_right(frames, after)
        while True:
            frame.clear()
            for j in range(i, len(frames)):
                if showing(cursors[j]):
                    return frames[j]
            i = len(frames)
            await asyncio.wait_for(frame.wait(), 5)

    app._display = frame_written
    async with app.run_test(size=size) as pilot:
        await first_frame(0)
        results["start"].append(time.perf_counter() - started)  # construction to the first frame
        screen = app.screen
        while not screen.tokenizer_ready:  # spaCy's tokenizer loads once, in a worker
            await asyncio.sleep(0.01)
        await app.workers.wait_for_complete()
        for timer in screen._timers:  # the header's clock would paint frames of its own
            timer.pause()
        tokens_set: list[float] = []  # when spaCy's tokens reached the article view
        tokens_arrived = asyncio.Event()
        set_tokens = screen.article.set_tokens

        def set_tokens_timed(tokens) -> None:
            set_tokens(tokens)
            tokens_set.append(time.perf_counter())
            tokens_arrived.set()

        screen.article.set_tokens = set_tokens_timed
        tokenizing: list[float] = []  # when a document opened with the quick tokenizer's bounds only
        tokenize = screen._tokenize

        def tokenize_noted(pk, text):
            tokenizing.append(time.perf_counter())
            return tokenize(pk, text)

        screen._tokenize = tokenize_noted
        total = screen.total
        presses = min(presses, total - total // 2 - 1)  # a small project has fewer documents ahead
        if hasattr(screen, "controller"):  # the screen as a view over its controller
            screen.show(screen.controller.open(total // 2))
        else:  # the code before it, for a run alternated with it (bench/tui_before_after.py)
            screen.open_document(total // 2)
        await pilot.pause()

        async def press(key: str, char: str | None) -> float:
            """Send a key once the app is idle; returns when it was sent."""
            await pilot.pause()
            t0 = time.perf_counter()
            app._driver.send_message(events.Key(key, char))
            return t0

        async def timed(key: str, char: str | None) -> float:
            """From the key reaching the app to the next frame written out."""
            t0 = await press(key, char)
            return await first_frame(t0) - t0

        for _ in range(presses):
            t0 = await press("n", "n")
            first = await first_frame(t0) - t0
            results["next document"].append(first)
            await pilot.pause()
            if tokenizing and tokenizing[-1] >= t0:  # spaCy's tokens follow: a second frame
                while not tokens_set or tokens_set[-1] < t0:
                    tokens_arrived.clear()
                    await asyncio.wait_for(tokens_arrived.wait(), 5)
                results["token frame"].append(await first_frame(tokens_set[-1]) - t0)
            else:  # opened with spaCy's tokens already (fetched ahead): the first frame was the last
                results["token frame"].append(first)
            results["accept"].append(await timed("a", "a"))  # the cursor starts on the first suggestion
            for _ in range(3):
                results["cursor move"].append(await timed("right", None))
        await pilot.pause()
        assert screen.doc.pk == total // 2 + presses, screen.doc.pk

        await app.workers.wait_for_complete()
        await pilot.pause()
        origin = screen.article.cursor
        count = min(held, len(screen.article.starts) - origin - 1)
        sent: list[float] = []

        def hold_right() -> None:  # a terminal's input thread: keys arrive on time, painted or not
            t0 = time.perf_counter()
            for i in range(count):
                time.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
                sent.append(time.perf_counter())
                app._driver.send_message(events.Key("right", None))

        feeder = threading.Thread(target=hold_right)
        feeder.start()
        while feeder.is_alive():
            await asyncio.sleep(0.05)
        for i, t in enumerate(sent, 1):  # key i shows in the first frame with the cursor i tokens on
            shown = await first_frame(t, lambda cursor, i=i: cursor is not None and cursor >= origin + i)
            results["held key"].append(shown - t)
        assert screen.article.cursor == origin + count, (screen.article.cursor, origin, count)
    return results


async def measure_bare_repaint(size: tuple[int, int], presses: int, lines: int | None = None) -> list[float]:
    """The floor under `n`: a bare Textual app laid out like the coding screen (a header line, an
    article at 70% and a panel at 30% with a left border, a key bar), whose every line is a prebuilt
    Strip, repainting all of them at a key press: what Textual alone costs to redraw the screen.
    With `lines`, only that many lines of the article repaint (the floor under a cursor move: 2)."""
    from textual import events
    from rich.segment import Segment
    from textual.app import App
    from textual.geometry import Region
    from textual.containers import Horizontal
    from textual.strip import Strip
    from textual.widget import Widget

    class Lines(Widget):
        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            self.page = 0

        def render_line(self, y: int) -> Strip:
            return Strip.blank(0) if y < 0 else self._strips[(y + self.page) % len(self._strips)]

        def on_mount(self) -> None:
            words = ["Donald", "Trump's", "call", "to", "Vladimir", "Putin", "has", "marked", "a", "shift", "in", "US", "policy", "on", "Ukraine"]
            self._strips = [Strip([Segment(" ".join(words[(i + j) % len(words)] for j in range(12)))])
                            for i in range(64)]

    class Bare(App):
        CSS = """
        #top, #keys { height: 1; } #body { height: 1fr; } #article { width: 70%; padding: 0 1; }
        #panel { width: 30%; border-left: solid $primary-darken-2; padding: 0 1; }
        """

        def compose(self):
            yield Lines(id="top")
            with Horizontal(id="body"):
                yield Lines(id="article")
                yield Lines(id="panel")
            yield Lines(id="keys")

        def on_key(self, event) -> None:
            if lines is not None:
                article = self.query_one("#article", Lines)
                article.page += 1
                for y in range(lines):
                    article.refresh(Region(0, y, article.size.width, 1))
                return
            for widget in self.query(Lines):
                widget.page += 1
                widget.refresh()

    app = Bare()
    frames: list[float] = []
    frame = asyncio.Event()
    display = app._display

    def frame_written(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None:
            frames.append(time.perf_counter())
            frame.set()

    app._display = frame_written
    took = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for _ in range(presses):
            await pilot.pause()
            frame.clear()
            t0 = time.perf_counter()
            app._driver.send_message(events.Key("n", "n"))
            await asyncio.wait_for(frame.wait(), 5)
            took.append(frames[-1] - t0)
    return took


def tmux_paints(command: str, *painted) -> list[float | None]:
    """Seconds from starting `command` in a new 80x24 tmux session until each `painted(screen text)`
    first holds; None for any that takes over 30 s."""
    session = f"annotator-bench-{os.getpid()}"
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    seen: list[float | None] = [None] * len(painted)
    t0 = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)
    try:
        while time.perf_counter() - t0 < 30 and None in seen:
            shown = subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout
            for i, holds in enumerate(painted):
                if seen[i] is None and holds(shown):
                    seen[i] = time.perf_counter() - t0
            time.sleep(0.01)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return seen


def _code_path() -> str:
    """The code under test in tmux too: a run alternated with another checkout sets PYTHONPATH."""
    return f"env PYTHONPATH={os.environ['PYTHONPATH']} " if os.environ.get("PYTHONPATH") else ""


def start_ups(db: Path, bare_app: Path, r: int, pairs: int) -> dict[str, list[float]]:
    """`annotator code` and the bare app, started alternately in tmux, the order swapped every pair.
    For annotator: its first frame (the opening screen, or the document if it came first) and the
    first document shown."""
    document = lambda shown: " of " in shown and "done today" in shown and "Entities" in shown  # noqa: E731
    commands = {"bare app": (f"{sys.executable} {bare_app}", lambda shown: "bare app ready" in shown),
                "annotator": (f"{_code_path()}{Path(sys.executable).with_name('annotator')} code --coder bench2 --db {db}",
                              lambda shown: "annotator" in shown, document)}
    took: dict[str, list[float]] = {"bare app": [], "annotator": [], "document": []}
    for i in range(pairs):
        for subject in rotated(tuple(commands), r * pairs + i):
            seconds = tmux_paints(*commands[subject])
            for name, value in zip((subject, "document"), seconds):
                if value is not None:
                    took[name].append(value)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--held", type=float, default=4.0, help="seconds the cursor key is held, each size and round")
    parser.add_argument("--rate", type=float, default=30.0, help="keys a second while a key is held")
    parser.add_argument("--starts", type=int, default=3, help="start-ups of each app in tmux a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="80x24,120x40", help="terminal sizes to measure, WxH,...")
    parser.add_argument("--keep", type=Path, help="build the project here (or reuse it) instead of a temp folder")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.size.split(",")]
    tmux = shutil.which("tmux") is not None
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "big.db"
        if not db.exists():
            t0 = time.perf_counter()
            build_project(db, args.docs)
            print(f"built a project of {args.docs} documents in {time.perf_counter() - t0:.0f} s "
                  f"({db.stat().st_size / 1e6:.0f} MB)")
        bare_app = Path(tmp) / "bare_app.py"
        bare_app.write_text(BARE_APP)
        p50s = {(size, key): [] for size in sizes for key in KEYS}
        p95s = {(size, key): [] for size in sizes for key in KEYS}
        starts: dict[str, list[float]] = {"in-process": [], "bare app": [], "annotator": [], "document": []}
        bare_p50s = {size: [] for size in sizes}
        bare_p95s = {size: [] for size in sizes}
        line_p50s = {size: [] for size in sizes}
        line_p95s = {size: [] for size in sizes}
        for r in range(args.rounds):
            print(f"round {r + 1}:")
            for size in sizes:
                bare = asyncio.run(measure_bare_repaint(size, args.presses))  # the baseline first, then ours
                p50, p95 = percentiles(bare)
                bare_p50s[size].append(p50)
                bare_p95s[size].append(p95)
                two = asyncio.run(measure_bare_repaint(size, args.presses, lines=2))
                l50, l95 = percentiles(two)
                line_p50s[size].append(l50)
                line_p95s[size].append(l95)
                print(f"  {size[0]}x{size[1]} bare Textual repaint p50/p95 ms: every line {p50 * 1000:.1f}/{p95 * 1000:.1f}, "
                      f"two lines {l50 * 1000:.1f}/{l95 * 1000:.1f}")
                results = asyncio.run(measure(db, args.presses, size, round(args.held * args.rate), args.rate))
                starts["in-process"].append(results["start"][0])
                cells = []
                for key in KEYS:
                    p50, p95 = percentiles(results[key])
                    p50s[size, key].append(p50)
                    p95s[size, key].append(p95)
                    cells.append(f"{key} {p50 * 1000:.1f}/{p95 * 1000:.1f}")
                print(f"  {size[0]}x{size[1]} p50/p95 ms (n={len(results['next document'])}, "
                      f"held n={len(results['held key'])}): {'; '.join(cells)}; "
                      f"in-process start {results['start'][0]:.2f} s")
            if tmux:
                took = start_ups(db, bare_app, r, args.starts)
                for subject, seconds in took.items():
                    starts[subject] += seconds
                print("  tmux first paint: " + "; ".join(
                    f"{subject} {' '.join(f'{s:.2f}' for s in seconds) or 'none within 30 s'} s"
                    for subject, seconds in took.items()))
            print(f"  {load_average()}")

        print(f"medians over {args.rounds} rounds:")
        for size in sizes:
            floor50, floor95 = statistics.median(bare_p50s[size]), statistics.median(bare_p95s[size])
            print(f"  {f'{size[0]}x{size[1]}':7} {'bare repaint':14} p50 {floor50 * 1000:6.1f} ms   p95 {floor95 * 1000:6.1f} ms"
                  f"   (a bare Textual app redrawing a screen laid out like ours: the floor under `n`)")
            print(f"  {f'{size[0]}x{size[1]}':7} {'bare 2 lines':14} p50 {statistics.median(line_p50s[size]) * 1000:6.1f} ms"
                  f"   p95 {statistics.median(line_p95s[size]) * 1000:6.1f} ms   (the same app repainting two lines: the floor under a cursor move)")
            for key in KEYS:
                p50, p95 = statistics.median(p50s[size, key]), statistics.median(p95s[size, key])
                target = (f"target p95 <= {TARGETS[key] * 1000:.0f} ms: {within(p95, TARGETS[key])}"
                          if key in TARGETS else "(no target)")
                print(f"  {f'{size[0]}x{size[1]}':7} {key:14} p50 {p50 * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   {target}")
        inproc = statistics.median(starts["in-process"])
        print(f"  start to first paint, in-process: {inproc:.2f} s   target <= {START_TARGET:.1f} s: "
              f"{within(inproc, START_TARGET)} (app built, database opened, first document painted; no imports)")
        if not tmux:
            print("  tmux not found: start-up as a person sees it was not measured")
        elif starts["annotator"] and starts["bare app"]:
            seen, floor = statistics.median(starts["annotator"]), statistics.median(starts["bare app"])
            print(f"  start to first paint in tmux: annotator {seen:.2f} s, bare Textual app {floor:.2f} s "
                  f"({len(starts['annotator'])} and {len(starts['bare app'])} runs); ratio of medians "
                  f"{seen / floor:.2f}   target <= {BARE_RATIO_TARGET}: {within(seen / floor, BARE_RATIO_TARGET)}")
            if starts["document"]:
                shown = statistics.median(starts["document"])
                print(f"  start to the first document shown in tmux: {shown:.2f} s, {shown / floor:.2f} x the bare "
                      f"app's first paint (no target: the database layer's imports come after the first frame)")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
