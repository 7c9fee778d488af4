"""The bottom line: the keys that apply now, drawn as one line of text.

Textual's Footer rebuilds its widgets whenever the applicable bindings change, which costs a layout
pass; moving the cursor onto and off entities changes them all the time, so this bar repaints one
line instead."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

KEY = "bold #ffa62b"


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; color: $footer-foreground; }
    """

    def show(self, items: list[tuple[str, str, bool]]) -> None:
        """(keys as shown, what they do, whether they apply now); the ones that do not are dimmed."""
        line = Text(no_wrap=True, overflow="crop")
        for keys, description, applies in items:
            line.append(keys, style=KEY if applies else "dim")
            line.append(f" {description}  ", style="" if applies else "dim")
        self.update(line, layout=False)
