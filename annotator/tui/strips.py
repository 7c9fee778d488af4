"""One line of rich Text as a Textual Strip, without Rich's general renderer.

Rich's Text.render handles wrapping, justification and nested styles; a panel row needs none of
that, and on a new document every row of the side panel is drawn again: 60-80 us a row through
Rich, a tenth of that here. The result is the same segments (a test compares them)."""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter
from textual.strip import Strip

from annotator.domain.display import one_line


class StripMaker:
    """Turns one-line Texts into strips for one console, its style names resolved once each."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._styles: dict[str, Style] = {}

    def style(self, style: str | Style) -> Style:
        if isinstance(style, Style):
            return style
        found = self._styles.get(style)
        if found is None:
            found = self._styles[style] = self._console.get_style(style, default=Style.null())
        return found

    def strip(self, line: Text, base: Style, width: int) -> Strip:
        """`line` (no newlines) over `base`, cropped or padded to `width` cells."""
        plain = line.plain
        head = self.style(line.style) + base  # Rich's order: the Text's own style, then what is laid under it
        spans = [span for span in line.spans if span.start < span.end]
        if not spans:
            segments = [Segment(plain, head)] if plain else []
        else:
            cuts = sorted({0, len(plain), *(min(s.start, len(plain)) for s in spans),
                           *(min(s.end, len(plain)) for s in spans)})
            segments = []
            for a, b in zip(cuts, cuts[1:]):
                style = head
                for span in spans:  # in the order they were added, as Rich combines them
                    if span.start <= a and b <= span.end:
                        style += self.style(span.style)
                segments.append(Segment(plain[a:b], style))
        return Strip(segments).crop_extend(0, width, base)


class WithoutControlCharacters(LineFilter):
    """Every painted line of every widget (the article, titles, names, labels, notices, tables)
    without control characters: an escape sequence in a document or a name would otherwise reach
    the terminal raw and retitle or clear it. They take no cell, so widths stay as laid out. An app
    puts it among its line filters (Textual applies those to each line it paints)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(one_line(text) is not text for text, _, control in segments if control is None):
            return segments
        return [Segment(one_line(text), style, control) if control is None else Segment(text, style, control)
                for text, style, control in segments]


SAFE_LINES = WithoutControlCharacters()
