"""What the coding screen shows and what its keys act on, decided here so the screen only draws it.

The entity list holds the coded spans and the undecided suggestions that no coded span covers (a
coded span hides the suggestions under it); entities never overlap, so the cursor falls in at most
one. The focus is either that entity or a stance target, never both.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotator.domain.coding import Annotation, pending, uncovered
from annotator.domain.spans import Span, Stance
from annotator.domain.suggestions import SuggestedSpan, SuggestedStance, Suggestion


# A sentence ends at . ! or ? before a capital (so "U.S. forces" runs on) or at the end of the line.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\"“‘']|\s*$)")


@dataclass(frozen=True, slots=True)
class Entity:
    """One row of the entity list: a coded span, or a suggestion still to decide."""
    start: int
    end: int
    label: str
    span: Span | None = None
    suggestion: SuggestedSpan | None = None

    @property
    def coded(self) -> bool:
        return self.span is not None


@dataclass(frozen=True, slots=True)
class EntityList:
    """The entities, sorted and apart (so their starts are unique, and their ends sorted too). What a
    key asks of them is a bisect: a document may hold a quarter of a million of them."""
    entities: tuple[Entity, ...]
    starts: tuple[int, ...]
    undecided: tuple[int, ...] = ()  # the starts of the entities not coded yet

    def __len__(self) -> int:
        return len(self.entities)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.entities)

    @property
    def coded(self) -> int:
        return len(self.entities) - len(self.undecided)

    def at(self, offset: int) -> Entity | None:
        """The entity holding `offset`, if any."""
        i = bisect_right(self.starts, offset) - 1
        return self.entities[i] if i >= 0 and offset < self.entities[i].end else None

    def index(self, entity: Entity) -> int:
        i = bisect_left(self.starts, entity.start)
        if i < len(self.entities) and self.entities[i] == entity:
            return i
        raise ValueError(f"{entity} is not in the entity list")

    def following(self, offset: int, direction: int, undecided_only: bool = False) -> Entity | None:
        """The next entity starting after `offset` (direction 1) or ending at or before it (-1);
        undecided ones only if asked, wrapping round to the first then."""
        starts = self.undecided if undecided_only else self.starts
        i = bisect_right(starts, offset)
        if direction > 0:
            if i < len(starts):
                return self._starting_at(starts[i])
            return self._starting_at(starts[0]) if undecided_only and starts else None
        for j in (i - 1, i - 2):  # the one starting at or before offset may still reach past it
            if j >= 0 and (entity := self._starting_at(starts[j])).end <= offset:
                return entity
        return None

    def first_undecided(self) -> Entity | None:
        return self._starting_at(self.undecided[0]) if self.undecided else None

    def _starting_at(self, start: int) -> Entity:
        return self.entities[bisect_left(self.starts, start)]


def entity_list(annotation: Annotation, suggestion: Suggestion | None) -> EntityList:
    entities = [Entity(s.start, s.end, s.label, span=s) for s in annotation.spans]
    entities += [Entity(p.start, p.end, p.label, suggestion=p) for p in uncovered(annotation, pending(annotation, suggestion))]
    entities.sort(key=lambda e: (e.start, e.end))
    # Undecided suggestions may overlap each other: keep the first, so the list never overlaps.
    kept: list[Entity] = []
    for e in entities:
        if not kept or e.start >= kept[-1].end:
            kept.append(e)
    return EntityList(tuple(kept), tuple(e.start for e in kept), tuple(e.start for e in kept if not e.coded))


@dataclass(frozen=True, slots=True)
class Focus:
    """The one item the keys act on: an entity in the text, or a stance target."""
    entity: Entity | None = None
    target: str | None = None


def focus(entities: EntityList, cursor: int, stance_target: str | None) -> Focus:
    """A focused stance target wins; otherwise the entity under the cursor, if any."""
    if stance_target is not None:
        return Focus(target=stance_target)
    return Focus(entity=entities.at(cursor))


def can_accept(focused: Focus, annotation: Annotation, suggestion: Suggestion | None) -> bool:
    """`a` applies: an undecided suggested span, or a target with a suggestion and no coded stance."""
    if focused.target is not None:
        return suggestion is not None and suggestion.stance(focused.target) is not None \
            and annotation.stance(focused.target) is None
    return focused.entity is not None and not focused.entity.coded


def can_reject(focused: Focus, annotation: Annotation, suggestion: Suggestion | None) -> bool:
    """`x` applies: any entity, or a target with a coded stance or a suggestion."""
    if focused.target is not None:
        return annotation.stance(focused.target) is not None or (
            suggestion is not None and suggestion.stance(focused.target) is not None)
    return focused.entity is not None


@dataclass(frozen=True, slots=True)
class StanceRow:
    """One target's line in the stance list: what is coded, or else what is suggested and whether
    that suggestion was rejected."""
    target: str
    coded: Stance | None
    suggested: SuggestedStance | None
    rejected: bool


def stance_rows(targets: tuple[str, ...], annotation: Annotation, suggestion: Suggestion | None) -> list[StanceRow]:
    rows = []
    for target in targets:
        suggested = suggestion.stance(target) if suggestion else None
        rejected = suggested is not None and annotation.stance_decisions.get(suggested.key) == "rejected"
        rows.append(StanceRow(target, annotation.stance(target), suggested, rejected))
    return rows


def moved_boundary(start: int, end: int, side: str, delta: int, starts: list[int], ends: list[int]) -> tuple[int, int] | None:
    """The span with its start (side "start") or end moved by `delta` tokens; None when it would
    leave the text or become empty. `starts` and `ends` are the sorted token offsets."""
    if side == "start":
        i = bisect_right(starts, start) - 1 + delta
        if not 0 <= i < len(starts):
            return None
        start = starts[i]
    else:
        i = bisect_left(ends, end) + delta
        if not 0 <= i < len(ends):
            return None
        end = ends[i]
    return (start, end) if start < end else None


def next_undecided_target(targets: tuple[str, ...], after: str | None, annotation: Annotation,
                          suggestion: Suggestion | None) -> str | None:
    """The first target after `after` (from the start when None), cycling, whose suggested stance is
    still to decide; None when there is none."""
    start = targets.index(after) + 1 if after in targets else 0
    for target in targets[start:] + targets[:start]:
        suggested = suggestion.stance(target) if suggestion else None
        if suggested and annotation.stance(target) is None and suggested.key not in annotation.stance_decisions:
            return target
    return None


def display_title(title: str, text: str, limit: int = 90) -> str:
    """The title, or for a document without one its first sentence, trimmed (never its file id)."""
    if title.strip():
        return " ".join(title.split())
    first = text.strip().split("\n", 1)[0]
    match = _SENTENCE_END.search(first)
    sentence = " ".join((first[:match.end()] if match else first).split())
    return sentence if len(sentence) <= limit else sentence[:limit - 1].rsplit(" ", 1)[0] + "…"


def meta_line(meta: dict[str, Any]) -> str:
    """What the document's meta holds, for the line under its title: source, date and url first."""
    first = [str(meta[k]) for k in ("source", "date", "url") if meta.get(k)]
    rest = [f"{k}: {v}" for k, v in meta.items() if k not in ("source", "date", "url", "license", "title")
            and isinstance(v, (str, int, float)) and str(v).strip()]
    return " · ".join(first + rest)
