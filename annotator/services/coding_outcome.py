"""What an action of the coding screen returns, and what the screen hands its controller: the
words the two speak (see coding_controller)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from annotator.domain.coding import Annotation
from annotator.domain.coding_view import EntityList
from annotator.services.coding import OpenDocument, Progress

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    title: str | None = None
    severity: Severity = "information"
    timeout: float | None = 3


@dataclass(frozen=True, slots=True)
class Here:
    """Where the screen's cursor is, in the text's characters (the screen owns the layout)."""
    cursor: tuple[int, int] = (0, 0)  # the token under the cursor
    selection: tuple[int, int] | None = None
    starts: tuple[int, ...] | list[int] = ()  # the text's token starts and ends, sorted
    ends: tuple[int, ...] | list[int] = ()


NOWHERE = Here()  # the cursor of a screen with no text: what tests and a document's opening act with


@dataclass(frozen=True, slots=True)
class Ahead:
    """The next document, read and laid out by a worker while the coder reads this one."""
    after_pk: int
    document: OpenDocument
    tokens: tuple[list[int], list[int]]
    wrapped: tuple[int, list[tuple[int, int]]]
    final_tokens: bool  # spaCy's, not the quick tokenizer's


Store = Callable[[Progress], Annotation | None]  # stores; returns what the open document now holds


@dataclass(frozen=True, slots=True)
class Background:
    """A store too large for a key's few milliseconds: the screen runs `store` in a worker, then
    hands what it stored to `stored`."""
    what: str  # "Accepting", "Undoing", "Redoing"
    count: int | None  # the suggestions it stores; None: its progress is said as a share
    store: Store
    then: Callable[[Annotation | None, EntityList | None], Outcome]


@dataclass(slots=True)
class Outcome:
    notices: list[Notice] = field(default_factory=list)
    opened: Ahead | bool = False  # another document is open: paint it whole (with what was fetched ahead)
    move_to: int | None = None  # put the cursor on the token holding this offset
    drop_selection: bool = False
    changed: bool = False  # the annotation changed: repaint its marks
    recount: bool = False  # the header's progress counts changed
    unsay: bool = False  # take down the notice on screen first
    background: Background | None = None
    quit: bool = False

    def say(self, text: str, title: str | None = None, severity: Severity = "information",
            timeout: float | None = 3) -> Outcome:
        self.notices.append(Notice(text, title, severity, timeout))
        return self
