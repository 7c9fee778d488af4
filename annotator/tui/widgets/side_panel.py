"""The side panel: the document's entities, the stance for each target, and the codebook's words."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from annotator.domain.codebook import Codebook
from annotator.domain.coding_view import EntityList, Focus, stance_rows
from annotator.services.coding import OpenDocument
from annotator.tui.strips import StripMaker


class SidePanel(Widget):
    """Drawn line by line: a cursor move that changes the focused row repaints two lines, not the panel."""
    DEFAULT_CSS = """
    SidePanel { width: 30%; min-width: 34; max-width: 56; height: 100%; border-left: solid $primary-darken-2; padding: 0 1; overflow: hidden; }
    """

    def __init__(self, codebook: Codebook, colours: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.codebook, self.colours = codebook, colours
        self._last: tuple[Any, ...] | None = None
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}
        self._base: Style | None = None
        self._doc: OpenDocument | None = None
        self._first = 0  # first entity row shown
        self._doc_targets: tuple[Any, ...] = ()  # the shown document's targets
        self._maker: StripMaker | None = None

    def on_mount(self) -> None:
        self._maker = StripMaker(self.app.console)

    def on_resize(self) -> None:
        self._strips.clear()
        self._lines = []
        if self._last:
            self.show(*self._last)
        # Every line, not only those show() changed: rows wrapped at the old width and now gone
        # (the panel got wider) would stay on screen below the new, shorter content.
        self.refresh()

    def show(self, doc: OpenDocument, entities: EntityList, focus: Focus, target: str | None) -> None:
        """`focus` is the one item marked with ▸; `target` is the one whose evidence shows."""
        self._last = (doc, entities, focus, target)
        width = max(self.content_region.width, 20)
        height = max(self.content_region.height, 10)
        stance_rows = self._stances(doc, focus, target, width) if doc.targets else []
        self._doc_targets = doc.targets
        about = self._about(focus, width)
        used = sum(len(row.wrap(self.app.console, width)) if row.cell_len > width else 1
                   for row in [*stance_rows, *about])
        room = max(height - used, 3)
        lines = [line for row in [*self._entities(doc, entities, focus, width, room), *stance_rows, *about]
                 for line in (row.wrap(self.app.console, width) if row.cell_len > width else [row])]
        for y in range(max(len(lines), len(self._lines))):
            if y >= len(lines) or y >= len(self._lines) or lines[y] != self._lines[y]:
                self._strips.pop(y, None)
                self.refresh(Region(0, y, self.size.width, 1))
        self._lines = lines

    def render_line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            width = self.content_region.width
            if self._base is None:  # rich_style walks every ancestor: once per style change
                self._base = self.rich_style
            base = self._base
            if y < len(self._lines):
                assert self._maker is not None, "made on mount"
                strip = self._maker.strip(self._lines[y], base, width)
            else:
                strip = Strip([Segment(" " * width, base)], width)
            self._strips[y] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._base = None

    def _entities(self, doc: OpenDocument, entities: EntityList, focus: Focus, width: int, room: int) -> list[Text]:
        items = entities.entities
        at = entities.index(focus.entity) if focus.entity else None
        shown = room - 1
        first = self._first if doc is self._doc else 0
        if at is not None and not first <= at < first + shown:  # scroll only when the focus leaves the window
            first = at - shown // 3 if at < first else at - 2 * shown // 3
        first = max(0, min(first, len(items) - shown))
        self._doc, self._first = doc, first
        window = (first + 1, min(first + shown, len(items))) if len(items) > shown else None
        rows = [entities_heading(entities.coded, len(items), window, width)]
        label_width = min(max((len(e.label) for e in self.codebook.entities), default=6), 11)
        for item in items[first:first + room - 1]:
            name = doc.text[item.start:item.end].replace("\n", " ")
            mark = "✓" if item.coded else "?"
            row = Text("▸ " if item == focus.entity else "  ")
            row.append(f"{item.label[:label_width]:<{label_width}} ",
                       style=self.colours.get(item.label, "white") + ("" if item.coded else " dim"))
            row.append(f"{name[:width - label_width - 5]:<{width - label_width - 5}} ", style="" if item.coded else "dim")
            row.append(mark, style="green" if item.coded else "yellow")
            rows.append(row)
        if not items:
            rows.append(Text("  (none yet: select text, press a label key)", style="dim"))
        return rows

    def _stances(self, doc: OpenDocument, focus: Focus, target: str | None, width: int) -> list[Text]:
        rows = [Text("Stance", style="bold")]
        if doc.suggestion is not None:  # which model suggested the stances (the stance model in use)
            rows = stance_heading(*doc.suggestion.stance_source, width)
        elif doc.blind:  # so the coder knows the empty list is on purpose
            rows[0].append("  blind: no suggestions"[:width - 6], style="dim")
        shown = {t.name: t.shown_name for t in doc.targets}  # a per-document target by its name here
        for state in stance_rows(doc.target_names, doc.annotation, doc.suggestion):
            row = Text("▸ " if state.target == focus.target else "  ")
            row.append(f"{shown.get(state.target, state.target)[:13]:<13} ")
            if state.coded:
                row.append(f"{state.coded.label} ✓", style="bold green")
            elif state.rejected and state.suggested:
                row.append(f"{state.suggested.label} ✗", style="dim strike")
            elif state.suggested:
                score = f" {state.suggested.score:.2f}" if state.suggested.score is not None else ""
                row.append(f"{state.suggested.label}?{score}", style="yellow")
            else:
                row.append("–", style="dim")
            rows.append(row)
        evidence = self._evidence(doc, target)
        if evidence:
            rows.append(Text(f"“{_shorten(evidence, 2 * width - 2)}”", style="italic dim"))  # curly: the quoted text may hold straight ones
        return rows

    @staticmethod
    def _evidence(doc: OpenDocument, target: str | None) -> str | None:
        suggested = doc.suggestion.stance(target) if doc.suggestion and target else None
        if not suggested or not suggested.evidence:
            return None
        start, end = suggested.evidence[0]
        return " ".join(doc.text[start:end].split())

    def _about(self, focus: Focus, width: int) -> list[Text]:
        if focus.target:
            t = next(t for t in self._doc_targets if t.name == focus.target)
            named = f" (here: {t.named})" if t.named else ""
            text = f"Codebook: {t.name}{named} — {t.description}"
        elif focus.entity:
            label = focus.entity.label
            e = next((e for e in self.codebook.entities if e.label == label), None)
            text = f"Codebook: {label} — {e.description if e else 'not in this codebook'}"
        else:
            return []
        return [Text(_shorten(text, 2 * width), style="dim")]


def entities_heading(coded: int, total: int, window: tuple[int, int] | None, width: int) -> Text:
    """"Entities 12 ✓ 105 ?  5–15 of 117", in fewer columns where the panel is narrow: on one line,
    never wrapped (a count wrapped to the next row read as an entity)."""
    left = total - coded
    shown = f"{window[0]}–{window[1]}" if window else ""
    forms = ((f"Entities {coded} ✓ {left} ?", f"  {shown} of {total}"),
             (f"Entities {coded}✓ {left}?", f"  {shown} of {total}"),
             (f"Entities {coded}✓ {left}?", f" {shown}/{total}"),
             (f"{coded}✓ {left}?", f" {shown}/{total}"))
    for counts, where in forms:
        if len(counts) + (len(where) if window else 0) <= width:
            break
    head = Text(counts, style="bold")
    if window:  # say which rows these are: the list goes on below (or above)
        head.append(where, style="dim")
    return head


def stance_heading(model: str, version: str, width: int) -> list[Text]:
    """"Stance  by MODEL VERSION", the model named whole: on the heading where it fits, else on the
    next row ("Stance  by" above it); a name wider than the panel folds over rows, never cut."""
    head = Text("Stance", style="bold")
    by = f"by {model} {version}"
    if len(by) + 8 <= width:
        head.append(f"  {by}", style="dim")
        return [head]
    if len(by) + 2 <= width:
        return [head, Text(f"  {by}", style="dim")]
    head.append("  by", style="dim")
    return [head, Text(f"  {model} {version}", style="dim")]


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
