"""The side panel: the document's entities, the stance for each target, and the codebook's words."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from rich.text import Text
from rich.segment import Segment
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from annotator.domain.codebook import Codebook
from annotator.domain.coding import pending
from annotator.services.coding import OpenDocument


@dataclass(frozen=True)
class Item:
    """One row of the entity list: a coded span or an undecided suggestion."""
    start: int
    end: int
    label: str
    coded: bool


def entity_items(doc: OpenDocument) -> list[Item]:
    items = [Item(s.start, s.end, s.label, True) for s in doc.state.spans]
    items += [Item(p["start"], p["end"], p["label"], False) for p in pending(doc.state, doc.suggested_spans)
              if not any(s.overlaps(p["start"], p["end"]) for s in doc.state.spans)]
    return sorted(items, key=lambda i: (i.start, i.end))


class SidePanel(Widget):
    """Drawn line by line: a cursor move that changes the focused row repaints two lines, not the panel."""
    DEFAULT_CSS = """
    SidePanel { width: 30%; min-width: 34; max-width: 56; height: 100%; border-left: solid $primary-darken-2; padding: 0 1; overflow: hidden; }
    """

    def __init__(self, codebook: Codebook, colours: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.codebook, self.colours = codebook, colours
        self._last: tuple | None = None
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}
        self._base = None
        self._doc: OpenDocument | None = None
        self._first = 0  # first entity row shown

    def on_resize(self) -> None:
        self._strips.clear()
        self._lines = []
        if self._last:
            self.show(*self._last)

    def show(self, doc: OpenDocument, items: list[Item], focus: Item | None, target: str | None,
             stance_focus: bool) -> None:
        self._last = (doc, items, focus, target, stance_focus)
        width = max(self.content_region.width, 20)
        height = max(self.content_region.height, 10)
        stance_rows = self._stances(doc, target, stance_focus, width) if self.codebook.targets else []
        about = self._about(focus, target if stance_focus else None, width)
        used = sum(len(row.wrap(self.app.console, width)) if row.cell_len > width else 1
                   for row in [*stance_rows, *about])
        room = max(height - used, 3)
        lines = [line for row in [*self._entities(doc, items, focus, width, room), *stance_rows, *about]
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
                line = self._lines[y].copy()
                line.stylize_before(base)
                strip = Strip(list(line.render(self.app.console))).crop_extend(0, width, base)
            else:
                strip = Strip([Segment(" " * width, base)], width)
            self._strips[y] = strip
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._base = None

    def _entities(self, doc: OpenDocument, items: list[Item], focus: Item | None, width: int, room: int) -> list[Text]:
        coded = sum(i.coded for i in items)
        head = Text(f"Entities {coded} ✓ {len(items) - coded} ?", style="bold")
        at = bisect_left(items, (focus.start, focus.end), key=lambda i: (i.start, i.end)) if focus else None
        shown = room - 1
        first = self._first if doc is self._doc else 0
        if at is not None and not first <= at < first + shown:  # scroll only when the focus leaves the window
            first = at - shown // 3 if at < first else at - 2 * shown // 3
        first = max(0, min(first, len(items) - shown))
        self._doc, self._first = doc, first
        rows = [head]
        label_width = min(max((len(e.label) for e in self.codebook.entities), default=6), 11)
        for item in items[first:first + room - 1]:
            name = doc.text[item.start:item.end].replace("\n", " ")
            mark = "✓" if item.coded else "?"
            row = Text("▸ " if item == focus else "  ")
            row.append(f"{item.label[:label_width]:<{label_width}} ",
                       style=self.colours.get(item.label, "white") + ("" if item.coded else " dim"))
            row.append(f"{name[:width - label_width - 5]:<{width - label_width - 5}} ", style="" if item.coded else "dim")
            row.append(mark, style="green" if item.coded else "yellow")
            rows.append(row)
        if not items:
            rows.append(Text("  (none yet: select text, press a label key)", style="dim"))
        return rows

    def _stances(self, doc: OpenDocument, target: str | None, stance_focus: bool, width: int) -> list[Text]:
        rows = [Text("Stance", style="bold")]
        for t in self.codebook.targets:
            coded = doc.state.stance(t.name)
            suggested = doc.suggested_stance(t.name)
            row = Text("▸ " if t.name == target and stance_focus else "  ")
            row.append(f"{t.name[:13]:<13} ")
            if coded:
                row.append(f"{coded.label} ✓", style="bold green")
            elif suggested:
                row.append(f"{suggested['label']}? {suggested['score']:.2f}", style="yellow")
            else:
                row.append("–", style="dim")
            rows.append(row)
        evidence = self._evidence(doc, target)
        if evidence:
            rows.append(Text(f'"{_shorten(evidence, 2 * width - 2)}"', style="italic dim"))
        return rows

    @staticmethod
    def _evidence(doc: OpenDocument, target: str | None) -> str | None:
        suggested = doc.suggested_stance(target) if target else None
        if not suggested or not suggested.get("evidence"):
            return None
        start, end = suggested["evidence"][0]
        return " ".join(doc.text[start:end].split())

    def _about(self, focus: Item | None, target: str | None, width: int) -> list[Text]:
        if target:
            t = next(t for t in self.codebook.targets if t.name == target)
            text = f"Codebook: {t.name} — {t.description}"
        elif focus:
            e = next((e for e in self.codebook.entities if e.label == focus.label), None)
            text = f"Codebook: {focus.label} — {e.description if e else 'not in this codebook'}"
        else:
            return []
        return [Text(_shorten(text, 2 * width), style="dim")]


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
