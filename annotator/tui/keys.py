"""The coding screen's keys as Textual bindings, built from the domain's one key table.

Every binding has an id and a tooltip (the help and the palette show them). The codebook's label and
stance keys are not bindings: the screen reads them from the codebook as the coder types them.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from annotator.domain.codebook import Codebook
from annotator.domain.screen_keys import SCREEN_KEYS

SCREEN_BINDINGS = [Binding(k.key, k.action, k.description, show=k.show, tooltip=k.tooltip, id=k.id)
                   for k in SCREEN_KEYS]


@dataclass(frozen=True, slots=True)
class CodebookKey:
    char: str  # what the coder types
    action: str
    description: str
    tooltip: str


def codebook_keys(codebook: Codebook) -> dict[str, CodebookKey]:
    """The codebook's label and stance keys by character, labels first."""
    keys = [CodebookKey(e.key, f"label({e.label!r})", f"label {e.label}",
                        f"Label the focused span or the selection {e.label}") for e in codebook.entities]
    keys += [CodebookKey(s.key, f"stance({s.label!r})", f"stance {s.label}",
                         f"Set the focused target's stance to {s.label}") for s in codebook.stances]
    return {k.char: k for k in keys}
