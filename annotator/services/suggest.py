"""`annotator suggest`: fill documents with entity and stance suggestions, resumably.

Each batch of results is committed on its own, and the (document, model, version) key is unique:
killed at any point and run again, the run finishes the rest and duplicates nothing.
"""

from __future__ import annotations

from functools import partial
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

from annotator.domain.errors import InputError
from annotator.domain.stance_rules import no_stance_note
from annotator.nlp.pipeline import Pipeline, load_pipeline
from annotator.processes import alive
from annotator.nlp.suggester import DocSuggestion, Suggester, run_parallel
from annotator.services.models import in_use_on_suggesting
from annotator.services.project import active_codebook
from annotator.domain.suggestions import Suggestion
from annotator.store import documents, suggestions
from annotator.store.engine import Connection, Engine, keep_if_possible, write

MAX_PROCESSES = 4 * (os.cpu_count() or 1)
MAX_BATCH = 10_000  # documents a commit; a batch is held in memory whole
READ_PAGE = 256
# How long a run's claim on a page keeps other runs off it: a run that dies leaves its pages to be
# taken again after this. A page that takes longer (huge texts) may then be done twice, never stored twice.
LEASE = timedelta(minutes=15)
HOST = socket.gethostname()
PROGRESS_STEPS = 25  # a run's bar moves at least this many times


@dataclass
class SuggestReport:
    model: str
    version: str
    documents: int  # in the project
    todo: int  # without a suggestion from this model version (all of them with redo)
    suggested: int = 0
    taken: int = 0  # documents this run claimed and suggested for (others' claims it left alone)
    spans: int = 0
    dropped: Counter[Any] = field(default_factory=Counter)
    stance_note: str | None = None  # why the codebook gets no stance suggestions, said once a run
    in_use_for: list[str] = field(default_factory=list)  # the tasks this run put the model in use for


def suggest(engine: Engine, model: str | None = None, n_process: int = 1, batch_size: int = 32,
            redo: bool = False, on_start: Callable[[SuggestReport], None] = lambda r: None,
            on_progress: Callable[[int], None] = lambda n: None,
            should_stop: Callable[[], bool] = lambda: False, pipeline: Pipeline | None = None,
            unstarted_only: bool = False) -> SuggestReport:
    """`pipeline`, when given, is used instead of loading `model` (tests load it once per session);
    `unstarted_only` leaves out the documents some coder has started."""
    if n_process < 1 or batch_size < 1:
        raise InputError(f"--n-process and --batch-size must be at least 1 (got {n_process}, {batch_size})")
    if n_process > MAX_PROCESSES:  # each one a forked copy of the model: more only fill the memory
        raise InputError(f"--n-process {n_process}: give 1 to {MAX_PROCESSES} (four per processor here)")
    if batch_size > MAX_BATCH:
        raise InputError(f"--batch-size {batch_size}: give 1 to {MAX_BATCH} documents per commit")
    codebook = active_codebook(engine)
    with engine.connect() as conn:
        total = documents.count(conn)
    if total == 0:
        raise InputError("nothing to suggest: the project has no documents yet; "
                         "import some with `annotator import PATH`")
    pipeline = pipeline or load_pipeline(model)
    key = (pipeline.name, pipeline.version)
    with engine.connect() as conn:
        todo = total if redo else suggestions.count_unsuggested(conn, *key)
    report = SuggestReport(pipeline.name, pipeline.version, total, todo, stance_note=no_stance_note(codebook))
    on_start(report)
    if todo == 0:
        report.in_use_for = _put_in_use(engine, pipeline)
        return report
    run = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    items = _documents(engine, None if redo else key, should_stop, run, unstarted_only)
    # spaCy hands results back a pipe batch at a time: on a run of a few batches the bar would jump
    # from 0 to the end, so small runs pipe smaller batches (at little cost on runs that small).
    pipe_batch = max(1, min(batch_size, todo // PROGRESS_STEPS))
    results = _reported(run_parallel(Suggester(pipeline, codebook), items, n_process, pipe_batch), on_progress)
    try:
        while batch := list(islice(results, batch_size)):
            stored = write(engine, lambda conn: _store(conn, pipeline, batch, redo, run))  # waits out other writers
            for r in batch:
                report.spans += len(r.spans)
                report.dropped.update(r.dropped)
            report.taken += len(batch)
            report.suggested += stored  # another run at the same time may have stored some first
    finally:  # stopped early: what this run claimed and did not store is free for others at once
        write(engine, lambda conn: suggestions.release(conn, run))
    if report.suggested:
        report.in_use_for = _put_in_use(engine, pipeline)
    return report


def _put_in_use(engine: Engine, pipeline: Pipeline) -> list[str]:
    """The tasks a run that has suggested puts its model in use for (services/models says when)."""
    return write(engine, lambda conn: in_use_on_suggesting(conn, pipeline.name, pipeline.version, pipeline.trained))


def _store(conn: Connection, pipeline: Pipeline, batch: list[DocSuggestion], redo: bool, run: str) -> int:
    stored = suggestions.save(conn, [(r.document_pk, _suggestion(pipeline, r)) for r in batch], replace=redo)
    suggestions.release(conn, run, [r.document_pk for r in batch])
    suggestions.raise_progress(conn, *(pipeline.name, pipeline.version))  # the next run starts past what is done
    return stored


def _reported(results: Iterator[DocSuggestion], on_progress: Callable[[int], None]) -> Iterator[DocSuggestion]:
    """Each result as it comes out, counted on the way (commits still go a batch at a time)."""
    for result in results:
        on_progress(1)
        yield result


def _documents(engine: Engine, unsuggested_by: tuple[str, str] | None, should_stop: Callable[[], bool],
               run: str, unstarted_only: bool = False) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """The texts to suggest for, a page at a time: each page claimed for this run (not with --redo,
    which does every document again)."""
    after = 0
    while not should_stop():
        if unsuggested_by is None:
            with engine.connect() as conn:
                page = suggestions.texts_page(conn, after, READ_PAGE, None, unstarted_only)
        else:
            page = write(engine, partial(_claim, after=after, key=unsuggested_by, run=run, unstarted_only=unstarted_only))
        if not page:
            return
        yield from page
        after = page[-1][0]


def _claim(conn: Connection, after: int, key: tuple[str, str], run: str,
           unstarted_only: bool) -> list[tuple[int, str, dict[str, Any]]]:
    for dead in filter(_died_here, suggestions.claiming_runs(conn)):
        suggestions.release(conn, dead)  # a run killed on this machine: its pages are free now
    return suggestions.claim_page(conn, after, READ_PAGE, *key, run, LEASE, unstarted_only)


def _died_here(run: str) -> bool:
    """Whether a run id (host:pid:nonce) names a process of this machine that is gone."""
    host, _, pid = run.rpartition(":")[0].rpartition(":")
    return host == HOST and pid.isdigit() and not alive(int(pid))


def _suggestion(pipeline: Pipeline, result: DocSuggestion) -> Suggestion:
    return Suggestion(pipeline.name, pipeline.version, result.spans, result.stances)


def suggest_document(engine: Engine, document_pk: int, pipeline: Pipeline) -> None:
    """Suggest for one document now (the coding screen's document that has none yet)."""
    codebook = active_codebook(engine)
    with engine.connect() as conn:
        doc = documents.get(conn, document_pk)
    (result,) = Suggester(pipeline, codebook).run([(document_pk, doc.text, doc.meta)])
    # keep_order: the document keeps its place in the uncertain order while a coder works through it.
    # A read-only database (a standby, a file opened ?mode=ro) keeps none: the screen reads on without.
    keep_if_possible(engine, lambda conn: suggestions.save(conn, [(document_pk, _suggestion(pipeline, result))],
                                                           replace=False, keep_order=True))
