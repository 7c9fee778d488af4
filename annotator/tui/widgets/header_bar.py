"""The top line: who codes with which codebook, and how far they are."""

from __future__ import annotations

from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from annotator.tui.strips import StripMaker


class HeaderBar(Widget):
    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $primary-darken-2; color: $text; padding: 0 1; }
    """

    def __init__(self, coder: str, codebook: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.left = f"annotator · {coder} · {codebook}"
        self.position: int | None = 0
        self.total, self.done_today, self.seconds = 0, 0, 0.0
        self.status = ""
        self._maker: StripMaker | None = None

    def on_mount(self) -> None:
        self._maker = StripMaker(self.app.console)

    def set_progress(self, position: int | None, total: int, done_today: int, status: str) -> None:
        self.position, self.total, self.done_today, self.status = position, total, done_today, status
        self.refresh(layout=False)

    def set_seconds(self, seconds: float) -> None:
        self.seconds = seconds
        self.refresh(layout=False)

    def render_line(self, y: int) -> Strip:
        """One line, drawn directly (Rich's renderer took half a millisecond of every new document)."""
        assert self._maker is not None, "made on mount"
        return self._maker.strip(self.line(), self.rich_style, self.content_region.width)

    def line(self) -> Text:
        """Built at the width the header has when it is painted: built when the figures changed, it
        could be cut to the width before the first layout (one letter of the title) and stay so."""
        minutes, seconds = divmod(int(self.seconds), 60)
        status = f"{self.status} · " if self.status and self.status != "draft" else ""
        where = (f"… of {self.total}" if self.position is None  # (being counted)
                 else f"{self.position} of {self.total}" if self.position else f"not in your {self.total}")
        right = f"{status}{where} · done today {self.done_today} · {minutes:02d}:{seconds:02d}"
        width = max(self.content_region.width, len(right) + 2)
        left = self.left[: max(width - len(right) - 1, 0)]
        line = Text(left, style="bold")
        line.append(" " * max(width - len(left) - len(right), 1))
        line.append(right)
        return line
