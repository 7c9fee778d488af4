"""A change to an annotation in a few words, as a coder reads it in an undo or redo notice:
"PERSON 'Donald Trump' accepted", "stance Ukraine AGAINST", "marked done", "3 changes"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from annotator.domain.coding import Annotation
from annotator.domain.spans import Span

QUOTE_WIDTH = 40  # characters of a span's text shown before "…"


def describe_change(before: Annotation, after: Annotation, text: str) -> str:
    """What turned `before` into `after` (the document's `text` gives the spans' words): the one change
    named precisely, or several counted."""
    changes = [*_span_changes(before, after, text), *_stance_changes(before, after), *_status_change(before, after)]
    if not changes:
        return "no change"
    if len(changes) == 1:
        return changes[0]
    if all(change.endswith(" accepted") for change in changes):
        return f"{len(changes)} suggestions accepted"
    return f"{len(changes)} changes"


def replay_notice(undo: bool, before: Annotation, after: Annotation, text: str) -> str:
    """The notice for an undo or a redo, naming the change as it was first made (before -> after)."""
    return f"{'Undid' if undo else 'Redid'}: {describe_change(before, after, text)}"


def _quote(text: str, start: int, end: int) -> str:
    words = " ".join(text[start:end].split())
    return f"'{words if len(words) <= QUOTE_WIDTH else words[:QUOTE_WIDTH - 1] + '…'}'"


def _paired(removed: list[Span], added: list[Span]) -> list[tuple[Span | None, Span | None]]:
    """Removed and added spans matched up as one edit each: the same suggestion behind them, the same
    place (relabelled), or the same label overlapping (resized, unless a suggestion was accepted over
    it); the rest stand alone."""
    pairs: list[tuple[Span | None, Span | None]] = []
    added = list(added)
    for old in removed:
        new = next((s for s in added if (old.source and s.source == old.source)
                    or (s.start, s.end) == (old.start, old.end)
                    or (s.label == old.label and s.overlaps(old.start, old.end) and s.origin != "accepted")), None)
        if new is not None:
            added.remove(new)
        pairs.append((old, new))
    return pairs + [(None, new) for new in added]


def _span_changes(before: Annotation, after: Annotation, text: str) -> list[str]:
    before_spans, after_spans = set(before.spans), set(after.spans)  # sets: a tuple's `in` is a scan
    removed = [s for s in before.spans if s not in after_spans]
    added = [s for s in after.spans if s not in before_spans]
    changes = [_span_change(old, new, text) for old, new in _paired(removed, added)]
    # Decisions that no span edit explains: suggestions rejected (or decided) on their own.
    explained = {s.source for s in removed + added if s.source}
    for key, decision in after.decisions.items():
        if key not in explained and before.decisions.get(key) != decision:
            start, end, label = key
            changes.append(f"{label} {_quote(text, start, end)} {decision}")
    return changes


def _span_change(old: Span | None, new: Span | None, text: str) -> str:
    if new is None:
        assert old is not None, "a change has a span before or after"
        return f"{old.label} {_quote(text, old.start, old.end)} removed"
    words = _quote(text, new.start, new.end)
    if old is None:
        if new.source and new.origin == "changed":  # taken from a suggestion, with another label or place
            start, end, label = new.source
            place = "" if (start, end) == (new.start, new.end) else f" {words}"
            return f"{label} {_quote(text, start, end)} accepted as {new.label}{place}"
        return f"{new.label} {words} {'accepted' if new.origin == 'accepted' else 'added'}"
    if (old.start, old.end) != (new.start, new.end):
        return f"{new.label} {_quote(text, old.start, old.end)} resized to {words}"
    if old.label != new.label:
        return f"{old.label} {words} relabelled {new.label}"
    return f"{new.label} {words} {new.origin}"


def _stance_changes(before: Annotation, after: Annotation) -> list[str]:
    changes = []
    targets = dict.fromkeys(s.target for s in (*before.stances, *after.stances))
    changed = [t for t in targets if before.stance(t) != after.stance(t)]
    for target in changed:
        old, new = before.stance(target), after.stance(target)
        if new is None:
            assert old is not None, "a changed stance was there before or after"
            changes.append(f"stance {target} {old.label} cleared")
        elif old is None or old.label == new.label:
            changes.append(f"stance {target} {new.label}{' accepted' if new.origin == 'accepted' else ''}")
        else:
            changes.append(f"stance {target} {new.label} (was {old.label})")
    for (target, label), decision in after.stance_decisions.items():
        if target not in changed and before.stance_decisions.get((target, label)) != decision:
            changes.append(f"stance {target} {label} {decision}")
    return changes


def _status_change(before: Annotation, after: Annotation) -> list[str]:
    if before.status == after.status:
        return []
    return ["back to draft" if after.status == "draft" else f"marked {after.status}"]


def changed_start(shown: Annotation, other: Annotation) -> int | None:
    """Where an undo (or redo) puts the focus: the text offset of the edit in the state now shown,
    against the state it replaced. A span the shown state has first (the place the focus finds a
    span), then a suggestion decided differently, then a span only the other had; None: no span
    or span decision changed."""
    shown_spans, other_spans = set(shown.spans), set(other.spans)  # sets: accept all's undo weighs 274k
    added = [s.start for s in shown.spans if s not in other_spans]
    decided = [start for start, _, _ in _differing(shown.decisions, other.decisions)]
    removed = [s.start for s in other.spans if s not in shown_spans]
    return min(added or decided or removed, default=None)


def changed_targets(before: Annotation, after: Annotation) -> set[str]:
    """The stance targets an edit changed: their stance or a decision on a suggested one."""
    return ({s.target for s in set(before.stances) ^ set(after.stances)}
            | {target for target, _ in _differing(before.stance_decisions, after.stance_decisions)})


Key = TypeVar("Key")


def _differing(before: Mapping[Key, object], after: Mapping[Key, object]) -> list[Key]:
    return [key for key in before.keys() | after.keys() if before.get(key) != after.get(key)]
