"""`annotator import`: stream records into the database in one transaction, in batches.

Memory stays flat: records are validated as they are read and written a batch at a time; duplicates
are found by asking the database (which already holds the earlier batches of this transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from annotator.domain.codebook import Codebook
from annotator.domain.coding import Annotation
from annotator.domain.errors import InputError
from annotator.domain.records import DocumentRecord, RecordError
from annotator.domain.spans import is_token_aligned
from annotator.nlp.tokens import token_bounds
from annotator.services.project import active_codebook
from annotator.services.sources import plan_sources, read_source
from annotator.store import annotations, documents, events, gold
from annotator.store.engine import Connection, Engine, StoreBusy, StoreConflict
from annotator.store.tables import utcnow

BATCH_SIZE = 1000
MAX_REPORTED = 50  # problems kept for the report; the rest are only counted


class ImportFailed(InputError):
    """Invalid records and no --skip-invalid: nothing was stored."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__("\n".join(report.problems))


@dataclass
class ImportReport:
    files: int = 0
    read: int = 0
    added: int = 0
    already: int = 0  # same text already in the database (or earlier in this import)
    annotations_added: int = 0
    annotations_already: int = 0
    gold_added: int = 0
    gold_already: int = 0  # documents that had gold: an import never replaces it
    invalid: int = 0
    problems: list[str] = field(default_factory=list)
    unlisted: int = 0  # problems past MAX_REPORTED: counted, not kept
    ignored_files: list[str] = field(default_factory=list)

    def problem(self, where: str, *messages: str) -> None:
        """One invalid record, with each of its problems on a line of its own."""
        self.invalid += 1
        for message in messages:
            if len(self.problems) < MAX_REPORTED:
                self.problems.append(f"{where}: {message}")
            else:
                self.unlisted += 1


def total_bytes(paths: list[Path], fmt: str = "auto") -> int:
    sources, _ = plan_sources(paths, fmt)
    return sum(s.path.stat().st_size for s in sources)


ATTEMPTS = 30  # each waits up to the busy timeout (10 s) for another writer: five minutes in all


def import_paths(engine: Engine, paths: list[Path], fmt: str = "auto", text_column: str = "text",
                 skip_invalid: bool = False, progress: Callable[[int], None] = lambda n: None) -> ImportReport:
    """All or nothing. Another writer (an import of the same file, a coder, `suggest`) may hold the
    database or store the same texts first: the import then starts again from the files, and what
    the other stored counts as already there."""
    for _ in range(ATTEMPTS):
        try:
            return _import_once(engine, paths, fmt, text_column, skip_invalid, progress)
        except (StoreConflict, StoreBusy):
            continue
    raise InputError("another writer kept the database busy for five minutes; nothing was imported; "
                     "run the import again when it is done")


def _import_once(engine: Engine, paths: list[Path], fmt: str, text_column: str, skip_invalid: bool,
                 progress: Callable[[int], None]) -> ImportReport:
    codebook = active_codebook(engine)
    sources, ignored = plan_sources(paths, fmt)
    report = ImportReport(files=len(sources), ignored_files=[str(p) for p in ignored])
    with engine.begin() as conn:
        writer = _BatchWriter(conn, codebook, report)
        for source in sources:
            for where, item in read_source(source, codebook, text_column, progress):
                report.read += 1
                if isinstance(item, InputError):
                    report.problem(where, *(item.problems if isinstance(item, RecordError) else [item.message]))
                else:
                    writer.add(where, item)
        writer.flush()
        if report.invalid and not skip_invalid:
            conn.rollback()
            raise ImportFailed(report)
        if report.added or report.annotations_added:  # a no-op import leaves no trace
            events.add(conn, "import", after={
                "paths": [str(p) for p in paths], "added": report.added, "already": report.already,
                "annotations": report.annotations_added, "skipped_invalid": report.invalid})
    return report


class _BatchWriter:
    def __init__(self, conn: Connection, codebook: Codebook, report: ImportReport) -> None:
        self.conn, self.codebook, self.report = conn, codebook, report
        self.batch: list[tuple[str, DocumentRecord]] = []
        self.coders: dict[str, int] = {}

    def add(self, where: str, record: DocumentRecord) -> None:
        self.batch.append((where, record))
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        stored = documents.by_hash(self.conn, [r.text_hash for _, r in batch])
        taken_ids = documents.hashes_by_id(self.conn, [r.id for _, r in batch])
        rows, now = [], utcnow()
        for where, r in batch:
            if r.text_hash in stored:
                self.report.already += 1
                continue
            if taken_ids.get(r.id, r.text_hash) != r.text_hash:
                self.report.problem(where, f"id {r.id!r} already names a different text; give this "
                                           "record another id, or leave the id out to derive one from the text")
                continue
            stored[r.text_hash] = (None, r.id)
            taken_ids[r.id] = r.text_hash
            rows.append({"id": r.id, "title": r.title, "text": r.text, "meta": r.meta, "text_hash": r.text_hash})
        documents.insert_many(self.conn, rows, now)
        self.report.added += len(rows)
        coded = [(w, r) for w, r in batch if r.coder is not None]
        if coded:
            self._store_annotations(coded)
        golden = [r for _, r in batch if r.gold is not None]
        if golden:
            self._store_gold(golden)

    def _store_gold(self, records: list[DocumentRecord]) -> None:
        pks = documents.by_hash(self.conn, [r.text_hash for r in records])
        for r in records:
            if r.text_hash not in pks:
                continue
            annotators, how = r.gold
            stored = gold.import_gold(self.conn, pks[r.text_hash][0], annotators,
                                      [(s.start, s.end, s.label, how) for s in r.spans],
                                      [(s.target, s.label, how) for s in r.stances])
            if stored:
                self.report.gold_added += 1
            else:
                self.report.gold_already += 1

    def _store_annotations(self, coded: list[tuple[str, DocumentRecord]]) -> None:
        pks = documents.by_hash(self.conn, [r.text_hash for _, r in coded])
        for where, r in coded:
            if r.text_hash not in pks:
                continue  # the document itself was invalid and is already reported
            doc_pk = pks[r.text_hash][0]
            coder = self.coders.get(r.coder) or self.coders.setdefault(r.coder, annotations.coder_pk(self.conn, r.coder))
            if annotations.exists(self.conn, doc_pk, coder):
                self.report.annotations_already += 1  # never overwrite a coder's work
                continue
            spans = tuple(replace(s, aligned=ok) for s, ok in zip(r.spans, self._alignment(r)))
            annotation = Annotation(status=r.status, spans=spans, stances=tuple(r.stances))
            pk = annotations.write(self.conn, doc_pk, coder, annotation, add_seconds=r.seconds or 0.0)
            events.add(self.conn, "annotation.imported", coder_pk=coder, document_pk=doc_pk, annotation_pk=pk,
                       after={"source": where, "spans": len(spans), "stances": len(r.stances)})
            self.report.annotations_added += 1

    def _alignment(self, record: DocumentRecord) -> list[bool]:
        """Whether each imported span falls on token boundaries; misaligned ones are kept and flagged."""
        if not record.spans:
            return []
        starts, ends = token_bounds(record.text)
        return [is_token_aligned(s.start, s.end, starts, ends) for s in record.spans]
