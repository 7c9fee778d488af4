"""What a model proposes for one document: entity spans with a score, stances with their evidence."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.domain.spans import Ranged

Offsets = tuple[int, int]


@dataclass(frozen=True, slots=True)
class SuggestedSpan(Ranged):
    start: int
    end: int
    label: str
    score: float | None = None  # spaCy's NER gives none


@dataclass(frozen=True, slots=True)
class SuggestedStance:
    target: str
    label: str
    score: float | None = None
    evidence: tuple[Offsets, ...] = ()  # the sentences it was judged on, strongest first

    @property
    def key(self) -> tuple[str, str]:
        return (self.target, self.label)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One model version's proposals for one document; spans sorted by position. What the coding
    screen shows combines two: the entities of the entity model in use (model, version) and the
    stances of the stance model in use (`stances_by`, when another)."""
    model: str
    version: str
    spans: tuple[SuggestedSpan, ...] = ()
    stances: tuple[SuggestedStance, ...] = ()
    stances_by: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        return f"{self.model} {self.version}"

    @property
    def stance_source(self) -> tuple[str, str]:
        return self.stances_by or (self.model, self.version)

    def stance(self, target: str | None) -> SuggestedStance | None:
        return next((s for s in self.stances if s.target == target), None)
