"""The review app: the review screen for a lead (the session checks the role before it opens)."""

from __future__ import annotations

from textual.app import App

from annotator.services.gold import ReviewSession
from annotator.tui.screens.review import ReviewScreen


class ReviewApp(App):
    TITLE = "annotator review"

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.session))
