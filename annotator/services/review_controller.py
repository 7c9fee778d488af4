"""What each key of the review screen does, without a screen: the open document, the focused
dispute, the lead's own span while it is edited. `handle` stores what a key decides (through the
review session) and returns what the lead is told; the screen draws the state after every key.
A key that decides nothing says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotator.domain.coding_view import moved_boundary
from annotator.domain.errors import InputError
from annotator.domain.gold import Dispute
from annotator.domain.spans import Span, Stance
from annotator.domain.tokens import simple_tokens
from annotator.services.coding_outcome import Notice
from annotator.services.gold import ReviewDocument, ReviewSession


class ReviewController:
    def __init__(self, session: ReviewSession) -> None:
        self.session = session
        self.current: ReviewDocument | None = None
        self.at = 0  # index into the document's disputes
        self.edit: tuple[int, int, str] | None = None  # the lead's own span, while editing one
        self.entity_keys = {e.key: e.label for e in session.codebook.entities}
        self.stance_keys = {s.key: s.label for s in session.codebook.stances}
        self._tokens: tuple[list[int], list[int]] = ([], [])

    @property
    def dispute(self) -> Dispute | None:
        disputes = self.current.derived.disputes if self.current else []
        return disputes[self.at] if disputes else None

    def start(self) -> bool:
        """Open the first document with disputes; False when there is none."""
        first = self.session.disputed_after(0)
        if first is not None:
            self.open(first)
        return first is not None

    def open(self, document_pk: int, at: int = 0) -> None:
        self.edit = None
        self.current = self.session.load(document_pk)
        self._tokens = simple_tokens(self.current.document.text)
        self.at = max(0, min(at, len(self.current.derived.disputes) - 1))

    def character_action(self, character: str | None) -> tuple[str, str | int] | None:
        """The action a typed character names here, if any: a stance key on a stance dispute, a label
        key while editing, a number picking a coder's version."""
        dispute = self.dispute
        if not character or dispute is None:
            return None
        if dispute.kind == "stance" and character in self.stance_keys:
            return ("stance", self.stance_keys[character])
        if self.edit is not None and character in self.entity_keys:
            return ("relabel", self.entity_keys[character])
        if self.edit is None and character.isdigit() and character != "0":
            return ("pick", int(character))
        return None

    def handle(self, action: str, *args: Any) -> list[Notice]:
        if self.current is None:
            return []
        notices: list[Notice] | None = getattr(self, f"_{action}")(*args)
        return notices or []

    @property
    def _pk(self) -> int:
        if self.current is None:
            raise RuntimeError("no document is open")
        return self.current.document.pk

    def _focused(self) -> Dispute:
        """The focused dispute, for a key that character_action offers only when there is one."""
        if self.dispute is None:
            raise RuntimeError("no dispute has the focus")
        return self.dispute

    def _stance(self, label: str) -> list[Notice]:
        dispute = self._focused()
        stance = Stance(dispute.target or "", label)
        return self._settle(lambda: self.session.settle(self._pk, dispute, [stance]))

    def _relabel(self, label: str) -> None:
        if self.edit is not None:
            self.edit = (self.edit[0], self.edit[1], label)

    def _pick(self, number: int) -> list[Notice]:
        dispute = self._focused()
        coders = sorted(dispute.versions)
        if number > len(coders):
            return [Notice(f"There are {len(coders)} coders here: 1 to {len(coders)}.", timeout=2)]
        return self._settle(lambda: self.session.pick(self._pk, dispute, coders[number - 1]))

    def _edit(self) -> list[Notice]:
        """Edit a span of the lead's own, starting from the longest version in the region."""
        dispute = self.dispute
        if dispute is None:
            return [Notice("Nothing to edit: everything here is settled.", timeout=2)]
        if dispute.kind != "span":
            return [Notice(f"A stance: {' '.join(self.stance_keys)} sets it.", timeout=2)]
        spans = [s for v in dispute.versions.values() if isinstance(v, tuple) for s in v]
        first = next(iter(self.entity_keys.values()))
        self.edit = max(spans, key=lambda s: (s[1] - s[0], -s[0])) if spans else (dispute.start, dispute.end, first)
        return []

    def _boundary(self, side: str, delta: int) -> list[Notice]:
        if self.edit is None:
            return [Notice("Press e first to edit a span of your own here.", timeout=2)]
        moved = moved_boundary(self.edit[0], self.edit[1], side, delta, *self._tokens)
        if moved is None:
            return [Notice("That edge cannot move further: the span would leave the text or be empty.", timeout=2)]
        self.edit = (*moved, self.edit[2])
        return []

    def _store_edit(self) -> list[Notice]:
        dispute = self.dispute
        if self.edit is None or dispute is None:
            return [Notice("Nothing to store: e edits a span of your own first.", timeout=2)]
        span = Span(*self.edit)
        return self._settle(lambda: self.session.settle(self._pk, dispute, [span]))

    def _drop_edit(self) -> list[Notice]:
        if self.edit is None:
            return [Notice("No edit to drop.", timeout=2)]
        self.edit = None
        return []

    def _majority(self) -> list[Notice]:
        dispute = self.dispute
        if dispute is None:
            return [Notice("Everything here is settled: n for the next document.", timeout=2)]
        return self._settle(lambda: self.session.majority(self._pk, dispute))

    def _none(self) -> list[Notice]:
        dispute = self.dispute
        if dispute is None:
            return [Notice("Everything here is settled: n for the next document.", timeout=2)]
        return self._settle(lambda: self.session.pick(self._pk, dispute, None))

    def _settle(self, decide: Callable[[], object]) -> list[Notice]:
        try:
            decide()
        except InputError as error:
            return [Notice(str(error), severity="warning", timeout=3)]
        self.open(self._pk, self.at)
        return []

    def _dispute(self, step: int) -> list[Notice]:
        if self.current is None or not self.current.derived.disputes:
            return [Notice("No disputes left here: n for the next document.", timeout=2)]
        self.at = (self.at + step) % len(self.current.derived.disputes)
        self.edit = None  # an edit belongs to the dispute it was begun on
        return []

    def _document(self, step: int) -> list[Notice]:
        pk = self._pk
        found = self.session.disputed_after(pk) if step > 0 else self.session.disputed_before(pk)
        if found is None:
            return [Notice("No more documents with disputes that way.", timeout=2)]
        self.open(found)
        return []

    def _undo(self) -> list[Notice]:
        document = self.session.undo()
        if document is None:
            return [Notice("Nothing to undo.", timeout=2)]
        self.open(document, self.at)
        return []
