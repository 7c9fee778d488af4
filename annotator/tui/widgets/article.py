"""The article: title, source line and text with its spans, drawn line by line (Textual's Line API).

Text is wrapped once per width into lines that keep their character offsets; only visible lines are
rendered, and moving the cursor repaints just the lines it left and entered, so a 100 KB article
costs the same per key press as a short one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.domain.coding_view import Entity, EntityList
from annotator.services.coding import OpenDocument
from annotator.tui.wrap import wrap

PALETTE = ("#e5c07b", "#61afef", "#98c379", "#c678dd", "#e06c75", "#56b6c2", "#d19a66", "#be5046", "#a9b1d6")
CURSOR = Style(reverse=True)
SELECTION = Style(bgcolor="#3e4451", color="white")
TITLE = Style(bold=True)
META = Style(dim=True)


class ArticleView(ScrollView, can_focus=False):
    DEFAULT_CSS = """
    ArticleView { padding: 0 1; scrollbar-size-vertical: 1; overflow-x: hidden; scrollbar-gutter: stable; }
    """

    def __init__(self, labels: tuple[str, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        self.colours = {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}
        self.doc: OpenDocument | None = None
        self.starts: list[int] = []  # token starts and ends, sorted
        self.ends: list[int] = []
        self.cursor = 0  # token index
        self.anchor: int | None = None  # token index where a selection began
        self._width = 0
        self._header: list[Text] = []
        self._lines: list[tuple[int, int]] = []
        self._line_starts: list[int] = []
        self._marks: list[tuple[int, int, Style]] = []  # span styles, sorted by start
        self._mark_starts: list[int] = []
        self._longest_mark = 0
        self._base_style: Style | None = None

    # Content --------------------------------------------------------------------------------
    def show(self, doc: OpenDocument, entities: EntityList, tokens: tuple[list[int], list[int]],
             cursor_offset: int = 0, wrapped: tuple[int, list[tuple[int, int]]] | None = None) -> None:
        """`wrapped`: (width, lines) already computed for this text, used when the width still fits."""
        self.doc = doc
        self.starts, self.ends = tokens
        self.anchor = None
        self._width = 0  # wrap again at the next layout
        self.update_marks(entities)
        self.cursor = self.token_at(cursor_offset)
        self._rewrap(wrapped)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    def show_message(self, *lines: str) -> None:
        """Something to say instead of a document (an empty project)."""
        self._header = [Text(""), *(Text(line, style=TITLE if i == 0 else META) for i, line in enumerate(lines))]
        self._lines = []
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._header))
        self.refresh()

    def set_tokens(self, tokens: tuple[list[int], list[int]]) -> None:
        """Better token boundaries arrived (spaCy's tokenizer finished loading): keep the cursor's place."""
        offset = self.cursor_range[0]
        self.starts, self.ends = tokens
        self.cursor = self.token_at(offset)
        self.anchor = None
        self.refresh()

    def update_marks(self, entities: EntityList) -> None:
        """Styles for the entities (the same list the side panel shows); repaint the lines that changed."""
        marks = [(e.start, e.end, self._style(e)) for e in entities]
        changed = set(marks).symmetric_difference(self._marks)
        self._marks = marks
        self._mark_starts = [m[0] for m in marks]
        self._longest_mark = max((e - s for s, e, _ in marks), default=0)
        if self._lines and len(changed) <= 8:  # an edit: repaint the lines it touched
            for y in sorted({y for s, e, _ in changed for y in range(self.line_of(s), self.line_of(max(e - 1, s)) + 1)}):
                self.refresh_line(y)
        else:
            self.refresh()

    def _style(self, entity: Entity) -> Style:
        """Coded: solid background (italic when off token boundaries); undecided: underlined."""
        colour = self.colours.get(entity.label, "white")
        if entity.span is not None:
            return Style(bgcolor=colour, color="black", bold=True, italic=not entity.span.aligned)
        return Style(color=colour, underline=True)

    # Layout ---------------------------------------------------------------------------------
    def on_resize(self) -> None:
        self._rewrap()

    @property
    def text_width(self) -> int:
        return self.scrollable_content_region.width

    def _rewrap(self, wrapped: tuple[int, list[tuple[int, int]]] | None = None) -> None:
        width = self.scrollable_content_region.width
        if self.doc is None or width <= 0 or width == self._width:
            return
        self._width = width
        doc = self.doc
        meta = " · ".join(str(doc.meta[k]) for k in ("source", "date", "url") if doc.meta.get(k))
        title = Text(doc.title or doc.id, style=TITLE)
        self._header = [*title.wrap(self.app.console, width), *(Text(meta, style=META).wrap(self.app.console, width) if meta else []), Text("")]
        self._lines = wrapped[1] if wrapped and wrapped[0] == width else wrap(doc.text, width)
        self._line_starts = [s for s, _ in self._lines]
        self.virtual_size = Size(width, len(self._header) + len(self._lines))
        self.scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None

    @property
    def base_style(self) -> Style:
        """The widget's own colours (rich_style walks every ancestor: once per style change, not per line)."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self.base_style
        if index < len(self._header):
            header = self._header[index].copy()
            header.stylize_before(base)
            return self._strip(header, width)
        index -= len(self._header)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        start, end = self._lines[index]
        return self._text_strip(start, end, width, base)

    def _text_strip(self, start: int, end: int, width: int, base: Style) -> Strip:
        """Segments built directly (no rich Text): marks, then the selection, then the cursor on top."""
        text = self.doc.text[start:end].replace("\r", " ")
        layers: list[tuple[int, int, Style]] = []
        lo = bisect_left(self._mark_starts, start - self._longest_mark)
        for mark_start, mark_end, style in self._marks[lo:bisect_left(self._mark_starts, end)]:
            if mark_end > start:
                layers.append((max(mark_start, start) - start, min(mark_end, end) - start, style))
        for extra, style in ((self.selection, SELECTION), (self.cursor_range, CURSOR)):
            if extra and extra[0] < end and extra[1] > start:
                layers.append((max(extra[0], start) - start, min(extra[1], end) - start, style))
        if not layers:
            segments = [Segment(text, base)]
        else:
            cuts = sorted({0, len(text), *(a for a, _, _ in layers), *(b for _, b, _ in layers)})
            segments = []
            for a, b in zip(cuts, cuts[1:]):
                style = base
                for s, e, layer in layers:
                    if s <= a and b <= e:
                        style += layer
                segments.append(Segment(text[a:b], style))
        return Strip(segments).crop_extend(0, width, base)

    def _strip(self, text: Text, width: int) -> Strip:
        segments = list(text.render(self.app.console))
        return Strip(segments).crop_extend(0, width, self.base_style)

    # Cursor -----------------------------------------------------------------------------------
    @property
    def cursor_range(self) -> tuple[int, int]:
        if not self.starts:
            return (0, 0)
        return self.starts[self.cursor], self.ends[self.cursor]

    @property
    def selection(self) -> tuple[int, int] | None:
        if self.anchor is None or self.anchor == self.cursor or not self.starts:
            return None
        first, last = sorted((self.anchor, self.cursor))
        return self.starts[first], self.ends[last]

    def token_at(self, offset: int) -> int:
        """The token holding `offset`, else the next one (else the last)."""
        if not self.starts:
            return 0
        i = bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.ends[i]:
            return i
        return min(i + 1, len(self.starts) - 1)

    def line_of(self, offset: int) -> int:
        """Index into the virtual lines (header included) of the screen line holding `offset`."""
        return len(self._header) + max(bisect_right(self._line_starts, offset) - 1, 0)

    def move_to(self, token: int, extend: bool = False) -> None:
        """Put the cursor on a token; with extend, grow the selection instead of dropping it."""
        token = max(0, min(token, len(self.starts) - 1))
        before = self._painted_lines()
        if extend and self.anchor is None:
            self.anchor = self.cursor
        elif not extend:
            self.anchor = None
        self.cursor = token
        for y in sorted(before | self._painted_lines()):
            self.refresh_line(y)
        self.scroll_to_cursor()

    def move_lines(self, delta: int, extend: bool = False) -> None:
        """Up or down a screen line, keeping the column as far as the line allows."""
        if not self._lines:
            return
        start = self.cursor_range[0]
        index = self.line_of(start) - len(self._header)
        target = max(0, min(index + delta, len(self._lines) - 1))
        column = start - self._lines[index][0]
        line_start, line_end = self._lines[target]
        self.move_to(self.token_at(min(line_start + column, max(line_end - 1, line_start))), extend)

    def _painted_lines(self) -> set[int]:
        lines = {self.line_of(self.cursor_range[0]), self.line_of(max(self.cursor_range[1] - 1, 0))}
        if self.selection:
            lines |= set(range(self.line_of(self.selection[0]), self.line_of(max(self.selection[1] - 1, 0)) + 1))
        return lines

    def scroll_to_cursor(self) -> None:
        if not self._lines:
            return
        y = self.line_of(self.cursor_range[0])
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if y < top + 1 or y >= top + height - 1:
            self.scroll_to(y=max(0, y - height // 3), animate=False)

    def page(self, direction: int) -> None:
        self.move_lines(direction * max(self.scrollable_content_region.height - 2, 1))
