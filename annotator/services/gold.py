"""Gold: derived by rule from the done annotations (`annotator gold`), kept in step when a coder
changes one, and settled item by item by a lead (`annotator review`)."""

from __future__ import annotations as _postponed  # the name `annotations` is the store module

import gc
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import chain
from typing import Any

from annotator.domain.codebook import Codebook
from annotator.domain.coding import Annotation
from annotator.domain.errors import InputError
from annotator.domain.gold import CoderVersion, Derived, Dispute, derive
from annotator.domain.spans import Span, Stance
from annotator.processes import GOLD_WORKER_MODULES, die_with_parent, worker_context
from annotator.services.access_rules import require_lead, require_self_or_lead, writes_gold
from annotator.services.project import active_codebook
from annotator.store import annotations, assignments, documents, events, gold, identity, reliability, suggestions
from annotator.store.documents import StoredDocument
from annotator.store.engine import Connection, Engine, keep_if_possible, make_engine
from annotator.store.gold import Adjudication, DerivedRow, GoldItem


SLICE = 5_000  # documents derived and written at a time: memory stays flat


@dataclass
class GoldReport:
    documents: int = 0  # documents with gold (derived now or adjudicated before)
    settled: int = 0  # of them, with nothing disputed
    disputed_documents: int = 0
    single_coder: int = 0  # documents one coder did: their annotation passes as it is
    items: Counter[Any] = field(default_factory=Counter)  # unanimous / majority / disputed
    outvoted: int = 0  # spans a minority marked, left out by the majority
    adjudicated_kept: int = 0  # items a lead settled earlier, left as they were
    # Coded items left out as their label is not the codebook's (written around the tool, in SQL):
    # how many, on how many documents, and the first of those (pks while deriving, then ids).
    outside_codebook: int = 0
    outside_documents: int = 0
    outside_first: list[int] = field(default_factory=list)  # document pks
    outside_ids: list[str] = field(default_factory=list)  # their ids, for the summary

    def add(self, other: GoldReport) -> None:
        for name in ("documents", "settled", "disputed_documents", "single_coder", "outvoted", "adjudicated_kept",
                     "outside_codebook", "outside_documents"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.items.update(other.items)
        self.outside_first = (self.outside_first + other.outside_first)[:OUTSIDE_SHOWN]

    def left_out(self, document_pk: int, items: int) -> None:
        """`items` of a coder's items on the document are outside the codebook."""
        self.outside_codebook += items
        if document_pk not in self.outside_first[-1:]:  # rows come by document
            self.outside_documents += 1
            if len(self.outside_first) < OUTSIDE_SHOWN:
                self.outside_first.append(document_pk)


OUTSIDE_SHOWN = 5  # documents named in the summary


def version_of(annotation: Annotation) -> CoderVersion:
    return CoderVersion(frozenset((s.start, s.end, s.label) for s in annotation.spans),
                        {s.target: s.label for s in annotation.stances})


def _decisions_on(conn: Connection, document_pk: int) -> list[Adjudication]:
    return gold.adjudications(conn, (document_pk, document_pk + 1)).get(document_pk, [])


def _regions(decisions: list[Adjudication]) -> tuple[list[tuple[int, int]], list[str]]:
    return ([(a.start, a.end) for a in decisions if a.kind == "span"],
            [a.target for a in decisions if a.kind == "stance" and a.target is not None])


def derive_all(engine: Engine, min_agreement: int | None = None, *, workers: int | None = None,
               slice_size: int = SLICE, actor: str | None = None) -> GoldReport:
    """Gold for every document with a done annotation; adjudicated items are never replaced.

    Slices of the project are read and derived in `workers` processes (default: one per core, at
    most 4) while this one writes what changed, all under the write lock taken first."""
    if min_agreement is not None and not 1 <= min_agreement <= 1000:
        raise InputError(f"--min-agreement {min_agreement}: give the number of coders who must agree on an item, "
                         "from 1 to 1000")
    codebook = active_codebook(engine)
    targets, labels = tuple(codebook.target_names), _labels(codebook)
    report = GoldReport()
    with engine.begin() as conn, no_cycle_collection():
        require_lead(conn, actor, "deriving gold")
        gold.hold_writes(conn)
        last = reliability.last_document(conn)
        slices = [(first, first + slice_size) for first in range(1, last + 1, slice_size)]
        workers = min(len(slices), workers or min(os.cpu_count() or 1, 4))
        results: Iterator[tuple[GoldReport, bytes | list[DerivedRow]]]
        pool: ProcessPoolExecutor | None
        if workers > 1:
            pool = ProcessPoolExecutor(workers, mp_context=_worker_context(), initializer=die_with_parent)
            rest = pool.map(_SliceDeriver(engine.url.render_as_string(hide_password=False), targets,
                                          min_agreement, labels), slices[1:])
            # The workers' server takes a second to start (a new interpreter): this process derives
            # the first slice meanwhile.
            first, rows = derive_slice(conn, slices[0], targets, min_agreement, labels)
            results = chain([(first, gold.pack(conn, rows))], rest)
        else:
            pool = None
            results = (derive_slice(conn, between, targets, min_agreement, labels) for between in slices)
        try:
            for part, packed in results:
                report.add(part)
                gold.store_packed(conn, packed, min_agreement)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        derived = report.documents
        report.documents = gold.count(conn)
        headings = documents.headings(conn, report.outside_first)
        report.outside_ids = [headings[pk][0] for pk in report.outside_first]
        gold.forget_stale(conn)  # every document was derived again
        events.add(conn, "gold_derive", after={"min_agreement": min_agreement, "documents": derived,
                                               **dict(report.items), "outside_codebook": report.outside_codebook})
    return report


def _labels(codebook: Codebook) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(codebook.entity_labels), frozenset(codebook.stance_labels)


def derive_slice(conn: Connection, between: tuple[int, int], targets: Sequence[str],
                 min_agreement: int | None, labels: tuple[frozenset[str], frozenset[str]] | None = None
                 ) -> tuple[GoldReport, list[Any]]:
    """Derive the documents with keys in [from, to): the tally, and the rows whose gold changes.
    With `labels` (the codebook's entity and stance labels), nothing outside them becomes gold."""
    report = GoldReport()
    names = reliability.coder_names(conn)
    versions: dict[int, dict[str, CoderVersion]] = {}
    for doc, coder, spans, stances in reliability.done_versions(conn, between):
        version = CoderVersion(spans, stances)
        if labels:
            kept = version.within(*labels)
            if kept is not version:
                report.left_out(doc, len(version.spans) - len(kept.spans) + len(version.stances) - len(kept.stances))
            version = kept
        versions.setdefault(doc, {})[names[coder]] = version
    if not versions:
        return report, []
    decided_before = gold.adjudications(conn, between)
    rows = []
    for doc, by_coder in versions.items():
        regions, settled_targets = _regions(decided_before.get(doc, []))
        derived = derive(by_coder, targets, min_agreement=min_agreement, adjudicated_regions=regions,
                         adjudicated_targets=settled_targets)
        rows.append(gold.DerivedRow.of(doc, derived.decided, len(derived.disputes), sorted(by_coder)))
        _tally(report, derived, len(decided_before.get(doc, [])))
    report.documents = len(rows)
    return report, gold.to_write(conn, rows, min_agreement)


@dataclass(frozen=True)
class _SliceDeriver:
    """`derive_slice` in a worker process, on its own connection (one engine per process)."""
    url: str
    targets: tuple[str, ...]
    min_agreement: int | None
    labels: tuple[frozenset[str], frozenset[str]] | None = None

    def __call__(self, between: tuple[int, int]) -> tuple[GoldReport, bytes | list[Any]]:
        engine = _worker_engine(self.url)
        with engine.connect() as conn, no_cycle_collection():
            report, rows = derive_slice(conn, between, self.targets, self.min_agreement, self.labels)
            return report, gold.pack(conn, rows)


def _worker_context() -> BaseContext:
    """See `processes.worker_context`; the server, like its workers, ends with this process."""
    return worker_context(GOLD_WORKER_MODULES)


@cache
def _worker_engine(url: str) -> Engine:
    return make_engine(url)


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Reading and deriving allocate millions of small acyclic objects (freed by reference counting);
    the cycle collector's passes over them were a fifth of `annotator gold` and of `annotator agree`
    at 100,000 documents."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _tally(report: GoldReport, derived: Derived, adjudicated: int) -> None:
    for decided in derived.decided:
        report.items[decided.how] += 1
    report.items["disputed"] += len(derived.disputes)
    report.outvoted += derived.outvoted
    report.adjudicated_kept += adjudicated
    report.single_coder += derived.coders == 1
    if derived.disputes:
        report.disputed_documents += 1
    else:
        report.settled += 1


def derive_document(conn: Connection, document_pk: int, codebook: Codebook) -> Derived:
    """Derive one document's gold again (a coder changed a done annotation of it), with the bar it
    was derived with; what a lead adjudicated stays."""
    labels = _labels(codebook)
    done = {a.coder: version_of(a.annotation).within(*labels) for a in annotations.of_document(conn, document_pk)
            if a.annotation.status == "done"}
    decisions = _decisions_on(conn, document_pk)
    regions, settled_targets = _regions(decisions)
    derived = derive(done, codebook.target_names, min_agreement=gold.min_agreement(conn, document_pk),
                     adjudicated_regions=regions, adjudicated_targets=settled_targets)
    if not done and not decisions:  # every coder took back done: no gold, rather than empty "unanimous" gold
        gold.remove(conn, document_pk)
        return derived
    gold.replace_derived(conn, [gold.DerivedRow.of(document_pk, derived.decided, len(derived.disputes), sorted(done))],
                         gold.min_agreement(conn, document_pk))
    return derived


def keep_in_step(conn: Connection, document_pk: int, codebook: Codebook, writes_gold: bool = True) -> None:
    """Called with every stored change of an annotation: a document whose gold was derived here is
    derived again (imported gold is kept as it came). A writer who may not write gold (a coder's
    role on PostgreSQL) marks it stale instead, for the next lead's command to derive."""
    if not writes_gold:
        if gold.has_derived(conn, document_pk):
            gold.mark_stale(conn, document_pk)
    elif gold.is_derived(conn, document_pk):
        derive_document(conn, document_pk, codebook)


def catch_up(engine: Engine, codebook: Codebook | None = None, batch: int = 500) -> int:
    """Derive again the documents coders' changes made stale (by a role that may write gold; others
    leave them); returns how many are left stale."""
    with engine.connect() as conn:
        if not gold.stale(conn, 1):
            return 0
        if not writes_gold(conn):
            return gold.stale_count(conn)
    codebook = codebook or active_codebook(engine)

    def derive_stale(conn: Connection) -> None:
        while pks := gold.stale(conn, batch):
            for pk in pks:
                if gold.is_derived(conn, pk):
                    derive_document(conn, pk, codebook)
            gold.forget_stale(conn, pks)

    if not keep_if_possible(engine, derive_stale):  # a read-only database: exported as derived before
        with engine.connect() as conn:
            return gold.stale_count(conn)
    return 0


# Review ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewDocument:
    document: StoredDocument
    versions: dict[str, CoderVersion]  # coder -> their done annotation
    suggested: CoderVersion | None  # the model's suggestion, beside the coders'
    derived: Derived  # decided items and what is left to settle
    gold: list[GoldItem]  # what gold holds now
    adjudications: list[Adjudication]


@dataclass(frozen=True)
class _Undo:
    document_pk: int
    adjudication_pk: int
    replaced: list[tuple[Adjudication, list[Span | Stance]]]  # earlier decisions it overwrote


class ReviewSession:
    """A lead settling disputes; every decision is stored at once as adjudicated gold, with an event,
    and can be undone."""

    @classmethod
    def for_lead(cls, engine: Engine, lead: str | None) -> ReviewSession:
        """The session `review` opens: `lead` defaults to the acting person, and reviewing as someone
        else needs the lead role."""
        with engine.connect() as conn:
            me = identity.acting(conn)
            require_self_or_lead(conn, lead or me, None, "reviewing")
        return cls(engine, lead or me)

    def __init__(self, engine: Engine, lead: str) -> None:
        self.engine, self.lead = engine, lead
        self.codebook = active_codebook(engine)
        with engine.connect() as conn:
            role = assignments.role_of(conn, lead)
        if role != "lead":
            raise InputError(f"{lead} is {'not a coder here' if role is None else 'a ' + role}: only a lead reviews "
                             f"and adjudicates; a lead can make them one with `annotator coder add {lead} --role lead`")
        with engine.begin() as conn:
            self.lead_pk = annotations.coder_pk(conn, lead)
        catch_up(engine, self.codebook)  # coders' changes since gold was last derived
        self._undo: list[_Undo] = []

    def disputed_after(self, document_pk: int = 0) -> int | None:
        with self.engine.connect() as conn:
            return gold.disputed_neighbour(conn, document_pk)

    def disputed_before(self, document_pk: int) -> int | None:
        with self.engine.connect() as conn:
            return gold.disputed_neighbour(conn, document_pk, forward=False)

    def load(self, document_pk: int) -> ReviewDocument:
        with self.engine.connect() as conn:
            doc = documents.get(conn, document_pk)
            labels = _labels(self.codebook)  # what gold may hold: a label written around the tool is no version
            versions = {a.coder: version_of(a.annotation).within(*labels)
                        for a in annotations.of_document(conn, document_pk) if a.annotation.status == "done"}
            suggestion = suggestions.shown(conn, document_pk)
            decided = _decisions_on(conn, document_pk)
            regions, settled_targets = _regions(decided)
            derived = derive(versions, self.codebook.target_names, min_agreement=gold.min_agreement(conn, document_pk),
                             adjudicated_regions=regions, adjudicated_targets=settled_targets)
            items = gold.of_document(conn, document_pk) or []
        suggested = None
        if suggestion is not None:
            suggested = CoderVersion(frozenset((s.start, s.end, s.label) for s in suggestion.spans),
                                     {s.target: s.label for s in suggestion.stances})
        return ReviewDocument(doc, versions, suggested, derived, items, decided)

    def pick(self, document_pk: int, dispute: Dispute, coder: str | None) -> None:
        """Settle a dispute with one coder's version of it (None: nothing, no span or no stance)."""
        version = dispute.versions.get(coder) if coder is not None else None
        if dispute.kind == "span":
            items: list[Span | Stance] = [Span(*s) for s in (version or ())]
        else:
            assert dispute.target is not None and not isinstance(version, tuple), "a stance dispute names a target"
            items = [Stance(dispute.target, version)] if version else []
        self._store(document_pk, dispute, items, f"adjudicate: {coder or 'none'}")

    def settle(self, document_pk: int, dispute: Dispute, items: list[Span | Stance]) -> None:
        """Settle a dispute with the lead's own version (edited in the review screen)."""
        labels = self.codebook.entity_labels if dispute.kind == "span" else self.codebook.stance_labels
        for item in items:
            if item.label not in labels:
                raise InputError(f"{item.label!r} is not a label of the codebook: {', '.join(labels)}")
        self._store(document_pk, dispute, items, "adjudicate: edited")

    def majority(self, document_pk: int, dispute: Dispute) -> str | None:
        """Settle with the version most coders have (for spans, marking nothing is a version too);
        returns whose it is (None: nothing), or raises when tied."""
        counts = Counter(v for v in dispute.versions.values() if v is not None)
        if not counts:
            raise InputError("no coder has anything here: x settles it as nothing")
        (best, n), *rest = counts.most_common()
        if rest and rest[0][1] == n:
            raise InputError(f"no majority: {n} coder(s) each for {sum(1 for _, c in counts.items() if c == n)} "
                             "versions; pick one with its number, or x for nothing")
        coder = next(c for c, v in dispute.versions.items() if v == best)
        self.pick(document_pk, dispute, coder if best else None)
        return coder if best else None

    def _store(self, document_pk: int, dispute: Dispute, items: list[Span | Stance], kind: str) -> None:
        spans = [i for i in items if isinstance(i, Span)]
        if spans:  # a lead's own span may reach past the disputed region: the decision covers both
            dispute = replace(dispute, start=min(dispute.start, *(s.start for s in spans)),
                              end=max(dispute.end, *(s.end for s in spans)))
        with self.engine.begin() as conn:
            earlier = [(a, self._items_of(conn, document_pk, a)) for a in _decisions_on(conn, document_pk)
                       if (a.kind == dispute.kind == "stance" and a.target == dispute.target)
                       or (a.kind == dispute.kind == "span" and a.start < dispute.end and dispute.start < a.end)]
            pk = gold.adjudicate(conn, document_pk, self.lead_pk, dispute.kind, dispute.start, dispute.end,
                                 dispute.target, items)
            derived = derive_document(conn, document_pk, self.codebook)
            events.add(conn, kind, coder_pk=self.lead_pk, document_pk=document_pk,
                       before={"dispute": dispute.key}, after={"items": [repr(i) for i in items],
                                                               "disputes_left": len(derived.disputes)})
        self._undo.append(_Undo(document_pk, pk, earlier))

    @staticmethod
    def _items_of(conn: Connection, document_pk: int, a: Adjudication) -> list[Span | Stance]:
        held = [i.item for i in gold.of_document(conn, document_pk) or [] if i.how == "adjudicated"]
        if a.kind == "span":
            return [i for i in held if isinstance(i, Span) and i.start < a.end and a.start < i.end]
        return [i for i in held if isinstance(i, Stance) and i.target == a.target]

    def undo(self) -> int | None:
        """Take back the last decision (restoring any it replaced); returns its document."""
        if not self._undo:
            return None
        last = self._undo.pop()
        with self.engine.begin() as conn:
            gold.remove_adjudication(conn, last.adjudication_pk)
            for earlier, items in last.replaced:
                gold.adjudicate(conn, last.document_pk, self.lead_pk, earlier.kind, earlier.start, earlier.end,
                                earlier.target, items)
            derive_document(conn, last.document_pk, self.codebook)
            events.add(conn, "undo adjudicate", coder_pk=self.lead_pk, document_pk=last.document_pk)
        return last.document_pk
