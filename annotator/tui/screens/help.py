"""`?`: every key of the coding screen, the codebook's labels and its guidelines."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.domain.codebook import Codebook


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close", tooltip="Close the help", id="close-help")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: round $primary; padding: 0 1;
                                  background: $surface; }
    """

    def __init__(self, codebook: Codebook, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.codebook, self.keys = codebook, keys

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys and codebook  (escape closes)"
            yield Static(self._keys_table())
            yield Static(self._codebook_text())

    def _keys_table(self) -> Table:
        table = Table("key", "what it does", box=None, padding=(0, 1), show_header=False, expand=True)
        for keys, text in self.keys:
            table.add_row(Text(keys_as_typed(keys), style="bold"), text)
        return table

    def _codebook_text(self) -> Text:
        cb = self.codebook
        text = Text(f"\nCodebook {cb.name} (version {cb.version})\n", style="bold")
        for e in cb.entities:
            text.append(f"  {e.key}  {e.label:<8} ", style="bold")
            text.append(f"{e.description}\n")
        for t in cb.targets:
            text.append(f"  target {t.name}: ", style="bold")
            text.append(f"{t.description} (aliases: {', '.join(t.aliases)})\n")
        for s in cb.stances:
            text.append(f"  {s.key}  {s.label:<8} ", style="bold")
            text.append(f"{s.description}\n")
        if cb.guidelines.strip():
            text.append("\nGuidelines\n", style="bold")
            text.append(reflow(cb.guidelines) + "\n")
        return text


def keys_as_typed(keys: str) -> str:
    """A binding's keys as the coder types them: "{" for "left_curly_bracket", "/" for "slash";
    several keys ("escape,q") side by side. A codebook key is already a character, "," included."""
    return " ".join(format_key(key) for key in (keys.split(",") if len(keys) > 1 else [keys]))


LIST_ITEM = re.compile(r"\s*([-*•]|\d+[.)])\s")


def reflow(guidelines: str) -> str:
    """Guidelines as paragraphs for Rich to wrap at the screen's width: the TOML's lines are wrapped
    by hand at about 100 columns, which left ragged breaks on a narrower screen. A blank line ends a
    paragraph; a line starting a list item ("- ", "1. ") keeps its own line."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", guidelines.strip()):
        lines: list[str] = []
        for line in paragraph.splitlines():
            if lines and not LIST_ITEM.match(line):
                lines[-1] += " " + line.strip()
            else:
                lines.append(line.rstrip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
