"""The coding screen: a view over the CodingController, which decides what every key does.

The screen lays the text out (so it moves the cursor by tokens, lines and pages), runs the slow
things in workers (tokenizer, suggestions, the next document, large stores) and paints what an
action's Outcome says changed.
"""

from __future__ import annotations

import time
from functools import partial

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal

from annotator.domain.tokens import simple_tokens
from annotator.services.coding import CodingSession, OpenDocument
from annotator.domain.coding_view import Focus
from annotator.services.coding_controller import ACTIONS, CodingController
from annotator.services.coding_outcome import Ahead, Here, Outcome
from annotator.tui.keys import SCREEN_BINDINGS, bar_key, codebook_keys, key_table, screen_key_actions
from annotator.tui.screens.coding_workers import DocumentWorkers
from annotator.tui.screens.storing import BackgroundStores
from annotator.tui.widgets.header_bar import HeaderBar
from annotator.tui.widgets.key_bar import KeyBar
from annotator.tui.widgets.side_panel import SidePanel
from annotator.tui.widgets.article import ArticleView, Marks


class CodingScreen(DocumentWorkers, BackgroundStores):
    BINDINGS = list(SCREEN_BINDINGS)

    def __init__(self, session: CodingSession, start: int | None = None) -> None:
        """`start`: the document to open first (else where the coder left off)."""
        super().__init__()
        self.session = session
        self.controller = CodingController(session)
        self._start = start
        self.codebook = session.codebook
        self.done_today: int | None = None
        self._applies: list = []
        self._typed_ahead: list[tuple[str, str | None]] | None = None  # for the find box while it opens
        self.codebook_keys = codebook_keys(self.codebook)
        self.key_actions = screen_key_actions(self.coding_app.keys_in_force)

    # What the controller holds, as the screen shows it (and the tests read)
    entities = property(lambda self: self.controller.entities)
    target = property(lambda self: self.controller.target)
    stance_focus = property(lambda self: self.controller.stance_focus)
    total = property(lambda self: self.controller.total)

    def focused_item(self) -> Focus:
        """The one item the keys act on (not Textual's focus, which no widget of this screen takes)."""
        return self.controller.focus()

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.session.coder, self.codebook.name, id="header")
        with Horizontal():
            self.article = ArticleView(self.codebook.entity_labels, id="article")
            yield self.article
            yield SidePanel(self.codebook, self.article.colours, id="side")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        first = self._start or self.session.resume_point()
        if first is not None:
            self.show(self.controller.open(first))
        else:
            self.article.show_message("No documents yet. Quit with q, then import some:",
                                      "annotator import PATH...   (text files, JSONL or CSV)")
            self._refresh_keys()
        self.set_interval(1.0, self._tick)
        self.call_after_refresh(self._tokenizer_worker)

    def on_resize(self, event: events.Resize) -> None:
        # The side panel is at least 34 columns wide: below 60 the article needs the room, so it gives way.
        self.query_one(SidePanel).display = event.size.width >= 60

    async def on_key(self, event: events.Key) -> None:
        """Every key of this screen runs here, in the order typed: Textual runs a binding's action only
        after the key has bubbled up to the app, so a codebook key typed fast after `a` (or a letter
        after `/`) would overtake it. The bindings (with ids) name the actions, for help and palette."""
        self.coding_app.last_activity = time.monotonic()
        self.session.touch()
        if self._typed_ahead is not None:  # typed right after `/`, before the find box was up: its keys
            self._typed_ahead.append((event.key, event.character))
            event.stop()
            event.prevent_default()
            return
        action = self.key_actions.get(event.key) or getattr(self.codebook_keys.get(event.character or ""), "action", None)
        if action is not None:
            event.stop()
            event.prevent_default()
            if self.may_run(action):
                await self.run_action(action)

    def may_run(self, action: str) -> bool:
        """While a large store runs only the keys that look work; the others say how far it is."""
        if self.controller.may_run(action.split("(", 1)[0]):
            return True
        shown = self._storing.notice() if self._storing else "Storing…"
        self.coding_app.say(f"{shown}: moving works, changes wait until it is stored.", timeout=3)
        return False

    def act(self, name: str, *parameters) -> None:
        here = Here(self.article.cursor_range, self.article.selection, self.article.starts, self.article.ends)
        self.show(self.controller.handle(name, *parameters, here=here))

    # Painting what an action changed ------------------------------------------------------------------
    def show(self, outcome: Outcome, marks: Marks | None = None) -> None:
        if outcome.unsay:
            self.coding_app.unsay()
        for notice in outcome.notices:
            self.coding_app.say(notice.text, title=notice.title or "", severity=notice.severity, timeout=notice.timeout)
        doc = self.controller.doc
        if doc is None:
            return
        if outcome.opened:
            ahead = outcome.opened if isinstance(outcome.opened, Ahead) else None
            tokens = ahead.tokens if ahead else simple_tokens(doc.text)  # spaCy's follow from a worker
            self.article.show(doc, self.controller.entities, tokens, outcome.move_to or 0, ahead.wrapped if ahead else None)
            # Workers start after this document is painted, so their CPU does not delay the frame.
            self.refresh()
            if self.tokenizer_ready and not (ahead and ahead.final_tokens):
                self.call_after_refresh(self._tokenize, doc.pk, doc.text)
            if self.controller.awaiting is not None:  # (no suggestions yet, and not blind)
                self.call_after_refresh(self._suggest, doc.pk, self.controller.awaiting)
            self.call_after_refresh(self._fetch_ahead, doc.pk, self.article.text_width)
            if self.controller.position is None:
                self.call_after_refresh(self._count_position, doc.pk)
        else:
            if outcome.changed:
                self.article.update_marks(self.controller.entities, marks)
            if outcome.move_to is not None:
                self.article.move_to(self.article.token_at(outcome.move_to))
            elif outcome.drop_selection:
                self.article.move_to(self.article.cursor)
        if outcome.recount:
            self.done_today = None
        if outcome.opened or outcome.changed or outcome.recount:
            self._refresh_progress(doc)
        self._refresh_panel()
        if outcome.background is not None:
            self._store_in_background(outcome.background)

    def _refresh_progress(self, doc: OpenDocument) -> None:
        if self.done_today is None:
            self.done_today = self.session.done_today()
        c = self.controller
        self.query_one(HeaderBar).set_progress(c.position, c.total, self.done_today, doc.annotation.status)

    def _refresh_panel(self) -> None:
        if self.doc is None:
            return
        self.article.show_cursor(not self.controller.stance_focus)
        self.query_one(SidePanel).show(self.doc, self.entities, self.focused_item(), self.target)
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """The key bar: the design's footer line, with the keys that do not apply now dimmed."""
        can = {a: bool(self.controller.can(a)) for a in ("accept", "reject", "accept_all", "undo")}
        key = partial(bar_key, self.coding_app.keys_in_force)
        items = [(key("accept"), "accept", can["accept"]), (key("reject"), "reject", can["reject"]),
                 (key("all"), "all", can["accept_all"]), ("".join(e.key for e in self.codebook.entities), "label", True),
                 ("/".join(s.key for s in self.codebook.stances), "stance", self.target is not None),
                 (key("done"), "done", True), (key("undo"), "undo", can["undo"]), (key("help"), "help", True)]
        items = [item for item in items if item[0]]  # a codebook without stances has no stance keys
        if items != self._applies:
            self._applies = items
            self.query_one(KeyBar).show(items)

    def _tick(self) -> None:
        self.query_one(HeaderBar).set_seconds(self.session.seconds_on_document())

    # Keys the screen answers itself: moving the cursor through the text's layout, and other screens ------
    def action_cursor(self, delta: int, extend: bool = False) -> None:
        self.article.move_to(self.article.cursor + delta, extend)
        self._moved()

    def action_line(self, delta: int, extend: bool = False) -> None:
        self.article.move_lines(delta, extend)
        self._moved()

    def action_page(self, direction: int) -> None:
        self.article.page(direction)
        self._moved()

    def _moved(self) -> None:
        if self.doc is not None:
            self.show(self.controller.moved(self.article.cursor_range[0]))

    def action_find(self) -> None:
        from annotator.tui.screens.find import FindScreen

        self._typed_ahead = []
        self.app.push_screen(FindScreen(self.session, self._typed_ahead), self._found)

    def _found(self, pk: int | None) -> None:
        self._typed_ahead = None
        self._chosen(pk)

    def action_dashboard(self) -> None:
        from annotator.tui.screens.dashboard import DashboardScreen, dashboard_loader

        self.app.push_screen(DashboardScreen(dashboard_loader(self.session.engine), self.codebook.name), self._chosen)

    def _chosen(self, pk: int | None) -> None:
        if pk:
            self.show(self.controller.open(pk))

    def action_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.codebook, [(key, tooltip) for key, _, tooltip, _ in self.key_table()]))

    def key_table(self) -> list[tuple[str, str, str, str]]:
        """(key, description, tooltip, action) for every key of this screen, the codebook's after accept all."""
        return key_table(self.codebook, self.coding_app.keys_in_force)

    def on_unmount(self) -> None:
        """However the app ends without `q` (a closed browser tab: textual-serve's quit arrives as
        ExitApp), the time on the open document and the place to reopen are kept as `q` keeps them."""
        self.controller.close()

    def action_quit(self) -> None:
        if not self.may_run("quit"):  # ctrl+q and the palette come here without a key
            return
        self.controller.close()
        self.session.close()
        self.app.exit()


# The controller's actions, as Textual calls them (a key, a binding, the palette): each hands the
# action to the controller with where the cursor is, and paints what came back.
for _name in ACTIONS:
    setattr(CodingScreen, f"action_{_name}", lambda self, *parameters, _name=_name: self.act(_name, *parameters))
