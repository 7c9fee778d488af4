"""The coding session: one coder's queue, the open document, and every edit stored at once.

Each edit is one short transaction that stores the new annotation, the active seconds since the last
store, and an event holding the annotation before and after; undo and redo store an earlier state
the same way. Reads and writes take a few milliseconds, so the screen calls them directly: a key
press is stored before it is shown. Tokens and suggestions for a document that has none come from
here too, so the screen never loads spaCy itself.
"""

from __future__ import annotations as _postponed  # the name `annotations` is the store module

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, UTC
from typing import TYPE_CHECKING, Any

from annotator.domain.codebook import Codebook, Target
from annotator.domain.coding import Annotation, check_labels
from annotator.domain.errors import InputError
from annotator.domain.queue_order import ORDERS
from annotator.domain.suggestions import Suggestion
from annotator.domain.timing import ActiveTime
from annotator.domain.vocabulary import EDIT_KINDS, EditKind
from annotator.services import gold as gold_service
from annotator.services.access_rules import is_lead, require_self_or_lead, writes_gold
from annotator.services.nlp_worker import NlpWorker, suggest_stored, tokens_of
from annotator.services.project import active_codebook
from annotator.store import annotations, assignments, documents, events, identity, leases, progress, suggestions
from annotator.store.engine import (Connection, Engine, StoreError, cannot_write_now, keep_if_possible,
                                    read_only, write)
from annotator.store.failures import failure_cause

if TYPE_CHECKING:  # spaCy loads only when a document needs suggestions
    from annotator.nlp.pipeline import Pipeline


class SaveFailed(Exception):
    """A change could not be stored (the database stayed locked, or the disk is full): nothing changed."""


@dataclass
class OpenDocument:
    pk: int
    id: str
    title: str
    text: str
    meta: dict[str, Any]
    suggestion: Suggestion | None = None  # None: no model has suggested for it yet, or it is blind
    annotation: Annotation = field(default_factory=Annotation)
    blind: bool = False  # shown without suggestions (`assign --blind`): none is fetched or made
    targets: tuple[Target, ...] = ()  # the stance targets this document is coded for (its meta's)
    shown_rows: tuple[int, int] | None = None  # the suggestion rows it was read with (entities', stances')

    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.targets)


@dataclass(frozen=True)
class Change:
    document_pk: int
    kind: str
    before: Annotation
    after: Annotation


Progress = Callable[[int, int], None]  # (rows written, rows in all) of a store under way
LONG_TEXT = 50_000  # characters: a text this long is tokenized in the NLP process
LEASE = timedelta(minutes=10)  # a single-coded document left open this long without a save is anyone's
SAVE_PATIENCE = 60.0  # seconds a key's save waits for another writer before it says "not saved"


class CodingSession:
    @classmethod
    def for_coder(cls, engine: Engine, coder: str | None, **options: Any) -> CodingSession:
        """The session a command opens: `coder` defaults to the acting person (the database role on
        PostgreSQL), and coding as someone else needs the lead role."""
        with engine.connect() as conn:
            me = identity.acting(conn)
            require_self_or_lead(conn, coder or me, None, "coding")
            if assignments.role_of(conn, coder or me) is None and not is_lead(conn):
                raise InputError(f"{coder or me} is not a coder of this project; a lead adds them with "
                                 f"`annotator coder add {coder or me}`")
        return cls(engine, coder or me, **options)

    def __init__(self, engine: Engine, coder: str, codebook: Codebook | None = None,
                 clock: Callable[[], float] = time.monotonic, model: str | None = None, pipeline: Pipeline | None = None,
                 order: str = "sequential") -> None:
        """`model` names the spaCy pipeline for documents without suggestions; `pipeline`, when
        given, is used instead of loading one (tests hand in a small deterministic one); `order`
        is the queue's: sequential (import or assignment order), random, or uncertain (the
        documents whose stance suggestions are least certain first)."""
        if order not in ORDERS:
            raise InputError(f"--order {order!r}: give one of {', '.join(ORDERS)}")
        self.order = order
        self.engine, self.coder, self.clock = engine, coder, clock
        self.codebook = codebook or active_codebook(engine)
        try:
            with engine.begin() as conn:
                self.coder_pk = annotations.coder_pk(conn, coder)
                # A coder with an assignment works through it; without one, through every document.
                self.assigned = assignments.has_queue(conn, self.coder_pk)
                self._writes_gold = writes_gold(conn)
        except StoreError as exc:
            if not read_only(exc):
                raise
            raise InputError(f"{coder!r} is not a coder of this project, and the database only reads, so "
                             "nobody can be added: open it as one it has (--coder NAME; annotator coder list "
                             "names them)") from None
        self._undo: list[Change] = []
        self._redo: list[Change] = []
        self._timer: ActiveTime | None = None
        self._timer_lock = threading.Lock()
        self._model, self._pipeline = model, pipeline
        self._pipeline_lock = threading.Lock()
        self._nlp = NlpWorker()  # spaCy off the screen's threads (see nlp_worker)
        self._leased: set[int] = set()  # single-coded documents this session holds a lease on
        self._counted_at: tuple[int, int] | None = None  # documents.order_stamp at the last count of a place

    # The queue ------------------------------------------------------------------------------
    # Positions are the coder's assignment positions, or import order without an assignment; a
    # document outside the coder's queue (opened by find) has position 0, and `n` from it goes to
    # the queue's first document.
    def queue_size(self) -> int:
        with self.engine.connect() as conn:
            return assignments.queue_length(conn, self.coder_pk) if self.assigned else documents.count(conn)

    def position(self, document_pk: int) -> int:
        with self.engine.connect() as conn:
            if self.order != "sequential":
                if self.assigned and assignments.position(conn, self.coder_pk, document_pk) is None:
                    return 0
                self._counted_at = documents.order_stamp(conn)  # (places carried from this one hold till it moves)
                return documents.position(conn, document_pk, self.order, self.coder_pk if self.assigned else None)
            if self.assigned:
                return assignments.position(conn, self.coder_pk, document_pk) or 0
            return documents.position(conn, document_pk)

    def position_from(self, from_pk: int, from_position: int | None, document_pk: int) -> int | None:
        """The position of a document reached from another (at from_position) in the queue: in the
        random and uncertain orders counted over the documents between them alone (counting every
        one before it took 130 ms deep in a million documents). None where only that count would
        do: the other's place is not known, or documents were added or suggested since it was."""
        if self.order == "sequential":
            return self.position(document_pk)
        if not from_position:  # not in the queue, or not counted yet
            return None
        assigned = self.coder_pk if self.assigned else None
        with self.engine.connect() as conn:
            if documents.order_stamp(conn) != self._counted_at:
                return None
            if self.assigned and assignments.position(conn, self.coder_pk, document_pk) is None:
                return 0
            ahead = documents.count_between(conn, self.order, from_pk, document_pk, assigned)
            if ahead is not None:
                return from_position + ahead
            behind = documents.count_between(conn, self.order, document_pk, from_pk, assigned)
        return from_position - behind if behind is not None else None

    def done_today(self) -> int:
        local_midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        with self.engine.connect() as conn:
            return annotations.done_since(conn, self.coder_pk, local_midnight.astimezone(UTC))

    def first_unfinished(self, or_first: bool = True) -> int | None:
        """Where the coder resumes: the first document not done or skipped (else, if asked, the first)."""
        if self.order == "sequential":  # documents finished by import, say; a read-only database reads on
            keep_if_possible(self.engine, lambda conn: progress.raise_mark(conn, self.coder_pk, self.assigned))
        with self.engine.connect() as conn:
            found = self._neighbour(conn, 0, True, unfinished=True)
            return found if found is not None or not or_first else self._neighbour(conn, 0, True)

    def resume_point(self) -> int | None:
        """Where the screen opens: the document the coder last had open, else the first unfinished."""
        with self.engine.connect() as conn:
            last = annotations.last_document(conn, self.coder_pk)
        return last if last is not None else self.first_unfinished()

    def next_pk(self, document_pk: int, unfinished: bool = False) -> int | None:
        with self.engine.connect() as conn:
            return self._neighbour(conn, document_pk, True, unfinished)

    def previous_pk(self, document_pk: int) -> int | None:
        with self.engine.connect() as conn:
            return self._neighbour(conn, document_pk, False)

    def _neighbour(self, conn: Connection, document_pk: int, forward: bool, unfinished: bool = False) -> int | None:
        """From document_pk (0: before the first) to the next or previous in the coder's queue."""
        if self.order != "sequential":
            if self.assigned and document_pk and assignments.position(conn, self.coder_pk, document_pk) is None:
                document_pk = 0  # opened by find, outside the queue: on to the queue's first
            return documents.neighbour(conn, document_pk, forward, self.coder_pk if unfinished else None, self.order,
                                       self.coder_pk if self.assigned else None,
                                       None if self.assigned else self.coder_pk)
        # The next unfinished one is looked for from the coder's finished-through mark when that lies
        # ahead: what is behind it is all finished, and walking it cost as much as the queue was long.
        marks = progress.marks(conn, self.coder_pk) if unfinished and forward else (0, 0)
        if not self.assigned:  # every document, but the single-coded ones another coder has open
            return documents.neighbour(conn, max(document_pk, marks[0]), forward, self.coder_pk if unfinished else None,
                                       free_for=self.coder_pk)
        at = (assignments.position(conn, self.coder_pk, document_pk) or 0) if document_pk else 0
        if at == 0 and not forward:
            return None
        return assignments.neighbour(conn, self.coder_pk, max(at, marks[1]), forward, unfinished)

    def find(self, text: str) -> list[tuple[int, str, str]]:
        with self.engine.connect() as conn:
            return documents.find(conn, text)

    # One document -----------------------------------------------------------------------------
    def open(self, document_pk: int) -> OpenDocument:
        """Load a document for coding and start timing it; a single-coded one is leased to this
        coder while they have it open (others' queues pass it by)."""
        opened = self.load(document_pk)
        try:
            if write(self.engine, lambda conn: leases.take(conn, document_pk, self.coder_pk, LEASE)):
                self._leased.add(document_pk)
        except StoreError as exc:  # the lease keeps the others off: a locked or read-only database
            if not cannot_write_now(exc):  # must not stop this coder
                raise
        self.start_timing()
        return opened

    def start_timing(self) -> None:
        self._timer = ActiveTime(self.clock())

    def touch(self) -> None:
        """The coder pressed a key: they are active, whether or not it changed anything."""
        timer = self._timer
        if timer is not None:
            with self._timer_lock:  # a large store takes the seconds from a worker meanwhile
                timer.touch(self.clock())

    def seconds_on_document(self) -> float:
        return self._timer.total(self.clock()) if self._timer is not None else 0.0

    def load(self, document_pk: int) -> OpenDocument:
        """The document with the suggestions in use and this coder's annotation (reads only: safe
        from a worker thread, which is how the screen fetches the next document ahead of time)."""
        with self.engine.connect() as conn:
            doc = documents.get(conn, document_pk)
            rows = None if doc.blind else suggestions.shown_rows(conn, document_pk)
            suggestion = suggestions.of_rows(conn, rows)
            stored = annotations.of_coder(conn, document_pk, self.coder_pk)
        return OpenDocument(doc.pk, doc.id, doc.title, doc.text, doc.meta, suggestion, stored or Annotation(), doc.blind,
                            self.codebook.targets_for(doc.meta), rows)

    def is_current(self, doc: OpenDocument) -> bool:
        """Whether a document read ahead still has the suggestions it would be read with now: a
        model put in use, or its suggestions stored (`train --suggest`), since make it stale."""
        if doc.blind:
            return True
        with self.engine.connect() as conn:
            return suggestions.shown_rows(conn, doc.pk) == doc.shown_rows

    def tokens(self, text: str) -> tuple[list[int], list[int]]:
        """spaCy's token boundaries (its rule-based tokenizer: no model weights); slow the first time.
        A long text's are cut in the NLP process: seconds of tokenizing in a thread hold the screen."""
        if len(text) > LONG_TEXT:
            bounds: tuple[list[int], list[int]] = self._nlp.call(tokens_of, text)
            return bounds
        from annotator.nlp.tokens import token_bounds

        return token_bounds(text)

    def suggest_missing(self, document_pk: int) -> Suggestion | None:
        """Suggest for a document that has no suggestion yet (from a worker thread: the model runs in
        the NLP process, loaded on first use)."""
        if not self._writes_gold:  # a coder's PostgreSQL role stores no suggestions: a lead's `suggest` does
            return None
        if self._pipeline is None:  # the model, loaded and run in the NLP process
            self._nlp.call(suggest_stored, self.engine.url.render_as_string(hide_password=False), document_pk,
                           self._model)
        else:  # a pipeline handed in (tests' rule-based one): here
            from annotator.services.suggest import suggest_document

            with self._pipeline_lock:
                suggest_document(self.engine, document_pk, self._pipeline)
        with self.engine.connect() as conn:
            return suggestions.shown(conn, document_pk)

    def apply(self, doc: OpenDocument, kind: EditKind, edit: Callable[[Annotation], Annotation],
              on_progress: Progress | None = None) -> bool:
        """Run an edit and store its result at once; False when it changed nothing. A label the
        codebook does not have is refused (InputError) before anything is stored. `on_progress` is
        told how far the store is (rows written, rows in all), for a large one run off the screen."""
        if kind not in EDIT_KINDS:  # the event table's words are the vocabulary's, never a screen's own
            raise ValueError(f"{kind!r} is not one of {EDIT_KINDS}")
        before = doc.annotation
        after = edit(before)
        if after == before:
            return False
        check_labels(after, self.codebook)
        shown = doc.suggestion is not None and bool(doc.suggestion.spans or doc.suggestion.stances)
        self._store(doc.pk, kind, before, after, shown=shown, models=_models_shown(doc.suggestion),
                    on_progress=on_progress)
        self._undo.append(Change(doc.pk, kind, before, after))
        self._redo.clear()
        doc.annotation = after
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def next_step(self, undo: bool) -> Change | None:
        """The change the next undo (or redo) would take back (or make again), to weigh it first."""
        steps = self._undo if undo else self._redo
        return steps[-1] if steps else None

    def undo(self, on_progress: Progress | None = None) -> Change | None:
        """Store the state before the last change; returns that change (its document may be another)."""
        if not self._undo:
            return None
        change = self._undo[-1]
        self._store(change.document_pk, f"undo {change.kind}", change.after, change.before, shown=False,
                    on_progress=on_progress)
        self._redo.append(self._undo.pop())  # only once stored: a failed undo can be tried again
        return change

    def redo(self, on_progress: Progress | None = None) -> Change | None:
        if not self._redo:
            return None
        change = self._redo[-1]
        self._store(change.document_pk, f"redo {change.kind}", change.before, change.after, shown=False,
                    on_progress=on_progress)
        self._undo.append(self._redo.pop())
        return change

    def close(self) -> None:
        """The session ends: its NLP process with it, whatever it was doing."""
        self._nlp.close()

    def leave(self, doc: OpenDocument, closing: bool = False, just_stored: bool = False) -> None:
        """Add the active time not yet stored to the document's annotation (when there is one);
        when the screen is closing, remember the document as where to reopen. `just_stored`: the
        key that moves on (`d`, `s`) stored the time up to itself with the status, and writing the
        milliseconds since would cost a second commit, and its fsync, on every `d`."""
        timer, self._timer = self._timer, None
        if timer is None:
            seconds = 0.0
        else:
            seconds = timer.take_to_last_action() if just_stored else timer.take(self.clock())
        leased = doc.pk in self._leased
        if seconds <= 0 and not closing and not leased:
            return
        try:
            with self.engine.begin() as conn:
                if leased:  # given up: the document is anyone's again
                    leases.release(conn, doc.pk, self.coder_pk)
                    self._leased.discard(doc.pk)
                if seconds > 0:
                    annotations.add_seconds(conn, doc.pk, self.coder_pk, seconds)
                if closing:
                    annotations.set_last_document(conn, self.coder_pk, doc.pk)
        except StoreError as exc:  # time and place are conveniences: a locked or read-only database must
            if not cannot_write_now(exc):  # not stop the coder moving on
                raise

    def _store(self, document_pk: int, kind: str, before: Annotation, after: Annotation, shown: bool,
               models: tuple[str | None, str | None] = (None, None), on_progress: Progress | None = None) -> None:
        timer = self._timer
        on_open_document = timer is not None and not kind.startswith(("undo", "redo"))
        with self._timer_lock:
            seconds = timer.take(self.clock()) if timer is not None and on_open_document else 0.0
        def store(conn: Connection) -> None:
            pk = annotations.write(conn, document_pk, self.coder_pk, after, add_seconds=seconds,
                                   suggestions_shown=shown, models_shown=models, progress=on_progress)
            events.add(conn, kind, coder_pk=self.coder_pk, document_pk=document_pk, annotation_pk=pk,
                       before=before.to_json(), after=after.to_json())
            annotations.set_last_document(conn, self.coder_pk, document_pk)  # where a crash resumes
            if after.status in progress.FINISHED:
                progress.raise_mark(conn, self.coder_pk, self.assigned)
            elif before.status in progress.FINISHED:
                progress.lower_marks(conn, self.coder_pk, document_pk)
            gold_service.keep_in_step(conn, document_pk, self.codebook, self._writes_gold)
            if document_pk in self._leased:
                leases.take(conn, document_pk, self.coder_pk, LEASE)  # renewed while the coder works on it

        try:
            write(self.engine, store, SAVE_PATIENCE)  # another writer in the way (an import, gold): waited out
        except StoreError as exc:
            if not cannot_write_now(exc):
                raise
            if timer is not None and on_open_document:
                with self._timer_lock:
                    timer.give_back(seconds)
            cause, advice = failure_cause(exc) or (f"the database refused it ({exc.orig})", "press the key again")
            raise SaveFailed(f"not saved: {cause}; nothing changed; {advice}") from exc


def _models_shown(suggestion: Suggestion | None) -> tuple[str | None, str | None]:
    """("name:version" of the entity model, of the stance model) whose suggestions the coder sees."""
    if suggestion is None:
        return (None, None)
    return (f"{suggestion.model}:{suggestion.version}" if suggestion.spans else None,
            ":".join(suggestion.stance_source) if suggestion.stances else None)
