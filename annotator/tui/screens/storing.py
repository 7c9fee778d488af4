"""A store too large for a key's few milliseconds, run in a thread worker while the screen goes on.

Accept all on 10,960 suggestions held the coding screen for a minute; 274k, for over seven. Accept
all, and the undo or redo of one, write the annotation whole (a row per span and decision): from
BULK_ROWS rows on, the edit, its event and its rows are stored here, in one transaction as any
key's, their rows in batches that report progress. The entity list and the marks for what was
stored are made here too. Meanwhile the keys that only look work; the others say how far it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message

from annotator.domain.coding import Annotation
from annotator.domain.coding_view import EntityList, entity_list
from annotator.domain.errors import InputError
from annotator.domain.suggestions import Suggestion
from annotator.services.coding import Progress, SaveFailed
from annotator.tui.widgets.article import Marks, entity_marks

BULK_ROWS = 2_000  # about 20 ms of the screen's time, stored on its thread below this
NOTICE_EVERY = 0.3  # seconds between two progress notices: a toast for each batch flickered
WHILE_STORING = frozenset({"cursor", "line", "page", "next_span", "help"})  # the keys that only look

View = tuple[EntityList, Marks]  # the entity list and the article's marks for an annotation
Store = Callable[[Progress], Annotation | None]  # stores; returns what the open document now holds


@dataclass
class StoreProgressed(Message):
    written: int  # rows, of
    total: int


@dataclass
class StoreEnded(Message):
    shown: Annotation | None  # what the open document now holds (None: another document's change)
    view: View | None  # its entity list and marks
    refused: tuple[str, str] | None = None  # (title, why) when nothing was stored


@dataclass
class StoreUnderWay:
    """What the coder is told while it runs, and what follows it on the screen."""
    what: str  # "Accepting", "Undoing", "Redoing"
    count: int | None  # the suggestions it stores, counted through; None: said as a share of the rows
    then: Callable[[Annotation | None, View | None], None]
    done: float = 0.0  # the share of its rows written
    said_at: float = 0.0  # when the notice last changed (monotonic seconds)

    def notice(self) -> str:
        if self.count is not None:
            return f"{self.what}… {int(self.count * self.done):,}/{self.count:,}"
        return f"{self.what}… {self.done:.0%}" if self.done else f"{self.what}…"

    def progressed(self, message: StoreProgressed) -> bool:
        """Take the progress in; whether the notice is due to change."""
        now = time.monotonic()
        self.done = message.written / message.total
        if now - self.said_at < NOTICE_EVERY and message.written < message.total:
            return False
        self.said_at = now
        return True


def run_store(store: Store, suggestion: Suggestion | None, colours: dict[str, str],
              post: Callable[[Message], object]) -> None:
    """The worker's body: store, then make the view of what was stored; every outcome is posted."""
    def progressed(written: int, total: int) -> None:
        post(StoreProgressed(written, total))

    try:
        shown = store(progressed)
    except SaveFailed as exc:
        post(StoreEnded(None, None, ("Not saved", str(exc))))
        return
    except InputError as exc:
        post(StoreEnded(None, None, ("Refused", str(exc))))
        return
    view = None
    if shown is not None:
        entities = entity_list(shown, suggestion)
        view = (entities, entity_marks(entities, colours))
    post(StoreEnded(shown, view))
