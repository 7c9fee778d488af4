"""`/`: find a document by words of its id, title or text, and open it."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from annotator.services.coding import CodingSession

Match = tuple[int, str, str]  # (pk, id, title)


class FindInput(Input):
    """The find box, taking its editing keys in the order they were typed.

    Textual runs a widget's key bindings only once the key has bubbled up to the app, while letters go
    in at once: typed fast, "robot", five backspaces and "news" came out as "robo". Here the box's own
    bindings (backspace, delete, enter, ...) act as their key arrives, between the letters around it.
    """

    EDITING_KEYS = {binding.key: binding.action for binding in Binding.make_bindings(Input.BINDINGS)}

    async def on_key(self, event: events.Key) -> None:
        action = self.EDITING_KEYS.get(event.key)
        if action is not None:
            event.stop()
            event.prevent_default()
            await self.run_action(action)


class FindScreen(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel", tooltip="Close without opening", id="cancel-find")]
    DEFAULT_CSS = """
    FindScreen { align: center top; }
    FindScreen > Vertical { width: 80%; max-width: 90; height: auto; max-height: 80%; margin-top: 2;
                            border: round $primary; background: $surface; }
    FindScreen OptionList { height: auto; max-height: 16; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    @dataclass
    class Found(Message):
        query: str
        matches: list[Match]

    def __init__(self, session: CodingSession, typed_ahead: list[tuple[str, str | None]] | None = None) -> None:
        """`typed_ahead`: (key, character) typed after `/` before this screen was up, kept by the coding screen."""
        super().__init__()
        self.session = session
        self.typed_ahead = typed_ahead if typed_ahead is not None else []
        self.shown_for = ""  # the query the listed matches answer

    async def on_mount(self) -> None:
        """Replay what was typed while the box was opening, in order; from now on keys come here."""
        box = self.query_one(FindInput)
        box.focus()
        keys, self.typed_ahead[:] = list(self.typed_ahead), []
        for key, character in keys:
            action = FindInput.EDITING_KEYS.get(key)
            if action is not None:
                await box.run_action(action)
            elif key == "escape":
                self.dismiss(None)
                return
            elif character and character.isprintable():
                box.insert_text_at_cursor(character)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Find a document (id, title or text)"
            yield FindInput(placeholder="words from its id, title or text, then enter")
            yield OptionList()

    @on(Input.Changed)
    def _search(self, event: Input.Changed) -> None:
        self._find(event.value.strip())

    @work(thread=True, exclusive=True, group="find", exit_on_error=False)
    def _find(self, query: str) -> None:
        """The query off the screen's thread, so a keystroke never waits for the database."""
        matches = self.session.find(query) if query else []
        if not get_current_worker().is_cancelled:
            self.post_message(self.Found(query, matches))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.query == self.query_one(Input).value.strip():  # older searches' answers are dropped
            self._show(message.query, message.matches)

    def _show(self, query: str, matches: list[Match]) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        # Plain text (a title may hold "[" or markup), on one line: the CSS cuts it with "…" to fit.
        options.add_options([Option(Content.assemble((doc_id, "bold"), "  ", " ".join((title or "").split())),
                                    id=str(pk)) for pk, doc_id, title in matches])
        if matches:
            options.highlighted = 0
        self.shown_for = query

    @on(Input.Submitted)
    def _open_first(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if query != self.shown_for:  # enter came before the search's answer: ask now
            self._show(query, self.session.find(query) if query else [])
        options = self.query_one(OptionList)
        chosen = options.get_option_at_index(options.highlighted or 0).id if options.option_count else None
        if chosen is not None:  # each option's id is its document's pk
            self.dismiss(int(chosen))

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def on_key(self, event: events.Key) -> None:
        if event.key in ("down", "up"):  # arrows pick among the matches while typing
            options = self.query_one(OptionList)
            if options.option_count:
                options.action_cursor_down() if event.key == "down" else options.action_cursor_up()
                event.stop()
