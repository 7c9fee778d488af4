"""An import's JSONL lines parsed on the machine's other cores.

Parsing a line (its JSON, then every check of the record) and, on the second read, judging its
spans against token boundaries cost more than storing it. On two cores or more, for a large input,
lines go in chunks to worker processes, which hand the records back in order; this process reads
the files (the file watch hashes every byte it reads) and stores. The workers fork from a server
process that imported this module once (processes.worker_context), never from this process, whose
database connection must not cross a fork.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from annotator.domain.codebook import Codebook
from annotator.domain.errors import InputError
from annotator.domain.records import DocumentRecord
from annotator.domain.spans import Span
from annotator.nlp.tokens import aligned, warm_up
from annotator.processes import die_with_parent, worker_context
from annotator.services.sources import Line, Parsed, json_line
from annotator.services.tool_exports import ProdigyTasks, line_record

WORKER_MODULES = ("annotator.worker_server", "annotator.services.import_workers")
SMALLEST_INPUT = 16 << 20  # bytes of input: less is parsed here, sooner than workers would start
AHEAD = 3  # chunks a worker may be given beyond the one it parses: bounded, so memory stays flat
MOST_WORKERS = 2  # beside this process, which reads, unpickles and stores
WORKER_NICENESS = 10


def judge_alignment(record: DocumentRecord) -> None:
    """Flags a coder's spans that are off token boundaries (kept, never moved): once, on the read
    that stores them."""
    if record.judged or record.coder is None or not record.spans:
        return
    flags = aligned(record.text, [(s.start, s.end) for s in record.spans])
    record.spans = [s if ok == s.aligned else Span(s.start, s.end, s.label, s.origin, ok, s.source)
                    for s, ok in zip(record.spans, flags)]
    record.judged = True


class ImportWorkers:
    """Worker processes for one import (none when they would not pay); `judging` says whether the
    read they parse for stores (spans judged against tokens there too)."""

    def __init__(self, codebook: Codebook, as_coder: str | None, input_bytes: int) -> None:
        cores = os.cpu_count() or 1
        count = min(cores, MOST_WORKERS) if cores > 1 and input_bytes >= SMALLEST_INPUT else 0
        self.pool = ProcessPoolExecutor(count, mp_context=worker_context(WORKER_MODULES), initializer=_start,
                                        initargs=(codebook, as_coder)) if count > 0 else None
        self.count, self.judging, self.settings = count, False, (codebook, as_coder)

    def __enter__(self) -> ImportWorkers | None:
        return self if self.pool is not None else None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def parsed(self, shown: str, chunks: Iterator[list[Line]]) -> Iterator[list[Parsed]]:
        """Each chunk's lines parsed, in order, with at most AHEAD chunks a worker handed out early.
        Workers that cannot start or die (a script without a main guard, no room for a process)
        leave their chunks, and every later one, to this process: slower, never different."""
        waiting: deque[tuple[list[Line], Future[list[Parsed]] | None]] = deque()
        for chunk in chunks:
            waiting.append((chunk, self._submit(shown, chunk)))
            if len(waiting) > self.count * (AHEAD + 1):
                yield self._result(shown, *waiting.popleft())
        while waiting:
            yield self._result(shown, *waiting.popleft())

    def _submit(self, shown: str, chunk: list[Line]) -> Future[list[Parsed]] | None:
        if self.pool is None:
            return None
        try:
            return self.pool.submit(_parse, shown, chunk, self.judging)
        except (BrokenProcessPool, RuntimeError, OSError):  # (RuntimeError: a pool broken or shut down)
            self._give_up()
            return None

    def _result(self, shown: str, chunk: list[Line], future: Future[list[Parsed]] | None) -> list[Parsed]:
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                self._give_up()
        return _parse(shown, chunk, self.judging, self.settings)

    def _give_up(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


_settings: tuple[Codebook, str | None] | None = None  # a worker's codebook and --as


def _start(codebook: Codebook, as_coder: str | None) -> None:
    global _settings
    die_with_parent()
    # Below the process that stores: batches are sized by the time their transaction takes, and a
    # transaction kept off the CPU by its own workers would shrink them (more commits, slower).
    os.nice(WORKER_NICENESS)
    _settings = (codebook, as_coder)
    warm_up()


def _parse(shown: str, lines: list[Line], judging: bool,
           settings: tuple[Codebook, str | None] | None = None) -> list[Parsed]:
    """In a worker (or here, when workers failed): what `read_source` makes of each line without
    them, or the JSON value of one that must be read in order (a Prodigy task)."""
    settings = settings or _settings
    assert settings is not None, "a worker's settings come with its start"
    codebook, as_coder = settings
    done: list[Parsed] = []
    for number, raw in lines:
        where, value, parsed = json_line(number, raw, shown)
        if not parsed:
            done.append((where, value, False))
        elif not ProdigyTasks.plain(value):
            done.append((where, value, True))
        else:
            try:
                record = line_record(value, where, codebook, as_coder)
            except InputError as exc:
                done.append((where, exc, False))
                continue
            if judging:
                judge_alignment(record)
            done.append((where, record, False))
    return done
