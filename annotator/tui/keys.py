"""The coding screen's keys: every binding has an id and a tooltip (the help and the palette show them)."""

from __future__ import annotations

from textual.binding import Binding
from textual.keys import _character_to_key

from annotator.domain.codebook import Codebook


def _b(key: str, action: str, description: str, tooltip: str, show: bool = False, id: str | None = None) -> Binding:
    return Binding(key, action, description, show=show, tooltip=tooltip, id=id or action.split("(")[0].replace("_", "-"))


SCREEN_BINDINGS = [
    _b("a", "accept", "accept", "Accept the focused suggestion (span or stance)", show=True),
    _b("x", "reject", "reject", "Reject the focused suggestion; on a coded span or stance, remove it", show=True),
    _b("A", "accept_all", "all", "Accept every remaining suggestion that overlaps no coded span", show=True),
    _b("d", "done", "done", "Mark the document done and open the next unfinished one", show=True),
    _b("s", "skip", "skip", "Mark the document skipped and open the next unfinished one"),
    _b("n", "next", "next", "Open the next document"),
    _b("p", "previous", "previous", "Open the previous document"),
    _b("left", "cursor(-1)", "token left", "Move the cursor one token left", id="cursor-left"),
    _b("right", "cursor(1)", "token right", "Move the cursor one token right", id="cursor-right"),
    _b("up", "line(-1)", "line up", "Move the cursor one line up", id="line-up"),
    _b("down", "line(1)", "line down", "Move the cursor one line down", id="line-down"),
    _b("shift+left", "cursor(-1, True)", "select left", "Extend the selection one token left", id="select-left"),
    _b("shift+right", "cursor(1, True)", "select right", "Extend the selection one token right", id="select-right"),
    _b("shift+up", "line(-1, True)", "select up", "Extend the selection one line up", id="select-up"),
    _b("shift+down", "line(1, True)", "select down", "Extend the selection one line down", id="select-down"),
    _b("pageup", "page(-1)", "page up", "Move the cursor one screen up", id="page-up"),
    _b("pagedown", "page(1)", "page down", "Move the cursor one screen down", id="page-down"),
    _b("tab", "next_span(1)", "next entity", "Jump to the next entity (coded or suggested)", id="next-entity"),
    _b("shift+tab", "next_span(-1)", "previous entity", "Jump to the previous entity", id="previous-entity"),
    _b("u", "next_undecided", "next undecided", "Jump to the next suggestion not yet decided"),
    _b("g", "next_target", "next target", "Focus the next stance target (stance keys and a/x act on it)"),
    _b("left_square_bracket", "boundary('start', -1)", "start ←", "Move the focused span's start one token left", id="start-left"),
    _b("right_square_bracket", "boundary('start', 1)", "start →", "Move the focused span's start one token right", id="start-right"),
    _b("left_curly_bracket", "boundary('end', -1)", "end ←", "Move the focused span's end one token left", id="end-left"),
    _b("right_curly_bracket", "boundary('end', 1)", "end →", "Move the focused span's end one token right", id="end-right"),
    _b("delete", "delete_span", "delete", "Remove the focused span"),
    _b("ctrl+z", "undo", "undo", "Undo the last change of this session", show=True),
    _b("ctrl+y", "redo", "redo", "Redo what was undone"),
    _b("slash", "find", "find", "Find a document by id or title"),
    _b("question_mark", "help", "help", "Show the keys and the codebook guidelines", show=True),
    _b("q", "quit", "quit", "Quit (everything is already saved)"),
]


def codebook_bindings(codebook: Codebook) -> list[Binding]:
    """A binding for each of the codebook's label and stance keys."""
    labels = Binding.Group("label", compact=True)
    stances = Binding.Group("stance", compact=True)
    found = [Binding(_character_to_key(e.key), f"label('{e.label}')", f"label {e.label}",
                     tooltip=f"Label the focused span or the selection {e.label}", group=labels, id=f"label-{e.label}")
             for e in codebook.entities]
    found += [Binding(_character_to_key(s.key), f"stance('{s.label}')", f"stance {s.label}",
                      tooltip=f"Set the focused target's stance to {s.label}", group=stances, id=f"stance-{s.label}")
              for s in codebook.stances]
    return found
