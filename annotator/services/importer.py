"""`annotator import`: check every record, then store them in batches, each committed on its own.

Two reads of the files. The first checks every record (against each other and the database) and
writes nothing, so an invalid file stores nothing. The second stores batches sized by time (each
transaction about BATCH_SECONDS long, whatever the size of the project or of its texts), each in a
transaction of its own: coders' saves and other commands get in between, waiting one short batch at
most, and a killed import leaves whole batches, which a second run counts as already there.
Memory stays flat: what the first read has seen is kept in SQLite's temporary database.
A file written to between or during the reads is an error before any batch holding bytes the check
did not see commits (file_watch compares the two reads' bytes as they are read).
"""

from __future__ import annotations as _postponed  # the name `annotations` is the store module

import functools
import os
import selectors
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from annotator.domain.codebook import Codebook
from annotator.domain.coding import Annotation
from annotator.domain.display import escaped_controls
from annotator.domain.errors import InputError
from annotator.domain.records import DocumentRecord, RecordError, default_id
from annotator.domain.spans import Span, Stance
from annotator.services.import_rights import Writes, authorize
from annotator.services.project import active_codebook
from annotator.services.file_watch import FileWatch
from annotator.services.import_workers import ImportWorkers, judge_alignment
from annotator.services.sources import LineParser, Opener, Source, format_of_content, plan_sources, read_source
from annotator.store import annotations, assignments, documents, events, gold
from annotator.store.engine import Connection, Engine, StoreBusy, StoreConflict, transient, write
from annotator.store.failures import failure_cause
from annotator.store.scratch import SeenRecords
from annotator.store.tables import utcnow

BATCH_SIZE = 1000  # records the check reads at a time (it writes nothing, so it holds no lock)
# A batch's write holds the database's write lock (SQLite's, or rows a coder's save may wait on):
# batches are sized so that each transaction takes about BATCH_SECONDS, from the rate the last one
# stored at. A batch by count held the lock 230-330 ms into a million documents, where index upkeep
# is slower than in a new project. A waiting save wakes at SQLite's busy steps (1, 3, 8, 18, 33, 53
# ms, ...): batches of 50 ms made it wait 56 ms at p95, of 20 ms 27 ms (bench/import_wait_bench.py).
BATCH_SECONDS = 0.02
FIRST_BATCH, FEWEST, MOST = 100, 10, 5000  # records per batch: the first, and the bounds of any
BATCH_CHARS = 4_000_000  # and fewer when their texts are long, so no batch holds the lock for long
MAX_REPORTED = 50  # problems kept for the report; the rest are only counted
PATIENCE = 300.0  # seconds a batch waits for another writer before the import gives up
ATTEMPTS = 30  # a batch starts again when another writer stored the same texts or numbers first


class ImportFailed(InputError):
    """Invalid records and no --skip-invalid: nothing was stored."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__("\n".join(report.problems))


class ImportIncomplete(ImportFailed):
    """Records that passed the check were refused while storing (another writer gave their ids to
    other texts meanwhile), with no --skip-invalid: the rest is stored, as batches commit."""


ALREADY_UNDER_ANOTHER_ID = ("ids given to a text already stored under another id (a text is stored once, "
                            "with its first id, title and meta)")
UNKNOWN_LEADS = ("gold records naming leads who settled items, not coders of this project: the items kept, "
                 "their names not (add them with annotator coder add NAME --role lead first)")
GOLD_SAID_OTHERWISE = ("gold records whose items match the stored gold but say otherwise how they were reached "
                       "or by whom (adjudication, how, annotators): the stored gold's kept")
SECONDS_SAID_OTHERWISE = ("coder annotations that match the stored one but give another time (seconds): the stored "
                          "time kept")
ALREADY_WITH_OTHER_DATA = ("titles or meta given to a text already stored with others (a text is stored once, "
                           "with its first id, title and meta)")


@dataclass
class ImportReport:
    files: int = 0
    read: int = 0
    added: int = 0
    already: int = 0  # same text already in the database (or earlier in this import)
    annotations_added: int = 0
    annotations_already: int = 0  # the same work stored before
    annotations_differ: int = 0  # work unlike the stored one: the stored one kept
    differing: list[str] = field(default_factory=list)  # which (the first MAX_REPORTED)
    gold_added: int = 0
    gold_already: int = 0  # documents that had the same gold: an import never replaces it
    gold_differ: int = 0  # gold unlike the stored gold: the stored one kept
    gold_differing: list[str] = field(default_factory=list)  # which (the first MAX_REPORTED)
    invalid: int = 0
    problems: list[str] = field(default_factory=list)
    unlisted: int = 0  # problems past MAX_REPORTED: counted, not kept
    ignored_files: list[str] = field(default_factory=list)
    created_coders: list[str] = field(default_factory=list)  # coders new to the project (--create-coders)
    skipped_entries: list[str] = field(default_factory=list)  # a folder's links and FIFOs not read, with why
    # whose ("gold (adjudicated)", "alice's done work") -> [documents, spans, stances] stored
    stored_as: dict[str, list[int]] = field(default_factory=dict)
    tools: dict[str, int] = field(default_factory=dict)  # records read from other tools' exports, by tool
    merged: dict[str, list[int]] = field(default_factory=dict)  # tool -> [tasks, records they were merged into]
    not_stored: dict[str, list[Any]] = field(default_factory=dict)  # what those held that has no place: [count, first where]

    def add(self, batch: ImportReport) -> None:
        """What a committed batch stored (and refused) counted in."""
        for name in ("added", "already", "annotations_added", "annotations_already", "gold_added", "gold_already"):
            setattr(self, name, getattr(self, name) + getattr(batch, name))
        self.invalid += batch.invalid
        self.annotations_differ += batch.annotations_differ
        self.differing += batch.differing[:max(0, MAX_REPORTED - len(self.differing))]
        self.gold_differ += batch.gold_differ
        self.gold_differing += batch.gold_differing[:max(0, MAX_REPORTED - len(self.gold_differing))]
        for whose, counts in batch.stored_as.items():
            self.stored_as[whose] = [a + b for a, b in zip(self.stored_as.get(whose, [0, 0, 0]), counts)]
        for reason, (count, where) in batch.not_stored.items():
            self.not_stored.setdefault(reason, [0, where])[0] += count
        room = max(0, MAX_REPORTED - len(self.problems))
        self.problems += batch.problems[:room]
        self.unlisted += batch.unlisted + len(batch.problems[room:])

    def stored(self, whose: str, record: DocumentRecord) -> None:
        counts = self.stored_as.setdefault(whose, [0, 0, 0])
        counts[0] += 1
        counts[1] += len(record.spans)
        counts[2] += len(record.stances)

    def problem(self, where: str, *messages: str) -> None:
        """One invalid record, with each of its problems on a line of its own."""
        self.invalid += 1
        where = escaped_controls(where)  # (a file's name may hold a line break)
        for message in messages:
            if len(self.problems) < MAX_REPORTED:
                self.problems.append(f"{where}: {message}")
            else:
                self.unlisted += 1


def total_bytes(paths: list[Path], fmt: str = "auto") -> int:
    """The bytes an import reads: each file twice (checked, then stored)."""
    sources, _, _ = plan_sources(paths, fmt)
    return 2 * sum(s.path.stat().st_size for s in sources)


def _id_taken(record: DocumentRecord) -> str:
    if record.id == default_id(record.text_hash):  # no id was given: the one derived from the text is taken
        return (f"the id derived from its text, {record.id!r}, already names a different text (given it as an id); "
                "give this record an id of its own")
    return (f"id {record.id!r} already names a different text; give this record another id, or leave "
            "the id out to derive one from the text")


def import_paths(engine: Engine, paths: list[Path], fmt: str = "auto", text_column: str = "text",
                 skip_invalid: bool = False, progress: Callable[[int], None] = lambda n: None,
                 as_coder: str | None = None, create_coders: bool = False) -> ImportReport:
    """Stores nothing when a record is invalid (unless skip_invalid). doccano's and Prodigy's
    annotations are stored as gold, or as as_coder's done work when it names a coder. Another writer
    (an import of the same file, a coder, `suggest`) may hold the database or store the same texts
    first: a batch then waits or starts again, and what the other stored counts as already there."""
    codebook = active_codebook(engine)
    sources, ignored, skipped = plan_sources(paths, fmt)
    report = ImportReport(files=len(sources), ignored_files=[str(p) for p in ignored],
                          skipped_entries=[f"{p}: {why}" for p, why in skipped])
    with _readable_twice(sources) as sources, ImportWorkers(
            codebook, as_coder, sum(s.path.stat().st_size for s in sources)) as workers:
        writes = Writes()
        watch = FileWatch({s.path: s.shown for s in sources if s.shown})
        read = functools.partial(_records, sources, codebook, text_column, progress, as_coder=as_coder,
                                 parser=workers)
        refused = _check(engine, read, report, watch.recording, writes)
        watch.verify()  # (a file written to while it was checked)
        if report.invalid and not skip_invalid:
            raise ImportFailed(report)
        report.created_coders = authorize(engine, writes, create_coders)
        checked_invalid = report.invalid
        batch: list[tuple[str, DocumentRecord]] = []
        chars, size = 0, FIRST_BATCH
        if workers is not None:
            workers.judging = True  # (they flag spans off token boundaries on the read that stores)
        for number, (where, record) in enumerate(read(watch.verifying)):
            if number in refused or isinstance(record, InputError):  # (the watch stops a file that changed)
                continue
            judge_alignment(record)  # (outside the transaction; done already where a worker parsed it)
            # A batch ends at its size, but not inside a run of records of one text (a Label Studio
            # task's annotators, coders' lines one after another): a document comes with them whole.
            if (len(batch) >= size or chars >= BATCH_CHARS) and record.text_hash != batch[-1][1].text_hash:
                watch.verify()  # every record of the batch read as it was checked
                size = next_batch_size(size, len(batch), _store(engine, batch, report))
                batch, chars = [], 0
            batch.append((where, record))
            chars += len(record.text)
        watch.verify()
        _store(engine, batch, report)
    if report.added or report.annotations_added:  # a no-op import leaves no trace
        write(engine, lambda conn: events.add(conn, "import", after={
            "paths": [str(p) for p in paths], "added": report.added, "already": report.already,
            "annotations": report.annotations_added, "skipped_invalid": report.invalid}), PATIENCE)
    if report.invalid > checked_invalid and not skip_invalid:
        raise ImportIncomplete(report)
    return report


@contextmanager
def _readable_twice(sources: list[Source]) -> Iterator[list[Source]]:
    """The sources, each one a file that can be read twice: a pipe (`<(zcat x.gz)`, /dev/stdin)
    gives its bytes once, so they are kept in a temporary file, which messages do not name."""
    kept: list[Path] = []
    try:
        readable = []
        for source in sources:
            if source.path.is_file():
                readable.append(source)
                continue
            with source.path.open("rb") as pipe:
                _keep_copy(pipe, source.path, kept)
            fmt = source.format if source.format != "auto" else format_of_content(kept[-1], source.path)
            readable.append(Source(kept[-1], fmt, shown=source.path))
        yield readable
    finally:
        for path in kept:
            path.unlink(missing_ok=True)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Signals that end a command (Ctrl-C, SIGTERM, SIGHUP) wait until the block is over."""
    ending = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, ending)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _keep_copy(pipe: BinaryIO, shown: Path, kept: list[Path]) -> None:
    """Copies the pipe to a new temporary file, listed in `kept` (for removal) as it is made."""
    folder = tempfile.gettempdir()
    try:
        with _signals_held():  # a SIGTERM between making the copy and listing it would leave it
            fd, name = tempfile.mkstemp(prefix="annotator-import-", suffix=shown.suffix, dir=folder)
            kept.append(Path(name))
            copy = open(fd, "wb")  # noqa: SIM115  closed by the `with` below
        with copy:
            _copy_pipe(pipe, copy, shown)
    except OSError as exc:  # no room, no inode, a quota: what was made is removed like any copy
        raise InputError(f"could not keep a copy of the pipe in {folder}: {exc.strerror}; "
                         "set TMPDIR to a folder with room for it", str(shown)) from None


def _copy_pipe(pipe: BinaryIO, copy: BinaryIO, shown: Path) -> None:
    """Copies a pipe to its end. Each wait for bytes lasts a second at most: a signal that lands
    just before a read blocks runs its handler only once the read returns, so an unbounded read
    would keep a SIGTERM'd import waiting on a writer that may never write again."""
    with selectors.DefaultSelector() as selector:
        try:
            selector.register(pipe, selectors.EVENT_READ)
            waits = True
        except PermissionError:  # a file that is always ready (/dev/null): read it straight
            waits = False
        while True:
            if waits and not selector.select(1.0):
                continue
            try:
                chunk = os.read(pipe.fileno(), 1 << 20)
            except OSError as exc:  # (not the copy's fault: said as the input's)
                raise InputError(f"could not read it: {exc.strerror}", str(shown)) from None
            if not chunk:
                return
            copy.write(chunk)


def _records(sources: list[Source], codebook: Codebook, text_column: str, progress: Callable[[int], None],
             opener: Opener, as_coder: str | None, parser: LineParser | None) -> Iterator[
                 tuple[str, DocumentRecord | InputError]]:
    for source in sources:
        yield from read_source(source, codebook, text_column, progress, opener, as_coder, parser)


def _check(engine: Engine, read: Callable[[Opener], Iterator[tuple[str, DocumentRecord | InputError]]],
           report: ImportReport, opener: Opener, writes: Writes) -> set[int]:
    """Reads and checks every record, writing nothing; returns the numbers (in reading order) of the
    invalid records, and of those whose id already names another text (in the database or earlier
    in the files), which the store passes by as it would have refused them."""
    refused: set[int] = set()
    seen = SeenRecords()
    batch: list[tuple[int, str, DocumentRecord]] = []

    def check() -> None:
        ids, hashes = [r.id for _, _, r in batch], [r.text_hash for _, _, r in batch]
        with engine.connect() as conn:  # reads only: no lock another writer waits for
            taken = documents.hashes_by_id(conn, ids)
            texts = set(documents.by_hash(conn, hashes))
        taken |= seen.ids(ids)
        texts |= seen.texts(hashes)
        new = []
        for number, where, r in batch:
            if r.text_hash in texts:
                continue  # already there: never refused, whatever its id
            if taken.get(r.id, r.text_hash) != r.text_hash:
                report.problem(where, _id_taken(r))
                refused.add(number)
                continue
            texts.add(r.text_hash)
            taken[r.id] = r.text_hash
            new.append((r.id, r.text_hash))
        seen.add(new)
        batch.clear()

    try:
        for number, (where, item) in enumerate(read(opener)):
            report.read += 1
            if isinstance(item, InputError):
                report.problem(where, *(item.problems if isinstance(item, RecordError) else [item.message]))
                refused.add(number)
                continue
            if item.tool:
                report.tools[item.tool] = report.tools.get(item.tool, 0) + 1 + item.merged
            if item.merged:
                report.read += item.merged  # (each of its tasks was a record of the file)
                counts = report.merged.setdefault(item.tool or "", [0, 0])
                counts[0] += 1 + item.merged
                counts[1] += 1
            for note in item.notes:
                reason, at = note if isinstance(note, tuple) else (note, where)
                entry = report.not_stored.setdefault(reason, [0, at])
                entry[0] += 1
                if _earlier(at, entry[1]):  # (merged Prodigy tasks come out at their text's last task)
                    entry[1] = at
            batch.append((number, where, item))
            writes.note(where, item)
            if len(batch) >= BATCH_SIZE:
                check()
        check()
    finally:
        seen.close()
    return refused


def next_batch_size(size: int, stored: int, seconds: float) -> int:
    """The next batch's size: as many records as the last batch's rate stores in BATCH_SECONDS,
    moved halfway from the last size (one slow commit does not halve the batches at once)."""
    if seconds <= 0:
        return min(MOST, size * 2)
    aim = stored / seconds * BATCH_SECONDS
    return max(FEWEST, min(MOST, int((size + aim) / 2)))


def _earlier(where: str, than: str) -> bool:
    """Whether `where` (file:line) is an earlier line of the same file than `than`."""
    file, _, line = where.rpartition(":")
    other, _, other_line = than.rpartition(":")
    return file == other and line.isdigit() and other_line.isdigit() and int(line) < int(other_line)


def _store(engine: Engine, batch: list[tuple[str, DocumentRecord]], report: ImportReport) -> float:
    """One batch in a transaction of its own, started again while another writer is in the way;
    returns the seconds the transaction that stored it took (waits for other writers left out)."""
    if not batch:
        return 0.0
    began = [0.0]

    def store(conn: Connection) -> ImportReport:
        began[0] = time.perf_counter()  # (a transaction started again after a wait starts the clock again)
        return _BatchWriter(conn).store(batch)

    for _ in range(ATTEMPTS):
        try:
            counts = write(engine, store, PATIENCE)
            break
        except StoreConflict:
            continue
        except StoreBusy as exc:
            # Only a writer in the way is waited out; a full disk or a lost server is named at once.
            cause, advice = (("another writer kept the database busy for "
                              f"{PATIENCE / 60:.0f} minutes", "try again once it is done") if transient(exc)
                             else failure_cause(exc) or (None, None))
            if cause is None:
                raise
            if not report.added:
                raise InputError(f"{cause}; nothing was imported; {advice}") from None
            raise InputError(f"{cause}; {report.added} new document(s) were stored before it, the rest were not; "
                             f"{advice} (what is stored counts as already there)") from None
    else:
        raise InputError("other writers kept storing the same documents first; "
                         f"{report.added} new document(s) were stored; run the import again to store the rest")
    report.add(counts)
    return time.perf_counter() - began[0]


class _BatchWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.counts = ImportReport()  # this batch's, counted in once it commits
        self.coders: dict[str, int] = {}

    def store(self, batch: list[tuple[str, DocumentRecord]]) -> ImportReport:
        stored = documents.by_hash(self.conn, [r.text_hash for _, r in batch])
        taken_ids = documents.hashes_by_id(self.conn, [r.id for _, r in batch])
        rows: list[dict[str, Any]] = []
        now = utcnow()
        again: list[tuple[str, DocumentRecord, int]] = []  # texts stored before: their title and meta compared
        for where, r in batch:
            if r.text_hash in stored:
                self.counts.already += 1
                if r.id not in (stored[r.text_hash][1], default_id(r.text_hash)):  # an id given, not taken
                    self.counts.not_stored.setdefault(ALREADY_UNDER_ANOTHER_ID, [0, where])[0] += 1
                if r.title or r.meta:
                    again.append((where, r, stored[r.text_hash][0]))
                continue
            if taken_ids.get(r.id, r.text_hash) != r.text_hash:  # another writer took the id since the check
                self.counts.problem(where, _id_taken(r))
                continue
            stored[r.text_hash] = (0, r.id)  # stored by this batch (its pk, unknown here, is not read)
            taken_ids[r.id] = r.text_hash
            rows.append({"id": r.id, "title": r.title, "text": r.text, "meta": r.meta, "text_hash": r.text_hash})
        self._compare_data(again, {row["text_hash"]: row for row in rows})
        documents.insert_many(self.conn, rows, now)
        self.counts.added += len(rows)
        coded = [(w, r) for w, r in batch if r.coder is not None]
        if coded:
            self._store_annotations(coded, {row["text_hash"] for row in rows})
        golden = [(w, r) for w, r in batch if r.gold is not None]
        if golden:
            self._store_gold(golden)
        return self.counts

    def _compare_data(self, again: list[tuple[str, DocumentRecord, int]], new: dict[str, dict[str, Any]]) -> None:
        """Notes a title or meta given to a text stored before (by an earlier batch, or earlier in this
        one: among `new`, by text hash) that differs from the stored one."""
        if not again:
            return
        kept = documents.titles_and_meta(self.conn, [pk for _, r, pk in again if r.text_hash not in new])
        for where, r, pk in again:
            row = new.get(r.text_hash)
            title, meta = (row["title"], row["meta"]) if row else kept[pk]
            if (r.title and r.title != title) or (r.meta and r.meta != meta):
                self.counts.not_stored.setdefault(ALREADY_WITH_OTHER_DATA, [0, where])[0] += 1

    def _store_gold(self, records: list[tuple[str, DocumentRecord]]) -> None:
        pks = documents.by_hash(self.conn, [r.text_hash for _, r in records])
        for where, r in records:
            if r.text_hash not in pks:
                continue
            if r.gold is None:
                continue
            annotators, how = r.gold
            doc_pk, doc_id = pks[r.text_hash]
            own = r.item_hows
            leads = assignments.pks_by_name(self.conn, sorted(set(r.item_bys.values()))) if r.item_bys else {}
            if missing := sorted(set(r.item_bys.values()) - set(leads)):
                self.counts.not_stored.setdefault(f"{UNKNOWN_LEADS} ({', '.join(missing[:5])})", [0, where])[0] += 1
            stored = gold.import_gold(self.conn, doc_pk, annotators,
                                      [(s.start, s.end, s.label, own.get(("span", s.start, s.end, s.label), how))
                                       for s in r.spans],
                                      [(s.target, s.label, own.get(("stance", s.target), how)) for s in r.stances], how,
                                      {key: leads[name] for key, name in r.item_bys.items() if name in leads})
            if stored:
                self.counts.gold_added += 1
                self.counts.stored(f"gold ({how})", r)
                continue
            # Never replaced; the same items (however they were reached) are the same gold, quietly kept.
            items = gold.of_document(self.conn, doc_pk) or []
            spans = [i.item for i in items if isinstance(i.item, Span)]
            stances = [i.item for i in items if isinstance(i.item, Stance)]
            unlike = [what for what, here, there in (("spans", _span_set(spans), _span_set(r.spans)),
                                                     ("stances", _stance_set(stances), _stance_set(r.stances)))
                      if here != there]
            if not unlike:
                self.counts.gold_already += 1
                if self._said_otherwise(doc_pk, items, r, annotators, how):
                    self.counts.not_stored.setdefault(GOLD_SAID_OTHERWISE, [0, where])[0] += 1
                continue
            self.counts.gold_differ += 1
            self.counts.gold_differing.append(
                f"{where}: the gold of {doc_id} differs from the stored gold in its {' and '.join(unlike)} "
                f"(stored: {_gold_items(spans, stances)}; this file: {_gold_items(r.spans, r.stances)})")

    def _said_otherwise(self, doc_pk: int, items: list[gold.GoldItem], r: DocumentRecord, annotators: list[str],
                        how: str) -> bool:
        """Whether gold with the stored items says otherwise how they were reached or by whom."""
        stored = {_item_key(i.item): i.how for i in items}
        given: dict[tuple[Any, ...], str] = {_item_key(item): how for item in [*r.spans, *r.stances]}
        given.update(r.item_hows)
        return stored != given or sorted(gold.annotators_of(self.conn, doc_pk)) != sorted(annotators)

    def _store_annotations(self, coded: list[tuple[str, DocumentRecord]], new_texts: set[str]) -> None:
        """The batch's coder annotations, new ones stored in a few statements (with their events);
        one stored before, by an earlier import or earlier in this batch, is compared, never replaced."""
        pks = documents.by_hash(self.conn, [r.text_hash for _, r in coded])
        for name in dict.fromkeys(r.coder for _, r in coded if r.coder is not None and r.text_hash in pks):
            if name not in self.coders:  # (added on first sight, with --create-coders)
                self.coders[name] = annotations.coder_pk(self.conn, name)
        pairs = [(pks[r.text_hash][0], self.coders[r.coder]) for _, r in coded
                 if r.text_hash in pks and r.text_hash not in new_texts and r.coder is not None]
        stored_before = annotations.stored_keys(self.conn, pairs)  # (a text new in this batch has no work yet)
        new: dict[tuple[int, int], tuple[str, DocumentRecord, Annotation]] = {}
        for where, r in coded:
            if r.text_hash not in pks:
                continue  # the document itself was refused and is already reported
            assert r.coder is not None, "only a coder's records are coded work"
            doc_pk, coder = pks[r.text_hash][0], self.coders[r.coder]
            if (doc_pk, coder) in stored_before or (doc_pk, coder) in new:  # never overwrite a coder's work
                self._compare_work(where, r, doc_pk, coder, pks[r.text_hash][1], new.get((doc_pk, coder)))
                continue
            new[doc_pk, coder] = (where, r, Annotation(status=r.status, spans=tuple(r.spans), stances=tuple(r.stances)))
        keys = annotations.add_many(self.conn, [(doc_pk, coder, annotation, r.seconds or 0.0)
                                                for (doc_pk, coder), (_, r, annotation) in new.items()])
        events.add_many(self.conn, "annotation.imported", [
            (coder, doc_pk, pk, {"source": where, "spans": len(annotation.spans), "stances": len(annotation.stances)})
            for pk, ((doc_pk, coder), (where, _, annotation)) in zip(keys, new.items())])
        for _, r, _ in new.values():
            self.counts.annotations_added += 1
            self.counts.stored(f"{r.coder}'s {r.status} work", r)

    def _compare_work(self, where: str, r: DocumentRecord, doc_pk: int, coder: int, doc_id: str,
                      pending: tuple[str, DocumentRecord, Annotation] | None) -> None:
        """Counts a coder's work met again: the same as the stored (or this batch's) one, or unlike it."""
        stored = pending[2] if pending is not None else annotations.of_coder(self.conn, doc_pk, coder)
        assert stored is not None, "compared only with work stored or being stored"
        if _same_work(stored, r):
            self.counts.annotations_already += 1
            if r.seconds is not None and r.seconds != (
                    pending[1].seconds or 0.0 if pending is not None else annotations.seconds_of(self.conn, doc_pk, coder)):
                self.counts.not_stored.setdefault(SECONDS_SAID_OTHERWISE, [0, where])[0] += 1
            return
        self.counts.annotations_differ += 1
        self.counts.differing.append(
            f"{where}: {r.coder}'s annotation of {doc_id} differs from the stored one "
            f"(stored: {_work(stored.status, stored.spans, stored.stances)}; "
            f"this file: {_work(r.status, r.spans, r.stances)})")


def _item_key(item: Any) -> tuple[Any, ...]:
    """A gold item's key: a span by its offsets and label, a stance by its target."""
    return ("span", item.start, item.end, item.label) if isinstance(item, Span) else ("stance", item.target)


def _same_work(stored: Annotation, record: DocumentRecord) -> bool:
    return (stored.status == record.status and _span_set(stored.spans) == _span_set(record.spans)
            and _stance_set(stored.stances) == _stance_set(record.stances))


def _span_set(spans: Iterable[Span]) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in spans}


def _stance_set(stances: Iterable[Stance]) -> set[tuple[str, str]]:
    return {(s.target, s.label) for s in stances}


def _gold_items(spans: Iterable[Span], stances: Iterable[Stance]) -> str:
    """Spelled out (the first few spans, every stance): counts alone hide a changed label."""
    spans = sorted(spans, key=lambda s: (s.start, s.end, s.label))
    shown = ", ".join(f"{s.start}-{s.end} {s.label}" for s in spans[:4]) + (f" and {len(spans) - 4} more" if len(spans) > 4 else "")
    said = ", ".join(f"{s.target} {s.label}" for s in sorted(stances, key=lambda s: s.target))
    return (f"spans {shown}" if spans else "no span") + ", " + (f"stance {said}" if said else "no stance")


def _work(status: str, spans: Sized, stances: Sized) -> str:
    return f"{status}, {len(spans)} span(s), {len(stances)} stance(s)"
