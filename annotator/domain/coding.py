"""One coder's annotation of one document as a value, and the edits the coding screen makes to it.

Every edit is a pure function from state to new state; the service stores the result and keeps the
previous state for undo. Suggestions are never changed: a decision about one (accepted, changed,
rejected) is recorded under the suggestion's key, so an undecided suggestion is one without a decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

SuggestionKey = tuple[int, int, str]  # (start, end, label) of a suggested span


@dataclass(frozen=True, slots=True)
class CodedSpan:
    start: int
    end: int
    label: str
    origin: str = "added"  # accepted | changed | added | imported
    aligned: bool = True

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class CodedStance:
    target: str
    label: str
    origin: str = "added"


@dataclass(frozen=True)
class AnnotationState:
    status: str = "draft"  # draft | done | skipped
    spans: tuple[CodedSpan, ...] = ()
    stances: tuple[CodedStance, ...] = ()
    decisions: dict[SuggestionKey, str] = field(default_factory=dict)  # accepted | changed | rejected

    def stance(self, target: str) -> CodedStance | None:
        return next((s for s in self.stances if s.target == target), None)

    def span_at(self, offset: int) -> CodedSpan | None:
        return next((s for s in self.spans if s.start <= offset < s.end), None)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status,
                "spans": [[s.start, s.end, s.label, s.origin, s.aligned] for s in self.spans],
                "stances": [[s.target, s.label, s.origin] for s in self.stances],
                "decisions": [[*k, v] for k, v in self.decisions.items()]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnnotationState:
        return cls(status=data["status"],
                   spans=tuple(CodedSpan(*s) for s in data["spans"]),
                   stances=tuple(CodedStance(*s) for s in data["stances"]),
                   decisions={(a, b, c): d for a, b, c, d in data["decisions"]})


def key_of(suggestion: dict) -> SuggestionKey:
    return (suggestion["start"], suggestion["end"], suggestion["label"])


def pending(state: AnnotationState, suggested: Iterable[dict]) -> list[dict]:
    """Suggested spans the coder has not decided on yet."""
    return [s for s in suggested if key_of(s) not in state.decisions]


def _with_spans(state: AnnotationState, spans: Iterable[CodedSpan], **changes: Any) -> AnnotationState:
    return replace(state, spans=tuple(sorted(spans, key=lambda s: (s.start, s.end))), **changes)


def _decide(state: AnnotationState, key: SuggestionKey, decision: str) -> dict[SuggestionKey, str]:
    return {**state.decisions, key: decision}


def accept(state: AnnotationState, suggestion: dict, label: str | None = None) -> AnnotationState:
    """Take a suggested span, with its own label or another one (then it counts as changed)."""
    label = label or suggestion["label"]
    origin = "accepted" if label == suggestion["label"] else "changed"
    kept = [s for s in state.spans if not s.overlaps(suggestion["start"], suggestion["end"])]
    span = CodedSpan(suggestion["start"], suggestion["end"], label, origin)
    return _with_spans(state, [*kept, span], decisions=_decide(state, key_of(suggestion), origin))


def reject(state: AnnotationState, suggestion: dict) -> AnnotationState:
    return replace(state, decisions=_decide(state, key_of(suggestion), "rejected"))


def accept_all(state: AnnotationState, suggested: Iterable[dict], suggested_stances: Iterable[dict] = ()) -> AnnotationState:
    """Accept every undecided span that overlaps none already coded, and every undecided stance."""
    for suggestion in pending(state, suggested):
        if not any(s.overlaps(suggestion["start"], suggestion["end"]) for s in state.spans):
            state = accept(state, suggestion)
    for stance in suggested_stances:
        if state.stance(stance["target"]) is None:
            state = set_stance(state, stance["target"], stance["label"], stance["label"])
    return state


def _edited_origin(span: CodedSpan) -> str:
    return "added" if span.origin == "added" else "changed"


def relabel(state: AnnotationState, span: CodedSpan, label: str) -> AnnotationState:
    if span.label == label:
        return state
    others = [s for s in state.spans if s != span]
    return _with_spans(state, [*others, replace(span, label=label, origin=_edited_origin(span))])


def resize(state: AnnotationState, span: CodedSpan, start: int, end: int) -> AnnotationState:
    """New boundaries for a coded span; spans it would now overlap are removed."""
    if start >= end or (start, end) == (span.start, span.end):
        return state
    others = [s for s in state.spans if s != span and not s.overlaps(start, end)]
    moved = replace(span, start=start, end=end, origin=_edited_origin(span), aligned=True)
    return _with_spans(state, [*others, moved])


def add_span(state: AnnotationState, start: int, end: int, label: str, suggested: Iterable[dict] = ()) -> AnnotationState:
    """A span the coder marked; an undecided suggestion at exactly that place is taken instead."""
    for suggestion in pending(state, suggested):
        if (suggestion["start"], suggestion["end"]) == (start, end):
            return accept(state, suggestion, label)
    kept = [s for s in state.spans if not s.overlaps(start, end)]
    return _with_spans(state, [*kept, CodedSpan(start, end, label, "added")])


def remove(state: AnnotationState, span: CodedSpan) -> AnnotationState:
    """Delete a coded span; one accepted as suggested counts from now on as a rejected suggestion."""
    decisions = state.decisions
    key = (span.start, span.end, span.label)
    if span.origin == "accepted" and key in decisions:
        decisions = _decide(state, key, "rejected")
    return _with_spans(state, [s for s in state.spans if s != span], decisions=decisions)


def set_stance(state: AnnotationState, target: str, label: str, suggested_label: str | None) -> AnnotationState:
    if suggested_label is None:
        origin = "added"
    else:
        origin = "accepted" if label == suggested_label else "changed"
    others = [s for s in state.stances if s.target != target]
    return replace(state, stances=tuple([*others, CodedStance(target, label, origin)]))


def clear_stance(state: AnnotationState, target: str) -> AnnotationState:
    return replace(state, stances=tuple(s for s in state.stances if s.target != target))


def set_status(state: AnnotationState, status: str) -> AnnotationState:
    return replace(state, status=status)
