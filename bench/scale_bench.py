"""Costs that do not grow with the project: one million documents, any coder, any position.

    python bench/scale_bench.py [--docs 1000000] [--presses 40] [--rounds 3] [--starts 3] [--keep PATH]
                                [--db postgresql | --db postgresql://USER@HOST:PORT/DBNAME]
                                [--order sequential|random|uncertain]

Builds (or reuses, with --keep) a project of N short documents (sentences of the Wikinews corpus,
~400 characters, ids doc-0 ... doc-N-1), all blind (no suggestions, so `d` marks done at once and no
model loads), and says how long the build took. Three coders:
  new     nothing coded;
  early   the first 999 documents done: at position 1,000;
  deep    all but the last 1,001 done: at position N - 1,000.
A model version "bench 1" has suggestions for all but the last 1,000 documents (its progress mark
raised as `suggest` raises it). Then, over --rounds rounds, the coders in rotated order:
  first paint   CodingApp built to its first frame showing the coder's document (in-process),
                --starts times a round per coder, the coders' order rotated each time;
  d, n          key reaching the app to the next frame written (Textual's headless driver);
  find          the find query for each keystroke of "doc-<number>" (off the screen's thread in
                the app; here timed alone);
and once a round: `status` (project_status), suggest start-up (the unsuggested count and the first
page of documents for "bench 1", all `suggest` does before its model runs), and an import of 20,000
new documents into the big project against one into an empty project, alternated.
The coders work through the queue in --order (as `code --order`; the uncertain order of these
documents, none with a scored stance, is import order with every key tied). Prints p50/p95 per
coder and the targets: every key p95 <= 16 ms; first paint within 10% of the new
coder's; find <= 30 ms a keystroke; import rate into a million documents >= 0.5 x the empty
project's in the same run. With the load average.

SQLite by default: --keep names the project file. With --db, the same project on PostgreSQL (see
scale_server.py): a URL names a server and the database to build it in once; `postgresql` starts
a throwaway cluster as the tests do (--keep DIR keeps the cluster, and the built project, there).
The rounds code and import into a copy (a file copy, or CREATE DATABASE ... TEMPLATE): a kept
project stays as built.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average, rotated  # noqa: E402

if TYPE_CHECKING:
    from scale_server import ServerProjects

KEY_TARGET, FIND_TARGET, PAINT_RATIO, IMPORT_RATIO = 0.016, 0.030, 1.10, 0.5
WIKINEWS = ROOT / "seeds" / "wikinews.jsonl"


def sentences() -> list[str]:
    import re

    found = []
    for line in WIKINEWS.read_text("utf-8").splitlines():
        found += [" ".join(s.split()) for s in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]) if len(s) > 40]
    return found


def corpus(first: int, n: int, prefix: str = "doc") -> Iterator[dict[str, str]]:
    """Records `first` to `first + n - 1` of the bench's corpus, as its JSONL lines hold them."""
    pool = sentences()
    for i in range(first, first + n):
        text = " ".join(pool[(i * 7 + k * 13) % len(pool)] for k in range(3)) + f" (Item {prefix}-{i}.)"
        yield {"id": f"{prefix}-{i}", "title": f"Report {i}", "text": text}


def write_corpus(path: Path, records: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(record) + "\n" for record in records)


class SqliteProjects:
    """The project as a file: built in --keep (else a temporary file), copied for the rounds; the
    empty project of each round's import a new file."""

    def __init__(self, keep: Path | None, tmp: Path) -> None:
        self.built, self.tmp = keep or tmp / "scale.db", tmp
        self.building = self.built.with_name(self.built.name + ".building")  # named as built once whole

    def built_already(self) -> bool:
        return self.built.exists()

    def new(self) -> str:
        for end in ("", "-wal", "-shm"):  # a build cut short
            self.building.with_name(self.building.name + end).unlink(missing_ok=True)
        return str(self.building)

    def store_documents(self, engine: Engine, records: Iterator[dict[str, str]], docs: int) -> None:
        """Through the tool's own import, 100,000 a file; then every document blind."""
        from annotator.services.importer import import_paths

        chunk = 100_000
        for first in range(0, docs, chunk):
            write_corpus(self.tmp / "chunk.jsonl", itertools.islice(records, chunk))
            import_paths(engine, [self.tmp / "chunk.jsonl"])
            print(f"  imported {min(first + chunk, docs)} documents")
        with engine.begin() as conn:
            conn.execute(text("UPDATE document SET blind = 1"))

    def finish(self) -> None:
        self.building.rename(self.built)

    def size(self) -> float:
        return self.built.stat().st_size / 1e9

    def working_copy(self) -> str:
        work = self.tmp / "work.db"
        shutil.copyfile(self.built, work)
        return str(work)

    @contextmanager
    def empty(self) -> Iterator[str]:
        path = self.tmp / "empty.db"
        yield str(path)
        path.unlink()

    def close(self) -> None:
        pass


def stamp(conn: Connection, day: str) -> str:
    """A time as the SQL literal the database stores it from (PostgreSQL's with its zone)."""
    return f"'{day} 00:00:00{'+00' if conn.dialect.name == 'postgresql' else ''}'"


def build(projects: SqliteProjects | ServerProjects, docs: int) -> None:
    from annotator.services.coding import CodingSession
    from annotator.services.project import init_project, open_project
    from annotator.store import suggestions

    project = projects.new()
    init_project(project)
    engine = open_project(project)
    projects.store_documents(engine, corpus(0, docs), docs)
    with engine.begin() as conn:
        for name in ("new", "early", "deep"):
            conn.execute(text(f"INSERT INTO coder (name, role, created_at) VALUES (:name, 'coder', "
                              f"{stamp(conn, '2026-11-26')})"), {"name": name})
        coders = {name: pk for name, pk in conn.execute(text("SELECT name, pk FROM coder"))}
        for name, upto in (("early", 999), ("deep", docs - 1001)):
            conn.execute(text("INSERT INTO annotation (document_pk, coder_pk, status, seconds, suggestions_shown, "
                              f"created_at, updated_at) SELECT pk, :coder, 'done', 30, false, {stamp(conn, '2026-11-20')}, "
                              f"{stamp(conn, '2026-11-20')} FROM document WHERE seq <= :upto"),
                         {"coder": coders[name], "upto": upto})
            conn.execute(text("UPDATE coder SET last_document_pk = (SELECT pk FROM document WHERE seq = :at) "
                              "WHERE pk = :coder"), {"at": upto + 1, "coder": coders[name]})
        conn.execute(text("INSERT INTO suggestion (document_pk, model, version, spans, stances, created_at) "
                          f"SELECT pk, 'bench', '1', '[]', '[]', {stamp(conn, '2026-11-20')} FROM document "
                          "WHERE seq <= :upto"), {"upto": docs - 1000})
    with engine.begin() as conn:
        suggestions.raise_progress(conn, "bench", "1")  # as `suggest` raises it batch by batch
    for name in ("early", "deep"):  # as coding them would have raised their finished-through marks
        CodingSession(engine, name).first_unfinished()
    engine.dispose()
    projects.finish()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def coder_round(db: str, coder: str, presses: int, order: str = "sequential") -> dict[str, list[float]]:
    from annotator.tui.app import CodingApp  # first: it sets Textual's frame rate before Textual loads
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project
    from textual import events

    started = time.perf_counter()
    session = CodingSession(open_project(db), coder, order=order)
    app = CodingApp(session)
    frames: list[float] = []
    frame = asyncio.Event()
    display = app._display

    def frame_written(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None and getattr(app.screen, "doc", None) is not None:
            frames.append(time.perf_counter())
            frame.set()

    async def first_frame(after: float) -> float:
        i = bisect.bisect_right(frames, after)
        while i >= len(frames):
            frame.clear()
            await asyncio.wait_for(frame.wait(), 10)
        return frames[i]

    app._display = frame_written
    out: dict[str, list[float]] = {"first paint": [], "d": [], "n": [], "find": []}
    async with app.run_test(size=(80, 24)) as pilot:
        out["first paint"].append(await first_frame(0) - started)
        screen = app.screen
        await app.workers.wait_for_complete()
        for timer in screen._timers:  # the header's clock would paint frames of its own
            timer.pause()
        for key in ("d", "n") * presses:
            await pilot.pause()
            t0 = time.perf_counter()
            app._driver.send_message(events.Key(key, key))
            out[key].append(await first_frame(t0) - t0)
    typed = f"doc-{len(frames) * 7919 % 100000}"
    for i in range(1, len(typed) + 1):
        t0 = time.perf_counter()
        session.find(typed[:i])
        out["find"].append(time.perf_counter() - t0)
    session.engine.dispose()  # (a server's connections with it)
    return out


def once_a_round(db: str, projects: SqliteProjects | ServerProjects, tmp: Path, r: int) -> dict[str, float]:
    from annotator.services.importer import import_paths
    from annotator.services.inspect import project_status
    from annotator.services.project import init_project, open_project
    from annotator.store import suggestions

    engine = open_project(db)
    took = {}
    t0 = time.perf_counter()
    project_status(engine)
    took["status"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.connect() as conn:
        suggestions.count_unsuggested(conn, "bench", "1")
        suggestions.texts_page(conn, 0, 256, ("bench", "1"))
    took["suggest start-up"] = time.perf_counter() - t0
    corpus_file = tmp / f"new-{r}.jsonl"
    write_corpus(corpus_file, corpus(0, 20_000, prefix=f"round{r}"))
    with projects.empty() as empty:
        init_project(empty)
        targets = {"import into the big project": engine, "import into an empty project": open_project(empty)}
        for name in rotated(tuple(targets), r):
            t0 = time.perf_counter()
            import_paths(targets[name], [corpus_file])
            took[name] = time.perf_counter() - t0
        with engine.begin() as conn:  # blind as the built ones: the random order puts them in the coders' way
            conn.execute(text("UPDATE document SET blind = true WHERE id > :prefix AND id < :after"),
                         {"prefix": f"round{r}-", "after": f"round{r}."})  # ('.' sorts right after '-')
        for e in targets.values():
            e.dispose()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--starts", type=int, default=3, help="screen starts per coder and round (first paint)")
    parser.add_argument("--keep", type=Path, help="database to build once and reuse (with --db postgresql: the "
                        "cluster's folder)")
    parser.add_argument("--order", default="sequential", choices=("sequential", "random", "uncertain"),
                        help="the queue's order the coders work in")
    parser.add_argument("--db", help="postgresql (a throwaway cluster, as the tests start one) or "
                        "postgresql://USER@HOST:PORT/DBNAME (a server of your own); SQLite without it")
    args = parser.parse_args()
    if args.db and not args.db.startswith("postgresql"):
        parser.error(f"--db {args.db}: give postgresql or postgresql://USER@HOST:PORT/DBNAME (SQLite: leave --db out)")
    if args.db and args.keep and args.db != "postgresql":
        parser.error("--keep with a server URL: the URL's database is the one kept")
    print(f"start: {load_average()}; the queue in {args.order} order")
    with tempfile.TemporaryDirectory() as tmp_name, projects_for(args, Path(tmp_name)) as projects:
        measure(args, projects, Path(tmp_name))
    print(f"end:   {load_average()}")


@contextmanager
def projects_for(args: argparse.Namespace, tmp: Path) -> Iterator[SqliteProjects | ServerProjects]:
    if not args.db:
        yield SqliteProjects(args.keep, tmp)
        return
    from scale_server import ServerProjects, server

    with server(args.db, args.keep) as (found, name):
        projects = ServerProjects(found, name)
        try:
            yield projects
        finally:
            projects.close()


def measure(args: argparse.Namespace, projects: SqliteProjects | ServerProjects, tmp: Path) -> None:
    """Build (unless kept), then the rounds, then the medians against their targets."""
    if not projects.built_already():
        t0 = time.perf_counter()
        build(projects, args.docs)
        print(f"built {args.docs} documents, 3 coders and a model's suggestions in {time.perf_counter() - t0:.0f} s "
              f"({projects.size():.1f} GB)")
    work = projects.working_copy()  # the rounds code and import into a copy: a kept project stays as built
    coders = ("new", "early", "deep")
    per: dict[str, dict[str, list[float]]] = {c: {} for c in coders}
    once: dict[str, list[float]] = {}

    async def coding_round(r: int) -> dict[str, dict[str, list[float]]]:
        this: dict[str, dict[str, list[float]]] = {c: {} for c in coders}
        for start in range(args.starts):  # first paint is one sample a start: several, alternating coders
            for coder in rotated(coders, r + start):
                for key, values in (await coder_round(work, coder, args.presses if start == 0 else 0,
                                                      args.order)).items():
                    this[coder].setdefault(key, []).extend(values)
        return this

    asyncio.run(coder_round(work, "warm-up", 2))  # imports, spaCy's tokenizer and the page cache
    for r in range(args.rounds):
        this = asyncio.run(coding_round(r))
        took = once_a_round(work, projects, tmp, r)
        for coder, figures in this.items():
            for key, values in figures.items():
                per[coder].setdefault(key, []).extend(values)
        for key, value in took.items():
            once.setdefault(key, []).append(value)
        print(f"round {r + 1}: " + "; ".join(
            f"{coder} paint {statistics.median(f['first paint']) * 1000:.0f}, "
            + ", ".join(f"{k} p95 {percentiles(f[k])[1] * 1000:.1f}" for k in ("d", "n", "find")) for coder, f in this.items())
            + f" ms; status {took['status'] * 1000:.0f} ms, suggest start-up {took['suggest start-up'] * 1000:.0f} ms, "
            f"import {took['import into an empty project'] / took['import into the big project']:.2f} x the empty "
            f"project's rate; {load_average()}")
    report(per, once)


def report(per: dict[str, dict[str, list[float]]], once: dict[str, list[float]]) -> None:
    paint_new = statistics.median(per["new"]["first paint"])
    for coder, figures in per.items():
        paint = statistics.median(figures["first paint"])
        print(f"{coder:>6}: first paint {paint * 1000:.0f} ms ({paint / paint_new:.2f} x new: "
              f"{'met' if paint <= PAINT_RATIO * paint_new else 'NOT met'})", end="")
        for key in ("d", "n", "find"):
            p50, p95 = percentiles(figures[key])
            target = FIND_TARGET if key == "find" else KEY_TARGET
            print(f"; {key} p50 {p50 * 1000:.1f} p95 {p95 * 1000:.1f} ms "
                  f"({'met' if p95 <= target else 'NOT met'})", end="")
        print()
    status, start = statistics.median(once["status"]), statistics.median(once["suggest start-up"])
    big, empty = statistics.median(once["import into the big project"]), statistics.median(once["import into an empty project"])
    print(f"status {status * 1000:.0f} ms; suggest start-up {start * 1000:.0f} ms; import of 20,000: "
          f"{20_000 / big:,.0f} docs/s into the big project, {20_000 / empty:,.0f} into an empty one "
          f"({empty / big:.2f} x: {'met' if empty / big >= IMPORT_RATIO else 'NOT met'})")


if __name__ == "__main__":
    main()
