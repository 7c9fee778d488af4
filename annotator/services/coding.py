"""The coding session: one coder's queue, the open document, and every edit stored at once.

Each edit is one short transaction that stores the new annotation and an event holding the state
before and after; undo and redo store an earlier state the same way. Reads and writes here take a
few milliseconds, so the screen calls them directly: a key press is stored before it is shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from annotator.domain.codebook import Codebook
from annotator.domain.coding import AnnotationState, CodedSpan, CodedStance
from annotator.services.project import active_codebook
from annotator.store import coding_queries as q
from annotator.store import queries


class SaveFailed(Exception):
    """A change could not be stored (the database stayed locked, or the disk is full): nothing changed."""


@dataclass
class OpenDocument:
    pk: int
    id: str
    title: str
    text: str
    meta: dict[str, Any]
    suggested_spans: list[dict] = field(default_factory=list)
    suggested_stances: list[dict] = field(default_factory=list)
    model: str | None = None  # None: no suggestion yet
    state: AnnotationState = field(default_factory=AnnotationState)

    def suggested_stance(self, target: str) -> dict | None:
        return next((s for s in self.suggested_stances if s["target"] == target), None)


@dataclass(frozen=True)
class Change:
    document_pk: int
    kind: str
    before: AnnotationState
    after: AnnotationState


class CodingSession:
    def __init__(self, engine: Engine, coder: str, codebook: Codebook | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine, self.coder, self.clock = engine, coder, clock
        self.codebook = codebook or active_codebook(engine)
        with engine.begin() as conn:
            self.coder_pk = queries.coder_pk(conn, coder)
        self._undo: list[Change] = []
        self._redo: list[Change] = []
        self._opened_at: float | None = None

    # The queue ------------------------------------------------------------------------------
    def queue_size(self) -> int:
        with self.engine.connect() as conn:
            return q.queue_size(conn)

    def position(self, document_pk: int) -> int:
        with self.engine.connect() as conn:
            return q.queue_position(conn, document_pk)

    def done_today(self) -> int:
        local_midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        with self.engine.connect() as conn:
            return q.done_since(conn, self.coder_pk, local_midnight.astimezone(timezone.utc))

    def first_unfinished(self, or_first: bool = True) -> int | None:
        """Where the coder resumes: the first document not done or skipped (else, if asked, the first)."""
        with self.engine.connect() as conn:
            found = q.neighbour(conn, 0, True, self.coder_pk)
            return found if found is not None or not or_first else q.neighbour(conn, 0, True)

    def next_pk(self, document_pk: int, unfinished: bool = False) -> int | None:
        with self.engine.connect() as conn:
            return q.neighbour(conn, document_pk, True, self.coder_pk if unfinished else None)

    def previous_pk(self, document_pk: int) -> int | None:
        with self.engine.connect() as conn:
            return q.neighbour(conn, document_pk, False)

    def find(self, text: str) -> list[tuple[int, str, str]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in q.find_documents(conn, text)]

    # One document -----------------------------------------------------------------------------
    def open(self, document_pk: int) -> OpenDocument:
        """Load a document for coding and start timing it."""
        opened = self.load(document_pk)
        self.start_timing()
        return opened

    def start_timing(self) -> None:
        self._opened_at = self.clock()

    def load(self, document_pk: int) -> OpenDocument:
        """The document with its newest suggestion and this coder's annotation (reads only: safe
        from a worker thread, which is how the screen fetches the next document ahead of time)."""
        with self.engine.connect() as conn:
            doc = q.document(conn, document_pk)
            suggestion = q.latest_suggestion(conn, document_pk)
            stored = q.annotation(conn, document_pk, self.coder_pk)
        opened = OpenDocument(doc.pk, doc.id, doc.title, doc.text, doc.meta)
        if suggestion is not None:
            opened.model = f"{suggestion.model} {suggestion.version}"
            opened.suggested_spans = sorted(suggestion.spans, key=lambda s: (s["start"], s["end"]))
            opened.suggested_stances = suggestion.stances
        if stored is not None:
            opened.state = _state_from_rows(*stored)
        return opened

    def seconds_on_document(self) -> float:
        return self.clock() - self._opened_at if self._opened_at is not None else 0.0

    def apply(self, doc: OpenDocument, kind: str, edit: Callable[[AnnotationState], AnnotationState]) -> bool:
        """Run an edit and store its result at once; False when it changed nothing."""
        after = edit(doc.state)
        if after == doc.state:
            return False
        self._store(doc.pk, kind, doc.state, after)
        self._undo.append(Change(doc.pk, kind, doc.state, after))
        self._redo.clear()
        doc.state = after
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> Change | None:
        """Store the state before the last change; returns that change (its document may be another)."""
        if not self._undo:
            return None
        change = self._undo[-1]
        self._store(change.document_pk, f"undo {change.kind}", change.after, change.before)
        self._redo.append(self._undo.pop())  # only once stored: a failed undo can be tried again
        return change

    def redo(self) -> Change | None:
        if not self._redo:
            return None
        change = self._redo[-1]
        self._store(change.document_pk, f"redo {change.kind}", change.before, change.after)
        self._undo.append(self._redo.pop())
        return change

    def leave(self, doc: OpenDocument) -> None:
        """Add the time spent on the document to its annotation (when there is one)."""
        seconds = self.seconds_on_document()
        self._opened_at = None
        if seconds > 0:
            try:
                with self.engine.begin() as conn:
                    q.add_seconds(conn, doc.pk, self.coder_pk, seconds)
            except OperationalError:
                pass  # time spent is a statistic: a locked database must not stop the coder moving on

    def _store(self, document_pk: int, kind: str, before: AnnotationState, after: AnnotationState) -> None:
        try:
            self._write(document_pk, kind, before, after)
        except OperationalError as exc:
            raise SaveFailed(f"not saved ({exc.orig}); nothing changed, press the key again") from exc

    def _write(self, document_pk: int, kind: str, before: AnnotationState, after: AnnotationState) -> None:
        with self.engine.begin() as conn:
            pk = q.store_annotation(
                conn, document_pk, self.coder_pk, after.status,
                spans=[{"start": s.start, "end": s.end, "label": s.label, "origin": s.origin, "aligned": s.aligned}
                       for s in after.spans],
                stances=[{"target": s.target, "label": s.label, "origin": s.origin} for s in after.stances],
                decisions=[{"start": a, "end": b, "label": c, "decision": d} for (a, b, c), d in after.decisions.items()])
            queries.add_event(conn, kind, coder_pk_=self.coder_pk, document_pk=document_pk, annotation_pk_=pk,
                              before=before.to_json(), after=after.to_json())


def _state_from_rows(row, spans, stances, decisions) -> AnnotationState:
    return AnnotationState(
        status=row.status,
        spans=tuple(CodedSpan(s.start, s.end, s.label, s.origin, s.aligned) for s in spans),
        stances=tuple(CodedStance(s.target, s.label, s.origin) for s in stances),
        decisions={(d.start, d.end, d.label): d.decision for d in decisions})
