"""The coding screen's own keys: one table that the screen binds and the codebook validator reads,
so a codebook can never bind a key the screen already uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScreenKey:
    key: str  # the key's name as the terminal reports it (Textual's names: "left_square_bracket")
    char: str | None  # the character it types, if any: what a codebook key could collide with
    action: str
    description: str
    tooltip: str
    show: bool = False  # listed in the key bar

    @property
    def id(self) -> str:
        """A stable name for remapping the key from configuration."""
        return self.description.replace(" ", "-")


SCREEN_KEYS: tuple[ScreenKey, ...] = (
    ScreenKey("a", "a", "accept", "accept", "Accept the focused suggestion (span or stance) and move on to the next undecided one", show=True),
    ScreenKey("x", "x", "reject", "reject", "Reject the focused suggestion (on a coded span or stance: remove it) and move on", show=True),
    ScreenKey("A", "A", "accept_all", "all", "Accept every undecided suggestion that overlaps no coded span (never a rejected one)", show=True),
    ScreenKey("d", "d", "done", "done", "Mark the document done and open the next unfinished one (asks first if suggestions are undecided)", show=True),
    ScreenKey("s", "s", "skip", "skip", "Mark the document skipped and open the next unfinished one"),
    ScreenKey("n", "n", "next", "next", "Open the next document"),
    ScreenKey("p", "p", "previous", "previous", "Open the previous document"),
    ScreenKey("left", None, "cursor(-1)", "token left", "Move the cursor one token left"),
    ScreenKey("right", None, "cursor(1)", "token right", "Move the cursor one token right"),
    ScreenKey("up", None, "line(-1)", "line up", "Move the cursor one line up"),
    ScreenKey("down", None, "line(1)", "line down", "Move the cursor one line down"),
    ScreenKey("shift+left", None, "cursor(-1, True)", "select left", "Extend the selection one token left"),
    ScreenKey("shift+right", None, "cursor(1, True)", "select right", "Extend the selection one token right"),
    ScreenKey("shift+up", None, "line(-1, True)", "select up", "Extend the selection one line up"),
    ScreenKey("shift+down", None, "line(1, True)", "select down", "Extend the selection one line down"),
    ScreenKey("pageup", None, "page(-1)", "page up", "Move the cursor one screen up"),
    ScreenKey("pagedown", None, "page(1)", "page down", "Move the cursor one screen down"),
    ScreenKey("tab", None, "next_span(1)", "next entity", "Jump to the next entity (coded or suggested)"),
    ScreenKey("shift+tab", None, "next_span(-1)", "previous entity", "Jump to the previous entity"),
    ScreenKey("u", "u", "next_undecided", "next undecided", "Jump to the next suggestion not yet decided"),
    ScreenKey("g", "g", "next_target", "next target", "Focus the next stance target (stance keys and a/x act on it)"),
    ScreenKey("left_square_bracket", "[", "boundary('start', -1)", "start left", "Move the focused span's start one token left"),
    ScreenKey("right_square_bracket", "]", "boundary('start', 1)", "start right", "Move the focused span's start one token right"),
    ScreenKey("left_curly_bracket", "{", "boundary('end', -1)", "end left", "Move the focused span's end one token left"),
    ScreenKey("right_curly_bracket", "}", "boundary('end', 1)", "end right", "Move the focused span's end one token right"),
    ScreenKey("delete", None, "delete_span", "delete", "Remove the focused span"),
    ScreenKey("ctrl+z", None, "undo", "undo", "Undo the last change of this session", show=True),
    ScreenKey("ctrl+y", None, "redo", "redo", "Redo what was undone"),
    ScreenKey("slash", "/", "find", "find", "Find a document by words of its id, title or text"),
    ScreenKey("D", "D", "dashboard", "dashboard", "Show each coder's progress, agreement, and the documents the coders agree on least"),
    ScreenKey("question_mark", "?", "help", "help", "Show the keys and the codebook guidelines", show=True),
    ScreenKey("q", "q", "quit", "quit", "Quit (everything is already saved)"),
)

RESERVED_CHARACTERS: frozenset[str] = frozenset(k.char for k in SCREEN_KEYS if k.char)
