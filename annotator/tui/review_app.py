"""The review app: the review screen for a lead (the session checks the role before it opens)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App
from textual.filter import LineFilter

from annotator.services.gold import ReviewSession
from annotator.tui.notices import NOTICE_CSS
from annotator.tui.screens.review import ReviewScreen
from annotator.tui.strips import SAFE_LINES


class ReviewApp(App):
    TITLE = "annotator review"
    CSS = NOTICE_CSS

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), SAFE_LINES]  # no escape sequence from a document reaches the terminal

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.session))
