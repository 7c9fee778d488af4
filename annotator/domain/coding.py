"""One coder's annotation of one document as a value, and the edits the coding screen makes to it.

Every edit is a pure function from annotation to annotation; the service stores the result and keeps
the previous one for undo. Suggestions are never changed: what the coder did with each is a decision
kept under the suggestion's key, and it follows every later edit. A span or stance taken from a
suggestion remembers it (`source`), so relabelling, resizing or removing it turns the decision into
`changed` or `rejected`, always in step with its origin. A span the coder marks over a suggestion not
taken yet answers for that suggestion, so the same span is recorded the same way however it was made.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from annotator.domain.errors import InputError
from annotator.domain.spans import Span, SpanKey, Stance
from annotator.domain.vocabulary import Decision, Origin, Status
from annotator.domain.suggestions import SuggestedSpan, SuggestedStance, Suggestion

if TYPE_CHECKING:  # (only named here: the codebook's module loads pydantic, which reading commands do without)
    from annotator.domain.codebook import Codebook

StanceKey = tuple[str, str]  # (target, suggested label)


@dataclass(frozen=True)
class Annotation:
    status: Status = "draft"
    spans: tuple[Span, ...] = ()
    stances: tuple[Stance, ...] = ()
    decisions: dict[SpanKey, Decision] = field(default_factory=dict)
    stance_decisions: dict[StanceKey, Decision] = field(default_factory=dict)

    def stance(self, target: str | None) -> Stance | None:
        return next((s for s in self.stances if s.target == target), None)

    def covers(self, start: int, end: int) -> bool:
        """Whether a coded span overlaps [start, end)."""
        return any(s.overlaps(start, end) for s in self.spans)

    def to_json(self) -> dict[str, Any]:
        """The whole state as plain JSON: what events keep as `before` and `after`."""
        return {"status": self.status,
                "spans": [[s.start, s.end, s.label, s.origin, s.aligned, list(s.source) if s.source else None]
                          for s in self.spans],
                "stances": [[s.target, s.label, s.origin, s.source] for s in self.stances],
                "decisions": [[*k, v] for k, v in self.decisions.items()],
                "stance_decisions": [[*k, v] for k, v in self.stance_decisions.items()]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Annotation:
        return cls(status=data["status"],
                   spans=tuple(Span(a, b, c, d, e, tuple(f) if f else None) for a, b, c, d, e, f in data["spans"]),
                   stances=tuple(Stance(*s) for s in data["stances"]),  # older events: no source
                   decisions={(a, b, c): d for a, b, c, d in data["decisions"]},
                   stance_decisions={(a, b): d for a, b, d in data.get("stance_decisions", [])})


def rows_to_store(annotation: Annotation) -> int:
    """What storing the annotation writes: a row per span, stance and decision (it is stored whole)."""
    return (len(annotation.spans) + len(annotation.stances) + len(annotation.decisions)
            + len(annotation.stance_decisions))


def check_labels(annotation: Annotation, codebook: Codebook) -> None:
    """Refuse labels, targets and stances the codebook does not have (before anything is stored)."""
    labels = set(codebook.entity_labels)  # built on each ask: once, not once per span
    for span in annotation.spans:
        if span.label not in labels:
            raise InputError(f"entity label {span.label!r} is not in the codebook {codebook.name}; "
                             f"valid: {', '.join(codebook.entity_labels) or '(none)'}")
    for stance in annotation.stances:
        if stance.target not in codebook.target_names:
            raise InputError(f"stance target {stance.target!r} is not in the codebook {codebook.name}; "
                             f"valid: {', '.join(codebook.target_names) or '(none)'}")
        if stance.label not in codebook.stance_labels:
            raise InputError(f"stance label {stance.label!r} is not in the codebook {codebook.name}; "
                             f"valid: {', '.join(codebook.stance_labels) or '(none)'}")


# Spans ---------------------------------------------------------------------------------------------
def pending(annotation: Annotation, suggestion: Suggestion | None) -> list[SuggestedSpan]:
    """Suggested spans the coder has not decided on yet."""
    if suggestion is None:
        return []
    return [s for s in suggestion.spans if s.key not in annotation.decisions]


def uncovered(annotation: Annotation, suggested: Iterable[SuggestedSpan]) -> list[SuggestedSpan]:
    """The suggested spans that no coded span overlaps, in their order. One bisect each over the
    coded spans sorted by start, with the furthest end reached so far: asking `covers` for each
    cost (suggestions x spans), a minute on a document with 11k suggestions."""
    spans = sorted(annotation.spans, key=lambda s: (s.start, s.end))
    starts = [s.start for s in spans]
    reach, furthest = [], -1  # reach[i]: the furthest end among spans[:i + 1]
    for span in spans:
        furthest = max(furthest, span.end)
        reach.append(furthest)
    found = []
    for s in suggested:
        before = bisect_left(starts, s.end)  # the coded spans starting before s ends
        if before == 0 or reach[before - 1] <= s.start:
            found.append(s)
    return found


def _settle(before: Annotation, spans: Iterable[Span], **changes: Any) -> Annotation:
    """The annotation with these spans, origins and decisions brought in step with them: a span
    still equal to its suggestion is `accepted`, one edited since is `changed`, and a suggestion
    whose span is gone is `rejected`."""
    settled = sorted((_origin_in_step(s) for s in spans), key=lambda s: (s.start, s.end))
    decisions = dict(before.decisions)
    kept = {s.source for s in settled if s.source}
    for span in before.spans:
        if span.source and span.source not in kept:
            decisions[span.source] = "rejected"
    for span in settled:
        if span.source:
            decisions[span.source] = _decided(span.origin)
    return replace(before, spans=tuple(settled), decisions=decisions, **changes)


def _decided(origin: Origin) -> Decision:
    """The decision on a suggestion that a coded item answering it records: settled, such an item
    is `accepted` or `changed`."""
    if origin == "accepted" or origin == "changed":
        return origin
    raise ValueError(f"an item answering a suggestion cannot be {origin!r}")


def _origin_in_step(span: Span) -> Span:
    if span.source is None:
        return span
    origin: Origin = "accepted" if span.key == span.source else "changed"
    return span if span.origin == origin else replace(span, origin=origin)


def _without_overlaps(annotation: Annotation, start: int, end: int, *, keep: Span | None = None) -> list[Span]:
    return [s for s in annotation.spans if s != keep and not s.overlaps(start, end)]


def accept(annotation: Annotation, suggestion: SuggestedSpan, label: str | None = None) -> Annotation:
    """Take a suggested span, with its own label or another one (then it counts as changed)."""
    span = Span(suggestion.start, suggestion.end, label or suggestion.label, source=suggestion.key)
    # A span moved away from this suggestion earlier stops answering for it: one span per suggestion.
    kept = [replace(s, source=None, origin="added") if s.source == suggestion.key else s
            for s in _without_overlaps(annotation, span.start, span.end)]
    return _settle(annotation, [*kept, span])


def reject(annotation: Annotation, suggestion: SuggestedSpan) -> Annotation:
    """Reject a suggestion; a span taken from it goes too."""
    settled = _settle(annotation, [s for s in annotation.spans if s.source != suggestion.key])
    return replace(settled, decisions={**settled.decisions, suggestion.key: "rejected"})


def _adopt(annotation: Annotation, span: Span, suggestion: Suggestion | None) -> Span:
    """The coder's own span, answering for the suggestion it was marked over: one at exactly its
    place first, else the first it overlaps, among those no coded span answers for yet."""
    if span.source is not None or suggestion is None:
        return span
    taken = {s.source for s in annotation.spans if s.source}
    free = [g for g in suggestion.spans if g.key not in taken and g.overlaps(span.start, span.end)]
    exact = [g for g in free if (g.start, g.end) == (span.start, span.end)]
    found = (exact or free)[:1]
    return replace(span, source=found[0].key) if found else span


def relabel(annotation: Annotation, span: Span, label: str) -> Annotation:
    if span.label == label:
        return annotation
    return _settle(annotation, [*(s for s in annotation.spans if s != span), replace(span, label=label)])


def resize(annotation: Annotation, span: Span, start: int, end: int,
           suggestion: Suggestion | None = None) -> Annotation:
    """New boundaries for a coded span; spans it would now overlap are removed."""
    if start >= end or (start, end) == (span.start, span.end):
        return annotation
    kept = _without_overlaps(annotation, start, end, keep=span)
    moved = _adopt(replace(annotation, spans=tuple(kept)), replace(span, start=start, end=end, aligned=True), suggestion)
    return _settle(annotation, [*kept, moved])


def add_span(annotation: Annotation, start: int, end: int, label: str,
             suggestion: Suggestion | None = None) -> Annotation:
    """A span the coder marked, answering for the suggestion it covers (see _adopt)."""
    kept = _without_overlaps(annotation, start, end)
    span = _adopt(replace(annotation, spans=tuple(kept)), Span(start, end, label), suggestion)
    return _settle(annotation, [*kept, span])


def remove(annotation: Annotation, span: Span) -> Annotation:
    """Delete a coded span; one taken from a suggestion makes that suggestion rejected."""
    return _settle(annotation, [s for s in annotation.spans if s != span])


# Stances ------------------------------------------------------------------------------------------
def pending_stances(annotation: Annotation, suggestion: Suggestion | None) -> list[SuggestedStance]:
    """Suggested stances not decided yet, for targets the coder has not coded."""
    if suggestion is None:
        return []
    return [s for s in suggestion.stances
            if s.key not in annotation.stance_decisions and annotation.stance(s.target) is None]


def _settle_stances(before: Annotation, stances: list[Stance], rejected: tuple[StanceKey, ...] = ()) -> Annotation:
    """Like _settle, for stances: a stance still at its suggested label is `accepted`, another label
    `changed`, and a suggestion whose stance is gone (or `rejected` here) is `rejected`."""
    settled = [replace(s, origin="accepted" if s.label == s.source else "changed") if s.source else s
               for s in stances]
    decisions = dict(before.stance_decisions)
    kept = {(s.target, s.source) for s in settled if s.source}
    for stance in before.stances:
        if stance.source and (stance.target, stance.source) not in kept:
            decisions[(stance.target, stance.source)] = "rejected"
    for key in rejected:
        decisions[key] = "rejected"
    for stance in settled:
        if stance.source:
            decisions[(stance.target, stance.source)] = _decided(stance.origin)
    return replace(before, stances=tuple(settled), stance_decisions=decisions)


def set_stance(annotation: Annotation, target: str, label: str, suggested: SuggestedStance | None) -> Annotation:
    """Code a target's stance; with a suggestion for it, that suggestion is accepted or changed."""
    others = [s for s in annotation.stances if s.target != target]
    stance = Stance(target, label, source=suggested.label if suggested else None)
    return _settle_stances(annotation, [*others, stance])


def accept_stance(annotation: Annotation, suggested: SuggestedStance) -> Annotation:
    return set_stance(annotation, suggested.target, suggested.label, suggested)


def reject_stance(annotation: Annotation, target: str, suggested: SuggestedStance | None) -> Annotation:
    """Clear the target's coded stance; a suggestion for it counts as rejected from now on."""
    others = [s for s in annotation.stances if s.target != target]
    return _settle_stances(annotation, others, rejected=(suggested.key,) if suggested else ())


# The whole document --------------------------------------------------------------------------------
def accept_all(annotation: Annotation, suggestion: Suggestion | None) -> Annotation:
    """Accept every undecided span that overlaps no coded span, and every undecided stance.
    An explicit decision (a rejection included) is never overridden. Of undecided suggestions that
    overlap each other, the first by position is taken, as the entity list shows it. One settling
    for all of them: one `accept` each settled the whole annotation each time."""
    taken: list[Span] = []
    for suggested in sorted(uncovered(annotation, pending(annotation, suggestion)), key=lambda s: (s.start, s.end)):
        if not taken or taken[-1].end <= suggested.start:  # sorted and apart: only the last can overlap
            taken.append(Span(suggested.start, suggested.end, suggested.label, "accepted", source=suggested.key))
    if taken:
        annotation = _settle(annotation, [*annotation.spans, *taken])
    for stance in pending_stances(annotation, suggestion):
        annotation = accept_stance(annotation, stance)
    return annotation


def undecided(annotation: Annotation, suggestion: Suggestion | None) -> int:
    """Suggestions still to decide: spans no coded span covers, and stances of uncoded targets."""
    return len(uncovered(annotation, pending(annotation, suggestion))) + len(pending_stances(annotation, suggestion))


def reject_undecided(annotation: Annotation, suggestion: Suggestion | None) -> Annotation:
    """Reject every suggestion still to decide (a codebook's `done_with_undecided = "reject"`).
    Rejecting adds no span, so what is covered stays as it was: all of them at once."""
    rejected = uncovered(annotation, pending(annotation, suggestion))
    if rejected:
        annotation = replace(annotation, decisions={**annotation.decisions, **{s.key: "rejected" for s in rejected}})
    for stance in pending_stances(annotation, suggestion):
        annotation = reject_stance(annotation, stance.target, stance)
    return annotation


def set_status(annotation: Annotation, status: Status) -> Annotation:
    return replace(annotation, status=status)
