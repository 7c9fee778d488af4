"""One coder's annotation of one document as a value, and the edits the coding screen makes to it.

Every edit is a pure function from annotation to annotation; the service stores the result and keeps
the previous one for undo. Suggestions are never changed: what the coder did with each is a decision
kept under the suggestion's key, and it follows every later edit. A span taken from a suggestion
remembers it (`source`), so relabelling, resizing or removing the span turns the decision into
`changed` or `rejected`, always in step with the span's origin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from annotator.domain.codebook import Codebook
from annotator.domain.errors import InputError
from annotator.domain.spans import Span, SpanKey, Stance
from annotator.domain.vocabulary import Decision, Status
from annotator.domain.suggestions import SuggestedSpan, SuggestedStance, Suggestion

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

    def to_json(self) -> dict[str, Any]:
        """The whole state as plain JSON: what events keep as `before` and `after`."""
        return {"status": self.status,
                "spans": [[s.start, s.end, s.label, s.origin, s.aligned, list(s.source) if s.source else None]
                          for s in self.spans],
                "stances": [[s.target, s.label, s.origin] for s in self.stances],
                "decisions": [[*k, v] for k, v in self.decisions.items()],
                "stance_decisions": [[*k, v] for k, v in self.stance_decisions.items()]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Annotation:
        return cls(status=data["status"],
                   spans=tuple(Span(a, b, c, d, e, tuple(f) if f else None) for a, b, c, d, e, f in data["spans"]),
                   stances=tuple(Stance(*s) for s in data["stances"]),
                   decisions={(a, b, c): d for a, b, c, d in data["decisions"]},
                   stance_decisions={(a, b): d for a, b, d in data.get("stance_decisions", [])})


def check_labels(annotation: Annotation, codebook: Codebook) -> None:
    """Refuse labels, targets and stances the codebook does not have (before anything is stored)."""
    for span in annotation.spans:
        if span.label not in codebook.entity_labels:
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
            decisions[span.source] = span.origin
    return replace(before, spans=tuple(settled), decisions=decisions, **changes)


def _origin_in_step(span: Span) -> Span:
    if span.source is None:
        return span
    origin = "accepted" if span.key == span.source else "changed"
    return span if span.origin == origin else replace(span, origin=origin)


def _without_overlaps(annotation: Annotation, start: int, end: int, *, keep: Span | None = None) -> list[Span]:
    return [s for s in annotation.spans if s != keep and not s.overlaps(start, end)]


def accept(annotation: Annotation, suggestion: SuggestedSpan, label: str | None = None) -> Annotation:
    """Take a suggested span, with its own label or another one (then it counts as changed)."""
    span = Span(suggestion.start, suggestion.end, label or suggestion.label, source=suggestion.key)
    return _settle(annotation, [*_without_overlaps(annotation, span.start, span.end), span])


def reject(annotation: Annotation, suggestion: SuggestedSpan) -> Annotation:
    return replace(annotation, decisions={**annotation.decisions, suggestion.key: "rejected"})


def relabel(annotation: Annotation, span: Span, label: str) -> Annotation:
    if span.label == label:
        return annotation
    return _settle(annotation, [*(s for s in annotation.spans if s != span), replace(span, label=label)])


def resize(annotation: Annotation, span: Span, start: int, end: int) -> Annotation:
    """New boundaries for a coded span; spans it would now overlap are removed."""
    if start >= end or (start, end) == (span.start, span.end):
        return annotation
    moved = replace(span, start=start, end=end, aligned=True)
    return _settle(annotation, [*_without_overlaps(annotation, start, end, keep=span), moved])


def add_span(annotation: Annotation, start: int, end: int, label: str,
             suggestion: Suggestion | None = None) -> Annotation:
    """A span the coder marked; an undecided suggestion at exactly that place is taken instead."""
    for suggested in pending(annotation, suggestion):
        if (suggested.start, suggested.end) == (start, end):
            return accept(annotation, suggested, label)
    return _settle(annotation, [*_without_overlaps(annotation, start, end), Span(start, end, label)])


def remove(annotation: Annotation, span: Span) -> Annotation:
    """Delete a coded span; one taken from a suggestion makes that suggestion rejected."""
    return _settle(annotation, [s for s in annotation.spans if s != span])


# Stances -------------------------------------------------------------------------------------------
def pending_stances(annotation: Annotation, suggestion: Suggestion | None) -> list[SuggestedStance]:
    """Suggested stances not decided yet, for targets the coder has not coded."""
    if suggestion is None:
        return []
    return [s for s in suggestion.stances
            if s.key not in annotation.stance_decisions and annotation.stance(s.target) is None]


def set_stance(annotation: Annotation, target: str, label: str, suggested: SuggestedStance | None) -> Annotation:
    """Code a target's stance; with a suggestion for it, that suggestion is accepted or changed."""
    others = [s for s in annotation.stances if s.target != target]
    if suggested is None:
        return replace(annotation, stances=tuple([*others, Stance(target, label, "added")]))
    origin: Decision = "accepted" if label == suggested.label else "changed"
    return replace(annotation, stances=tuple([*others, Stance(target, label, origin)]),
                   stance_decisions={**annotation.stance_decisions, suggested.key: origin})


def accept_stance(annotation: Annotation, suggested: SuggestedStance) -> Annotation:
    return set_stance(annotation, suggested.target, suggested.label, suggested)


def reject_stance(annotation: Annotation, target: str, suggested: SuggestedStance | None) -> Annotation:
    """Clear the target's coded stance; a suggestion for it counts as rejected from now on."""
    stances = tuple(s for s in annotation.stances if s.target != target)
    decisions = annotation.stance_decisions
    if suggested is not None:
        decisions = {**decisions, suggested.key: "rejected"}
    return replace(annotation, stances=stances, stance_decisions=decisions)


# The whole document --------------------------------------------------------------------------------
def accept_all(annotation: Annotation, suggestion: Suggestion | None) -> Annotation:
    """Accept every undecided span that overlaps no coded span, and every undecided stance.
    An explicit decision (a rejection included) is never overridden."""
    for suggested in pending(annotation, suggestion):
        if not any(s.overlaps(suggested.start, suggested.end) for s in annotation.spans):
            annotation = accept(annotation, suggested)
    for stance in pending_stances(annotation, suggestion):
        annotation = accept_stance(annotation, stance)
    return annotation


def set_status(annotation: Annotation, status: Status) -> Annotation:
    return replace(annotation, status=status)
