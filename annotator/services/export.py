"""`annotator export`: gold (or every coder's work) out in the formats people train with.

Records stream a batch of documents at a time; each file is written under a temporary name in its
folder and renamed at the end, so a crash never leaves half a file under the final name.
"""

from __future__ import annotations as _postponed  # the name `annotations` is the store module

import glob
import hashlib
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from annotator.domain import formats
from annotator.domain.errors import InputError
from annotator.domain.formats import ExportDocument, Unaligned
from annotator.processes import alive
from annotator.services import export_fork
from annotator.services.output_files import output_target, refuse_project_files, still_replaceable
from annotator.services.project import active_codebook, codebook_ref
from annotator.store import annotations, gold, reliability
from annotator.store.engine import Engine, sqlite_path

if TYPE_CHECKING:  # parsing a codebook loads pydantic: only the spaCy format needs one
    from annotator.domain.codebook import Codebook

BATCH = 1_000
SPLITS = ("train", "dev", "test")


@dataclass
class ExportReport:
    format: str
    files: dict[str, Path] = field(default_factory=dict)  # split (or "all") -> path
    written: dict[str, int] = field(default_factory=dict)  # split -> documents
    without_gold: int = 0  # documents left out: no gold yet
    disputed: int = 0  # documents left out: disputes a lead has not settled
    stale: int = 0  # documents whose gold coders changed since it was derived, left to a lead to derive
    unaligned: Unaligned = field(default_factory=Unaligned)
    # doccano's format writes an example with nothing marked as `label: []`, as it writes one no one
    # annotated: gold with no item comes back from it as text only (said, with how many)
    empty_gold: int = 0
    stances_left_out: int = 0  # CoNLL tags tokens: it has no place for a document's stances
    not_done: int = 0  # coders' draft and skipped annotations: coders JSONL holds done work


def parse_split(value: str | None) -> tuple[float, float, float] | None:
    if value is None:
        return None
    try:
        shares = tuple(float(part) for part in value.split(","))
    except ValueError:
        shares = ()
    if len(shares) != 3 or not all(math.isfinite(s) and s >= 0 for s in shares) or abs(sum(shares) - 1.0) > 1e-6:
        raise InputError(f"--split {value!r}: give three shares for train, dev and test that add up to 1, "
                         "e.g. 0.8,0.1,0.1")
    return shares


def split_of(doc_id: str, seed: int, shares: tuple[float, float, float]) -> str:
    """The same document lands in the same split for the same seed, whatever else is exported."""
    digest = hashlib.blake2b(f"{seed}\x1f{doc_id}".encode(), digest_size=8).digest()
    u = int.from_bytes(digest, "big") / 2**64
    return "train" if u < shares[0] else "dev" if u < shares[0] + shares[1] else "test"


def default_path(engine: Engine, fmt: str, folder: Path = Path("exports")) -> Path:
    path = sqlite_path(engine)
    project = path.stem if path is not None else "project"
    return folder / f"{project}-{fmt}-{datetime.now():%Y%m%d-%H%M%S}.{formats.EXTENSIONS[fmt]}"


def _paths(out: Path, shares: tuple[float, float, float] | None) -> dict[str, Path]:
    if shares is None:
        return {"all": out}
    return {name: out.with_name(f"{out.stem}-{name}{out.suffix}") for name in SPLITS}


def export(engine: Engine, fmt: str, out: Path | None = None, *, split: str | None = None, seed: int = 0,
           force: bool = False, include_meta: bool = False,
           progress: Callable[[int, int], None] = lambda done, total: None) -> ExportReport:
    if fmt not in formats.FORMATS:
        raise InputError(f"format {fmt!r} is not one of: {', '.join(formats.FORMATS)}")
    shares = parse_split(split)
    paths = _paths(out or default_path(engine, fmt), shares)
    targets = {name: output_target(path) for name, path in paths.items()}  # a device or a FIFO: refused
    for path in targets.values():
        refuse_project_files(path, sqlite_path(engine))
    taken = [str(p) for p in paths.values() if p.exists()]
    # Part of a split set only: the remains of an export killed between its renames, written over.
    if taken and not force and not (shares is not None and len(taken) < len(paths)):
        raise InputError(f"{', '.join(taken)} already exist(s); pass --force to overwrite, or choose another --out")
    # Only the spaCy format reads the codebook itself (and gold's catch-up, when anything is stale):
    # the others name it, and parsing it would cost a third of a small export's start.
    codebook = active_codebook(engine) if fmt == "spacy" else None
    report = ExportReport(fmt, paths, {name: 0 for name in paths})
    if fmt != "coders":
        with engine.connect() as conn:
            anything_stale = bool(gold.stale(conn, 1))
        if anything_stale:  # gold's derivation (and the codebook it reads) loads only when it has work
            from annotator.services.gold import catch_up

            report.stale = catch_up(engine, codebook)
    with engine.connect() as conn:
        complete, disputed = gold.counts_for_export(conn)
        total_documents = reliability.last_document(conn)
    report.disputed = disputed
    if fmt == "coders":
        with engine.connect() as conn:
            report.not_done = annotations.count_not_done(conn)
    schema = codebook.ref if codebook else codebook_ref(engine)
    built_by_database = fmt == "gold" and engine.dialect.name == "sqlite"  # each line, by SQLite
    source: Iterator[tuple[str, bytes | ExportDocument]]
    if not built_by_database:
        source = ((doc.id, doc) for doc in (_coder_documents(engine) if fmt == "coders" else gold_documents(engine)))
    total = total_documents if fmt == "coders" else complete
    writers = {}
    done = 0
    second_half = None

    def split_for(doc_id: str) -> str:
        return split_of(doc_id, seed, shares) if shares else "all"

    try:
        for name in paths:
            writers[name] = _writer(fmt, targets[name], codebook, include_meta)
        if built_by_database:  # a big one: the second half on the other core, by a forked process
            second_half = export_fork.start(engine, complete, {n: w.path for n, w in writers.items()}, split_for,
                                            lambda e, after, through: gold_lines(e, schema, after, through))
            source = gold_lines(engine, schema, through=second_half.after if second_half else None)
        for doc_id, doc in source:
            name = split_for(doc_id)
            if isinstance(doc, bytes):  # a line the database built
                writers[name].write(doc)
            else:
                writers[name].add(doc, schema, report.unaligned)
                report.empty_gold += fmt == "doccano" and not doc.spans and not doc.stances
                report.stances_left_out += len(doc.stances) if fmt == "conll" else 0
            report.written[name] += 1
            done += 1
            if done % 500 == 0:
                progress(done, total)
        if second_half:
            files = {n: w.file for n, w in writers.items() if isinstance(w, _FileWriter)}
            for name, count in export_fork.finish(second_half, files).items():
                report.written[name] += count
                done += count
        for writer in writers.values():  # every file complete beside its target before any is put in place
            writer.close()
        for writer in writers.values():
            writer.publish()
    except BaseException as error:
        if second_half:
            export_fork.abandon(second_half)
        for writer in writers.values():
            writer.abandon()
        if isinstance(error, OSError):  # a folder that cannot be made, a full disk, no permission
            where = error.filename or ", ".join(str(p) for p in paths.values())
            raise InputError(f"could not write {where}: {error.strerror or error}; nothing was left under "
                             "the final name") from None
        raise
    progress(done, total)
    if fmt != "coders":
        from annotator.store import documents

        with engine.connect() as conn:
            report.without_gold = documents.count(conn) - complete - disputed
    return report


def gold_documents(engine: Engine) -> Iterator[ExportDocument]:
    """Every document with complete gold (no dispute left), in the project's order, a batch at a time."""
    after = 0
    while True:
        with engine.connect() as conn:
            batch = gold.complete_after(conn, after, BATCH)
        if not batch:
            return
        yield from map(_exported, batch)
        after = batch[-1].pk


def _exported(g: gold.GoldDocument) -> ExportDocument:
    return ExportDocument(g.id, g.title, g.text, g.meta, g.spans, g.stances, g.annotators,
                          adjudication=g.adjudication, by=g.by)


def gold_lines(engine: Engine, schema: str, after: int = 0, through: int | None = None) -> Iterator[tuple[str, bytes]]:
    """SQLite: (id, gold JSONL line) of every document with complete gold whose key is in (after,
    through], in the project's order, each line built by the database (`store.gold_lines`; a
    document it leaves out, by the rule), a range of BATCH document keys a statement."""
    from annotator.store.gold_lines import lines_between

    if through is None:
        with engine.connect() as conn:
            through = reliability.last_document(conn)
    for start in range(after, through, BATCH):
        with engine.connect() as conn:
            rows = lines_between(conn, start, min(start + BATCH, through), schema)
        for pk, doc_id, line in rows:
            if line is None:
                with engine.connect() as conn:
                    found = gold.complete_after(conn, pk - 1, 1)
                if found and found[0].pk == pk:  # (its gold may have gone, or a dispute come, since)
                    yield doc_id, orjson.dumps(formats.gold_record(_exported(found[0]), schema)) + b"\n"
            else:
                yield doc_id, line.encode() + b"\n"


def _coder_documents(engine: Engine) -> Iterator[ExportDocument]:
    """Every coder's done annotation, document by document in the project's order, coders by name."""
    from annotator.store import documents

    after = 0
    while True:
        with engine.connect() as conn:
            pks = sorted({doc for doc, _ in reliability.done_annotations(conn, between=(after + 1, after + 1 + BATCH))})
            last = reliability.last_document(conn)
            found = []
            for pk in pks:
                doc = documents.get(conn, pk)
                for stored in annotations.of_document(conn, pk):
                    a = stored.annotation
                    if a.status == "done":
                        found.append(ExportDocument(doc.id, doc.title, doc.text, doc.meta,
                                                    sorted((s.start, s.end, s.label, s.origin) for s in a.spans),
                                                    sorted((s.target, s.label, s.origin) for s in a.stances),
                                                    coder=stored.coder, seconds=stored.seconds))
        yield from found
        after += BATCH
        if after >= last:
            return


# Writers: one per output file -------------------------------------------------------------------
def _temporary(path: Path) -> Path:
    """Where a file is written before it is put in place: beside it, named for this process. What
    a killed export left there (its process gone) is removed first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        pid = stale.name[len(path.name) + 2:-len(".part")]
        if pid.isdigit() and not alive(int(pid)):
            stale.unlink(missing_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}.part")


class _FileWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.temporary = _temporary(path)
        self.file = self.temporary.open("wb")

    def add(self, doc: ExportDocument, schema: str, unaligned: Unaligned) -> None:
        raise NotImplementedError  # each format's writer writes its own lines

    def write(self, line: bytes) -> None:
        self.file.write(line)

    def close(self) -> None:
        self.file.close()

    def publish(self) -> None:
        still_replaceable(self.path)
        os.replace(self.temporary, self.path)

    def abandon(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass  # on a full disk the last flush fails too: the file goes all the same
        finally:
            self.temporary.unlink(missing_ok=True)


class _JsonlWriter(_FileWriter):
    def __init__(self, path: Path, record: Callable[[ExportDocument, str, Unaligned], dict[str, Any]]) -> None:
        super().__init__(path)
        self.record = record

    def add(self, doc: ExportDocument, schema: str, unaligned: Unaligned) -> None:
        self.file.write(orjson.dumps(self.record(doc, schema, unaligned)) + b"\n")


class _ConllWriter(_FileWriter):
    def __init__(self, path: Path, include_meta: bool) -> None:
        super().__init__(path)
        self.include_meta = include_meta

    def add(self, doc: ExportDocument, schema: str, unaligned: Unaligned) -> None:
        from annotator.nlp.tokens import word_tokens

        lines = formats.conll_lines(doc, word_tokens(doc.text), unaligned)
        if self.include_meta:  # comment lines after -DOCSTART-, as CoNLL-U keeps sentence metadata
            lines[1:1] = [f"# id = {doc.id}", f"# meta = {orjson.dumps(formats.export_meta(doc)).decode()}"]
        self.file.write(("\n".join(lines) + "\n").encode())


class _SpacyWriter:
    def __init__(self, path: Path, codebook: Codebook, include_meta: bool) -> None:
        from annotator.nlp.docbin import DocBinWriter

        self.path = path
        self.temporary = _temporary(path)
        self.docs = DocBinWriter({t: codebook.stance_labels for t in codebook.target_names}, include_meta)

    def add(self, doc: ExportDocument, schema: str, unaligned: Unaligned) -> None:
        self.docs.add(doc, unaligned)

    def write(self, line: bytes) -> None:
        raise TypeError("a spaCy DocBin is built from documents, not lines")

    def close(self) -> None:
        self.docs.write(self.temporary)

    def publish(self) -> None:
        still_replaceable(self.path)
        os.replace(self.temporary, self.path)

    def abandon(self) -> None:
        self.temporary.unlink(missing_ok=True)


def _writer(fmt: str, path: Path, codebook: Codebook | None, include_meta: bool) -> _FileWriter | _SpacyWriter:
    if fmt == "spacy":
        assert codebook is not None, "read for the spaCy format"
        return _SpacyWriter(path, codebook, include_meta)
    if fmt == "conll":
        return _ConllWriter(path, include_meta)

    def prodigy(doc: ExportDocument, schema: str, unaligned: Unaligned) -> dict[str, Any]:
        from annotator.nlp.tokens import word_tokens

        return formats.prodigy_record(doc, word_tokens(doc.text), unaligned)

    records = {"gold": lambda doc, schema, unaligned: formats.gold_record(doc, schema),
               "coders": lambda doc, schema, unaligned: formats.coder_record(doc, schema),
               "doccano": lambda doc, schema, unaligned: formats.doccano_record(doc),
               "prodigy": prodigy}
    return _JsonlWriter(path, records[fmt])

