"""`/`: find a document by id or title and open it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from annotator.services.coding import CodingSession


class FindScreen(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel", tooltip="Close without opening", id="cancel-find")]
    DEFAULT_CSS = """
    FindScreen { align: center top; }
    FindScreen > Vertical { width: 80%; max-width: 90; height: auto; max-height: 80%; margin-top: 2;
                            border: round $primary; background: $surface; }
    FindScreen OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, session: CodingSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Find a document (id or title)"
            yield Input(placeholder="type part of an id or title, then enter")
            yield OptionList()

    @on(Input.Changed)
    def _search(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        if event.value.strip():
            options.add_options([Option(f"{doc_id}  {title[:60]}", id=str(pk))
                                 for pk, doc_id, title in self.session.find(event.value.strip())])
            if options.option_count:
                options.highlighted = 0

    @on(Input.Submitted)
    def _open_first(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            self.dismiss(int(options.get_option_at_index(options.highlighted or 0).id))

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def on_key(self, event) -> None:
        if event.key in ("down", "up"):  # arrows pick among the matches while typing
            options = self.query_one(OptionList)
            if options.option_count:
                options.action_cursor_down() if event.key == "down" else options.action_cursor_up()
                event.stop()
