"""A store too large for a key's few milliseconds, run in a thread worker while the screen goes on.

Accept all on 10,960 suggestions held the coding screen for a minute; 274k, for over seven. Accept
all, and the undo or redo of one, write the annotation whole (a row per span and decision): from
BULK_ROWS rows on (see the coding controller), the edit, its event and its rows are stored here, in one transaction as any
key's, their rows in batches that report progress. The entity list and the marks for what was
stored are made here too. Meanwhile the keys that only look work; the others say how far it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from textual.message import Message
from textual.screen import Screen

from functools import partial

from annotator.domain.coding import Annotation
from annotator.domain.coding_view import EntityList, entity_list
from annotator.domain.errors import InputError
from annotator.domain.suggestions import Suggestion
from annotator.services.coding import Progress, SaveFailed
from annotator.services.coding_controller import CodingController
from annotator.services.coding_outcome import Background, Outcome
from annotator.tui.app_parts import CodingAppParts
from annotator.tui.widgets.article import ArticleView, Marks, entity_marks


NOTICE_EVERY = 0.3  # seconds between two progress notices: a toast for each batch flickered

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
    then: Callable[[Annotation | None, EntityList | None], Outcome]  # what the screen then paints
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


class BackgroundStores(Screen[None]):
    """The coding screen's part that runs a controller's Background store in a worker and hands
    what it stored back (see the coding screen: what this part uses of it is declared here)."""
    _storing: StoreUnderWay | None = None
    controller: CodingController
    article: ArticleView

    @property
    def coding_app(self) -> CodingAppParts:
        return cast(CodingAppParts, self.app)

    def show(self, outcome: Outcome, marks: Marks | None = None) -> None:
        raise NotImplementedError

    def _refresh_keys(self) -> None:
        raise NotImplementedError

    def _store_in_background(self, background: Background) -> None:
        self._storing = StoreUnderWay(background.what, background.count, background.then, said_at=time.monotonic())
        self.coding_app.stores_under_way += 1
        self.coding_app.say(self._storing.notice(), timeout=None)
        self._refresh_keys()
        doc = self.controller.doc
        self.run_worker(partial(run_store, background.store, doc.suggestion if doc else None,
                                dict(self.article.colours), self.post_message),
                        group="store", description="large store", exclusive=True, thread=True, exit_on_error=False)

    def on_store_progressed(self, message: StoreProgressed) -> None:
        if self._storing is not None and self._storing.progressed(message):
            self.coding_app.say(self._storing.notice(), timeout=None)

    def on_store_ended(self, message: StoreEnded) -> None:
        storing, self._storing = self._storing, None
        self.coding_app.stores_under_way -= 1
        self.coding_app.last_activity = time.monotonic()  # its garbage is collected after, once the coder is idle
        self.coding_app.unsay()
        if message.refused is not None:
            self.controller.store_refused()
            title, why = message.refused
            self.coding_app.say(why, title=title, severity="error", timeout=8)
            self._refresh_keys()
            return
        entities, marks = message.view or (None, None)
        if storing is not None:
            self.show(storing.then(message.shown, entities), marks)
