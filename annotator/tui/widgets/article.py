"""The article: title, source line and text with its spans, drawn line by line (Textual's Line API).

Text is wrapped once per width into lines that keep their character offsets; only visible lines are
rendered, and moving the cursor repaints just the lines it left and entered, so a 100 KB article
costs the same per key press as a short one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.domain.coding_view import EntityList, display_title, meta_line
from annotator.services.coding import OpenDocument
from annotator.tui.strips import StripMaker
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
        self.cursor_shown = True
        self.selection_anchor: int | None = None  # token index where a selection began
        self._column: int | None = None  # the column ↑ ↓ aim for, kept across short and blank lines
        self._width = 0
        self._header: list[Text] = []
        self._lines: list[tuple[int, int]] = []
        self._line_starts: list[int] = []
        self._marks = Marks([], (), 0)  # span styles, sorted by start
        self._base_style: Style | None = None
        self._maker: StripMaker | None = None

    # Content --------------------------------------------------------------------------------
    def show(self, doc: OpenDocument, entities: EntityList, tokens: tuple[list[int], list[int]],
             cursor_offset: int = 0, wrapped: tuple[int, list[tuple[int, int]]] | None = None) -> None:
        """`wrapped`: (width, lines) already computed for this text, used when the width still fits."""
        self.doc = doc
        self.starts, self.ends = _words(doc.text, tokens)
        self.selection_anchor = self._column = None
        self._width = 0  # wrap again at the next layout
        self.update_marks(entities)
        self.cursor = self.token_at(cursor_offset)
        self._rewrap(wrapped)
        self._scroll(0)
        self.scroll_to_cursor()
        self.refresh()

    def show_message(self, *lines: str) -> None:
        """Something to say instead of a document (an empty project)."""
        self._header = [Text(""), *(Text(line, style=TITLE if i == 0 else META) for i, line in enumerate(lines))]
        self._lines = []
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._header))
        self.refresh()

    def set_tokens(self, tokens: tuple[list[int], list[int]]) -> None:
        """Better token boundaries arrived (spaCy's tokenizer finished loading): keep the cursor's place."""
        if self.doc is None:
            return
        offset = self.cursor_range[0]
        self.starts, self.ends = _words(self.doc.text, tokens)
        self.cursor = self.token_at(offset)
        self.selection_anchor = self._column = None
        self.refresh()

    def update_marks(self, entities: EntityList, marks: Marks | None = None) -> None:
        """Styles for the entities (the same list the side panel shows); repaint the lines that changed.
        `marks`: theirs already made off the screen's thread (entity_marks), for a change to many:
        then everything repaints, without comparing a quarter of a million marks first."""
        if marks is None:
            marks = entity_marks(entities, self.colours)
            changed = set(marks.marks).symmetric_difference(self._marks.marks)
        else:
            changed = None
        self._marks = marks
        if self._lines and changed is not None and len(changed) <= 8:  # an edit: repaint the lines it touched
            for y in sorted({y for s, e, _ in changed for y in range(self.line_of(s), self.line_of(max(e - 1, s)) + 1)}):
                self.refresh_line(y)
        else:
            self.refresh()

    # Layout ---------------------------------------------------------------------------------
    def on_resize(self) -> None:
        """Same token under the cursor at any size, and in view (a height change alone can hide it)."""
        self._rewrap()
        self.scroll_to_cursor()

    @property
    def text_width(self) -> int:
        return self.scrollable_content_region.width

    def _rewrap(self, wrapped: tuple[int, list[tuple[int, int]]] | None = None) -> None:
        width = self.scrollable_content_region.width
        if self.doc is None or width <= 0 or width == self._width:
            return
        self._width = width
        doc = self.doc
        meta = meta_line(doc.meta)
        title = Text(display_title(doc.title, doc.text), style=TITLE)
        self._header = [*title.wrap(self.app.console, width), *(Text(meta, style=META).wrap(self.app.console, width) if meta else []), Text("")]
        self._lines = wrapped[1] if wrapped and wrapped[0] == width else wrap(doc.text, width)
        self._line_starts = [s for s, _ in self._lines]
        self._set_virtual_size(Size(width, len(self._header) + len(self._lines)))

    def _set_virtual_size(self, size: Size) -> None:
        """A new document changes only the scrollable height: update the scrollbar without the layout
        pass that assigning `virtual_size` asks for (it repaints every widget on screen, ~20 ms a
        document). Textual still lays out again if the scrollbar appears or goes."""
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

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
            return self._strip(self._header[index], width)
        index -= len(self._header)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        start, end = self._lines[index]
        return self._text_strip(start, end, width, base)

    def _text_strip(self, start: int, end: int, width: int, base: Style) -> Strip:
        """Segments built directly (no rich Text): marks, then the selection, then the cursor on top."""
        assert self.doc is not None, "lines are laid out from a document"
        text = self.doc.text[start:end].replace("\r", " ").replace("\t", " ")  # one cell each, as wrap counts them
        layers: list[tuple[int, int, Style]] = []
        marks = self._marks
        lo = bisect_left(marks.starts, start - marks.longest)
        for mark_start, mark_end, style in marks.marks[lo:bisect_left(marks.starts, end)]:
            if mark_end > start:
                layers.append((max(mark_start, start) - start, min(mark_end, end) - start, style))
        cursor = self.cursor_range if self.cursor_shown else None
        for extra, style in ((self.selection, SELECTION), (cursor, CURSOR)):
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
        if self._maker is None:
            self._maker = StripMaker(self.app.console)
        return self._maker.strip(text, self.base_style, width)

    # Cursor -----------------------------------------------------------------------------------
    @property
    def cursor_range(self) -> tuple[int, int]:
        if not self.starts:
            return (0, 0)
        return self.starts[self.cursor], self.ends[self.cursor]

    @property
    def selection(self) -> tuple[int, int] | None:
        if self.selection_anchor is None or self.selection_anchor == self.cursor or not self.starts:
            return None
        first, last = sorted((self.selection_anchor, self.cursor))
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
        if extend and self.selection_anchor is None:
            self.selection_anchor = self.cursor
        elif not extend:
            self.selection_anchor = None
        self.cursor = token
        self._column = None
        for y in sorted(before | self._painted_lines()):
            self.refresh_line(y)
        self.scroll_to_cursor()

    def move_lines(self, delta: int, extend: bool = False) -> None:
        """Up or down `delta` screen lines, passing over lines with no token (blank lines, the rest of
        a cut word), keeping the column as far as the line allows."""
        if not self._lines or not self.starts:
            return
        starts, line_starts = self.starts, self._line_starts
        index = self.line_of(self.cursor_range[0]) - len(self._header)
        column = self._column if self._column is not None else self.cursor_range[0] - line_starts[index]
        target = max(0, min(index + delta, len(self._lines) - 1))
        if delta > 0:  # the first token at or below the target line, else the last token
            token = min(bisect_left(starts, line_starts[target]), len(starts) - 1)
        else:  # the last token at or above it, else the first
            token = max(bisect_left(starts, self._line_end(target)) - 1, 0)
        line = self.line_of(starts[token]) - len(self._header)
        first, last = bisect_left(starts, line_starts[line]), bisect_left(starts, self._line_end(line)) - 1
        goal = line_starts[line] + column
        under = bisect_right(starts, goal) - 1
        if under < first or self.ends[under] <= goal:  # between tokens: the next one
            under += 1
        self.move_to(max(first, min(under, last)), extend)
        self._column = column

    def _line_end(self, line: int) -> float:
        """Where the next line starts: tokens of `line` start before it (a line break belongs to no line)."""
        return self._line_starts[line + 1] if line + 1 < len(self._line_starts) else float("inf")

    def show_cursor(self, shown: bool) -> None:
        """The text cursor marks the focus only while the focus is in the text (not on a target)."""
        if shown != self.cursor_shown:
            self.cursor_shown = shown
            for y in self._painted_lines():
                self.refresh_line(y)

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
            self._scroll(max(0, y - height // 3))

    def _scroll(self, y: int) -> None:
        """Scroll now, not after the next refresh (the next key, held down, reads this offset), and
        even before the scrollbars have caught up with a new size or document (force)."""
        self.scroll_to(y=y, animate=False, immediate=True, force=True)

    def page(self, direction: int) -> None:
        self.move_lines(direction * max(self.scrollable_content_region.height - 2, 1))


Mark = tuple[int, int, Style]  # an entity's start, end and style


@dataclass(frozen=True, slots=True)
class Marks:
    marks: list[Mark]  # sorted by start
    starts: tuple[int, ...]  # the entity list's own
    longest: int  # the longest mark's length: how far back a line's first mark can start


def entity_marks(entities: EntityList, colours: dict[str, str]) -> Marks:
    """The article's marks for these entities: pure, so a worker can make them for a bulk change."""
    marks = [(e.start, e.end, _style(colours.get(e.label, "white"), e.span is not None,
                                     e.span is None or e.span.aligned)) for e in entities]
    return Marks(marks, entities.starts, max((e.end - e.start for e in entities), default=0))


@lru_cache(maxsize=1024)
def _style(colour: str, coded: bool, aligned: bool) -> Style:
    """Coded: solid background (italic when off token boundaries); undecided: underlined. One Style
    per kind, shared: making one per entity cost a second and a half on 274k of them."""
    if coded:
        return Style(bgcolor=colour, color="black", bold=True, italic=not aligned)
    return Style(color=colour, underline=True)


def _words(text: str, tokens: tuple[list[int], list[int]]) -> tuple[list[int], list[int]]:
    """The tokens a cursor can stand on: spaCy keeps runs of spaces and line breaks as tokens too,
    and a cursor there is drawn nowhere (and a blank line would hold it)."""
    kept = [(start, end) for start, end in zip(*tokens) if not text[start:end].isspace()]
    return [start for start, _ in kept], [end for _, end in kept]
