"""`annotator agree`: intercoder reliability of the done annotations, from the store to the report.

Two roads to the same figures: `agreement` reads a slice of documents at a time into columns of
integers (the command, over whole projects); `load` and `agreement_report` build mappings per
document, which the dashboard also ranks documents from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.domain.errors import InputError
from annotator.domain.tokens import token_spans, token_starts
from annotator.services.project import codebook_names
from annotator.store import reliability
from annotator.store.engine import Connection, Engine, keep_if_possible

Spans = list[tuple[int, int, str]]


@dataclass(frozen=True)
class AgreementData:
    """Done annotations in the domain's shapes, keyed by document pk: units per target, spans per
    document with every coder of it (an empty list for none found), and for token-level alpha the
    tokens under some coder's span plus how many tokens lie outside every span."""
    stances: dict[str, dict[int, dict[str, str]]]  # target -> document -> coder -> label
    spans: dict[int, dict[str, Spans]]  # document (done by two coders or more) -> coder -> spans
    tokens: dict[int, list[tuple[int, int]]]  # document -> tokens under some span
    outside: dict[int, int]  # document -> tokens under no coder's span
    coders: tuple[str, ...]
    # For blind against assisted documents: every done annotation's spans (documents one coder did
    # included), which documents are blind, and each document's newest suggestion.
    coded_spans: dict[int, dict[str, Spans]] = field(default_factory=dict)
    blind: frozenset[int] = frozenset()
    suggested: dict[int, tuple[Spans, dict[str, str]]] = field(default_factory=dict)

    @property
    def shared_documents(self) -> int:
        return len(self.spans)


def load(engine: Engine, coders: Sequence[str] | None = None, target: str | None = None) -> AgreementData:
    from annotator.services.gold import no_cycle_collection  # (loaded when used: agree does without it)

    with no_cycle_collection():
        return _load(engine, coders, target)


def _load(engine: Engine, coders: Sequence[str] | None, target: str | None) -> AgreementData:
    codebook = codebook_names(engine)
    if target is not None and target not in codebook.targets:
        raise InputError(f"target {target!r} is not in the codebook; its targets: {', '.join(codebook.targets)}")
    with engine.connect() as conn:
        names = reliability.coder_names(conn)
        pks = _chosen(names, coders)
        # By document key, whatever order the database returns rows in: a sum over units (alpha's,
        # Fleiss') can differ in its last bit with their order, and `agreement` goes by key.
        done = sorted(reliability.done_annotations(conn, pks))
        per_document = Counter(doc for doc, _ in done)
        coded_spans: dict[int, dict[str, Spans]] = {}
        for doc, coder in done:
            coded_spans.setdefault(doc, {})[names[coder]] = []
        for doc, coder, start, end, label in reliability.done_spans(conn, pks):
            coded_spans[doc][names[coder]].append((start, end, label))
        # one coder's work agrees with nobody: nothing to compare
        spans = {doc: by_coder for doc, by_coder in coded_spans.items() if per_document[doc] >= 2}
        stances: dict[str, dict[int, dict[str, str]]] = {t: {} for t in ([target] if target else codebook.targets)}
        for doc, coder, target_name, label in sorted(reliability.done_stances(conn, pks, target)):
            stances.setdefault(target_name, {}).setdefault(doc, {})[names[coder]] = label
        tokens, outside, counted = _tokens(conn, spans)
        blind = frozenset(reliability.blind_documents(conn))
        suggested = reliability.newest_suggestions(conn)
    if counted:  # kept for the next report; a read-only or busy database just computes them again
        keep_if_possible(engine, lambda conn: reliability.keep_token_counts(conn, counted))
    return AgreementData(stances, spans, tokens, outside, tuple(sorted({names[c] for _, c in done})), coded_spans,
                         blind, suggested)


def _tokens(conn: Connection, spans: dict[int, dict[str, Spans]]
            ) -> tuple[dict[int, list[tuple[int, int]]], dict[int, int], dict[int, int]]:
    """Tokens under the union of every coder's spans, tokenizing only those stretches of text; the
    rest of each document counts as outside, from its kept token count (computed once)."""
    totals: dict[int, int | None] = dict(reliability.token_counts(conn, sorted(spans)))
    missing = sorted(doc for doc, n in totals.items() if n is None)
    counted: dict[int, int] = {}
    tokens: dict[int, list[tuple[int, int]]] = {}
    outside: dict[int, int] = {}
    texts = dict(reliability.texts(conn, sorted(d for d, by in spans.items() if any(by.values()) or totals.get(d) is None)))
    for doc in missing:
        counted[doc] = totals[doc] = len(token_spans(texts[doc]))
    known = {doc: n for doc, n in totals.items() if n is not None}  # all of them now
    for doc, by_coder in spans.items():
        covered = []
        for start, end in _union(s for coded in by_coder.values() for s in coded):
            covered += [(start + a, start + b) for a, b in token_spans(texts[doc][start:end])]
        tokens[doc] = covered
        outside[doc] = max(known[doc] - len(covered), 0)
    return tokens, outside, counted


def _union(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end, _ in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def agreement_report(data: AgreementData, draws: int = 1000, seed: int = 0) -> dict[str, Any]:
    """The JSON of `annotator agree --json`; None wherever a coefficient is undefined."""
    from annotator.domain.agreement import report
    from annotator.services.gold import no_cycle_collection

    with no_cycle_collection():
        result = report(data.stances, data.spans, data.tokens, outside=data.outside, draws=draws, seed=seed)
        result["suggestions"] = suggestion_report(data)
    return result


def suggestion_report(data: AgreementData) -> dict[str, Any]:
    """Blind documents against assisted ones: coders with each other, and each with the model."""
    from annotator.domain.anchoring import condition_report

    model_spans = {doc: spans for doc, (spans, _) in data.suggested.items()}
    model_stances = {doc: stances for doc, (_, stances) in data.suggested.items()}
    coded = set(data.coded_spans)
    return {condition: condition_report(data.stances, data.coded_spans, model_stances, model_spans, docs)
            for condition, docs in (("assisted", coded - data.blind), ("blind", coded & data.blind))}


@dataclass(frozen=True)
class Agreement:
    report: dict[str, Any]  # as agreement_report's
    shared_documents: int  # done by two coders or more
    coders: tuple[str, ...]  # with a done annotation


def agreement(engine: Engine, coders: Sequence[str] | None = None, target: str | None = None,
              draws: int = 1000, seed: int = 0, slice_documents: int | None = None) -> Agreement:
    """The report of `annotator agree`, read a slice of documents at a time as columns of integers:
    the figures of agreement_report(load(...)) without a Python object per stance or span."""
    import numpy as np

    from annotator.domain.agreement_columns import StanceTally, report
    from annotator.domain.agreement_tally import EntityTally, SpanSlice
    from annotator.store import reliability_packed as packed

    codebook = codebook_names(engine)
    if target is not None and target not in codebook.targets:
        raise InputError(f"target {target!r} is not in the codebook; its targets: {', '.join(codebook.targets)}")
    # the names the columns' numbers stand for; those found in the annotations are appended
    targets = [target] if target else list(codebook.targets)
    stance_labels, entity_labels = list(codebook.stance_labels), list(codebook.entity_labels)
    counted: dict[int, int] = {}  # token counts computed here, kept for the next report
    with engine.connect() as conn:
        names = reliability.coder_names(conn)
        pks = _chosen(names, coders)
        chosen = sorted(names[pk] for pk in (pks if pks is not None else names))
        place = {name: i for i, name in enumerate(chosen)}
        column = np.full(max(names, default=0) + 1, -1, dtype=np.int64)  # coder pk -> place in chosen
        for pk, name in names.items():
            column[pk] = place.get(name, -1)
        tally, stance_tally = EntityTally(chosen, entity_labels), StanceTally(len(chosen), targets, stance_labels)
        blind = np.array(sorted(reliability.blind_documents(conn)), dtype=np.int64)
        step = slice_documents or packed.SLICE_DOCUMENTS
        for first in range(1, reliability.last_document(conn) + 1, step):
            between = (first, first + step)
            done = packed.packed_done(conn, between, pks)
            if not len(done):
                continue
            stances = packed.packed_stances(conn, between, pks, target, targets, stance_labels)
            spans = packed.packed_spans(conn, between, pks, entity_labels)
            for rows in (done, stances, spans):
                rows[:, 1] = column[rows[:, 1]]
            suggested, model_spans, model_stances = _suggestion_columns(
                reliability.newest_suggestions(conn, between), targets, stance_labels, entity_labels)
            texts, totals = {}, {}
            for doc, count, text in packed.shared_texts(conn, between, pks):
                texts[doc] = text
                totals[doc] = count if count is not None else counted.setdefault(doc, len(token_starts(text)))
            tally.add(SpanSlice(done, spans, suggested, model_spans, blind, texts, totals))
            stance_tally.add(stances, model_stances, blind)
    if counted:  # a read-only or busy database just computes them again
        keep_if_possible(engine, lambda conn: reliability.keep_token_counts(conn, counted))
    return Agreement(report(stance_tally, tally, draws=draws, seed=seed), tally.shared,
                     tuple(chosen[c] for c in sorted(tally.done_coders)))


def _chosen(names: dict[int, str], coders: Sequence[str] | None) -> list[int] | None:
    """The keys of the coders named (None: every coder); a clear error for a name not found."""
    if not coders:
        return None
    unknown = [c for c in coders if c not in names.values()]
    if unknown:
        raise InputError(f"no coder named {', '.join(unknown)}; coders: {', '.join(sorted(names.values()))}")
    return [pk for pk, name in names.items() if name in coders]


def _suggestion_columns(suggested: dict[int, tuple[Spans, dict[str, str]]], targets: list[str],
                        stance_labels: list[str], entity_labels: list[str]) -> tuple[Any, Any, Any]:
    """Newest suggestions as columns: the documents, their spans (document, start, end, label) and
    their stances on the report's targets (document, target, label); new labels are appended."""
    import numpy as np

    target_at = {name: i for i, name in enumerate(targets)}
    entity_at, stance_at = _places(entity_labels), _places(stance_labels)
    spans = [(doc, start, end, entity_at(label)) for doc, (found, _) in suggested.items() for start, end, label in found]
    stances = [(doc, target_at[name], stance_at(label))
               for doc, (_, found) in suggested.items() for name, label in found.items() if name in target_at]
    return (np.array(sorted(suggested), dtype=np.int64), np.array(spans, dtype=np.int64).reshape(-1, 4),
            np.array(stances, dtype=np.int64).reshape(-1, 3))


def _places(names: list[str]) -> Callable[[str], int]:
    """A name's place in names, appending a name not there yet."""
    at = {name: i for i, name in enumerate(names)}

    def place(name: str) -> int:
        if name not in at:
            at[name] = len(names)
            names.append(name)
        return at[name]
    return place
