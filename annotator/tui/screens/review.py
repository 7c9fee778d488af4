"""The review screen: a lead settles what the coders disagree on, one dispute at a time.

Left, the text around the focused dispute with its region marked; right, the document's disputes
(one marked ▸) and, for the focused one, each coder's version side by side with the model's
suggestion, so the lead sees who followed it. A number picks that coder's version, m the version
most coders have, x nothing; each pick is stored at once as adjudicated gold.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from annotator.domain.gold import Dispute
from annotator.services.coding_outcome import Notice
from annotator.services.gold import ReviewSession
from annotator.services.review_controller import ReviewController

CONTEXT = 240  # characters of text shown around a disputed region
MARK = "bold black on #e5c07b"


class ReviewScreen(Screen[None]):
    BINDINGS = [
        Binding("m", "majority", "majority", tooltip="Settle with the version most coders have"),
        Binding("x", "none", "none", tooltip="Settle as nothing: no span here, or no stance"),
        Binding("tab", "dispute(1)", "next dispute", tooltip="Focus the next dispute"),
        Binding("shift+tab", "dispute(-1)", "previous dispute", tooltip="Focus the previous dispute"),
        Binding("n", "document(1)", "next document", tooltip="The next document with disputes"),
        Binding("p", "document(-1)", "previous document", tooltip="The previous document with disputes"),
        Binding("left_square_bracket", "boundary('start', -1)", "start left", tooltip="Edit: move the span's start one token left"),
        Binding("right_square_bracket", "boundary('start', 1)", "start right", tooltip="Edit: move the span's start one token right"),
        Binding("left_curly_bracket", "boundary('end', -1)", "end left", tooltip="Edit: move the span's end one token left"),
        Binding("right_curly_bracket", "boundary('end', 1)", "end right", tooltip="Edit: move the span's end one token right"),
        Binding("e", "edit", "edit", tooltip="Edit a span of your own here, as in the coding screen"),
        Binding("enter", "store_edit", "store", tooltip="Store the edited span as gold"),
        Binding("escape", "drop_edit", "drop", tooltip="Drop the edit"),
        Binding("ctrl+z", "undo", "undo", tooltip="Take back the last decision"),
        Binding("q", "quit", "quit", tooltip="Quit (every decision is already stored)"),
    ]
    DEFAULT_CSS = """
    ReviewScreen #title { height: 1; padding: 0 1; background: $primary-darken-2; }
    ReviewScreen #text { width: 1fr; padding: 0 1; }
    ReviewScreen #side { width: 1fr; min-width: 30; border-left: solid $primary-darken-2; padding: 0 1; }
    ReviewScreen #keys { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.controller = ReviewController(session)

    # What the controller holds, as the screen draws it
    current = property(lambda self: self.controller.current)
    at = property(lambda self: self.controller.at)
    edit = property(lambda self: self.controller.edit)
    dispute = property(lambda self: self.controller.dispute)
    entity_keys = property(lambda self: self.controller.entity_keys)
    stance_keys = property(lambda self: self.controller.stance_keys)

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        with Horizontal():
            with VerticalScroll(id="text"):
                yield Static(id="excerpt")
            with VerticalScroll(id="side"):
                yield Static(id="disputes")
        yield Static("1-9 pick · m majority · x none · e edit · tab next · n/p · ^z undo · q quit", id="keys")

    def on_mount(self) -> None:
        if self.controller.start():
            self._draw()
            return
        self.query_one("#title", Static).update(Text(f"review · {self.session.lead} · nothing disputed", style="bold"))
        self.query_one("#excerpt", Static).update(
            "No document has disputes left. Derive gold with `annotator gold` after coders mark documents done.")

    # What is shown ------------------------------------------------------------------------------
    def _draw(self) -> None:
        doc, derived = self.current.document, self.current.derived
        left = len(derived.disputes)
        self.query_one("#title", Static).update(Text(
            f"review · {self.session.lead} · {doc.id} · {left} dispute{'s' if left != 1 else ''} left · "
            f"{len(self.current.versions)} coders", style="bold"))
        self.query_one("#excerpt", Static).update(self._excerpt())
        self.query_one("#disputes", Static).update(self._side())

    def _excerpt(self) -> Text:
        text = self.current.document.text
        dispute = self.dispute
        if dispute is not None and self.edit is not None:  # the lead's span marked, the region around it
            start, end, _ = self.edit
            lo, hi = max(0, min(start, dispute.start) - CONTEXT), min(len(text), max(end, dispute.end) + CONTEXT)
            return Text.assemble("…" if lo else "", text[lo:start], (text[start:end], "bold black on #98c379"),
                                 text[end:hi], "…" if hi < len(text) else "")
        if dispute is None or dispute.kind == "stance":
            shown = Text(text[: CONTEXT * 2] + ("…" if len(text) > CONTEXT * 2 else ""))
            if dispute is not None:
                shown = Text.assemble((f"Stance toward {dispute.target}\n\n", "bold"), shown)
            return shown
        start, end = max(0, dispute.start - CONTEXT), min(len(text), dispute.end + CONTEXT)
        return Text.assemble("…" if start else "", text[start:dispute.start], (text[dispute.start:dispute.end], MARK),
                             text[dispute.end:end], "…" if end < len(text) else "")

    def _side(self) -> Text:
        text = self.current.document.text
        lines = Text()
        for i, d in enumerate(self.current.derived.disputes):
            what = f"stance {d.target}" if d.kind == "stance" else f"span {text[d.start:d.end]!r}"[:40]
            lines.append(("▸ " if i == self.at else "  ") + what + "\n", style="bold" if i == self.at else "")
        dispute = self.dispute
        if dispute is None:
            lines.append("\nEverything here is settled: n for the next document.\n", style="green")
            return lines
        lines.append("\nVersions (number picks):\n", style="bold")
        for n, coder in enumerate(sorted(dispute.versions), 1):
            lines.append(f" {n} {coder[:8]:<8} {self._version(dispute, dispute.versions[coder])}\n")
        if self.current.suggested is not None:
            lines.append(f"   {'model':<8} {self._version(dispute, self._suggested(dispute))}\n", style="dim")
        lines.append(" x none of them\n")
        if self.edit is not None:
            start, end, label = self.edit
            lines.append(f"\nYours: {label} {text[start:end]!r}\n", style="bold yellow")
            lines.append(f"[ ] {{ }} move it, {''.join(self.entity_keys)} relabel it, enter stores, escape drops\n",
                         style="dim")
        elif dispute.kind == "span":
            lines.append(" e a span of your own\n")
        else:
            lines.append(f"Or your own: {' '.join(self.stance_keys)} sets the stance\n", style="dim")
        return lines

    def _suggested(self, dispute: Dispute):
        s = self.current.suggested
        if dispute.kind == "stance":
            return s.stances.get(dispute.target)
        return tuple(sorted(x for x in s.spans if x[0] < dispute.end and dispute.start < x[1]))

    def _version(self, dispute: Dispute, version) -> str:
        if dispute.kind == "stance":
            return version or "–"
        text = self.current.document.text
        return ", ".join(f"{label} {text[start:end]!r}" for start, end, label in version) if version else "–"

    # Keys: each names an action of the controller; the screen draws what it left ------------------
    def on_key(self, event: events.Key) -> None:
        action = self.controller.character_action(event.character)
        if action is not None:
            event.stop()
            self.act(*action)

    def act(self, name: str, *parameters) -> None:
        self._said(self.controller.handle(name, *parameters))
        if self.current is not None:
            self._draw()

    def _said(self, notices: list[Notice]) -> None:
        for notice in notices:
            self.app.notify(notice.text, severity=notice.severity, timeout=notice.timeout or 3)

    def action_quit(self) -> None:
        self.app.exit()


# The bindings' actions, as Textual calls them (a key or the palette): each goes to the controller.
for _name in ("majority", "none", "dispute", "document", "boundary", "edit", "store_edit", "drop_edit", "undo"):
    setattr(ReviewScreen, f"action_{_name}", lambda self, *parameters, _name=_name: self.act(_name, *parameters))
