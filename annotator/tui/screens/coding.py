"""The coding screen: read the article, accept or correct suggestions, code stance, move on."""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen

from annotator.domain import coding as edits
from annotator.domain.coding import AnnotationState
from annotator.domain.tokens import simple_tokens
from annotator.services.coding import CodingSession, OpenDocument, SaveFailed
from annotator.tui.keys import SCREEN_BINDINGS, codebook_bindings
from annotator.tui.widgets.article import ArticleView
from annotator.tui.widgets.header_bar import HeaderBar
from annotator.tui.widgets.key_bar import KeyBar
from annotator.tui.widgets.side_panel import Item, SidePanel, entity_items
from annotator.tui.wrap import wrap


class CodingScreen(Screen):
    BINDINGS = SCREEN_BINDINGS

    @dataclass
    class SuggestionArrived(Message):
        document_pk: int

    @dataclass
    class TokenizerReady(Message):
        pass

    @dataclass
    class FetchedAhead(Message):
        after_pk: int
        document: OpenDocument
        tokens: tuple[list[int], list[int]]
        wrapped: tuple[int, list[tuple[int, int]]]

    @dataclass
    class TokensReady(Message):
        document_pk: int
        tokens: tuple[list[int], list[int]]

    def __init__(self, session: CodingSession) -> None:
        super().__init__()
        self.session = session
        self.codebook = session.codebook
        self.doc: OpenDocument | None = None
        self.target = self.codebook.targets[0].name if self.codebook.targets else None
        self.stance_focus = False
        self.total = session.queue_size()
        self.tokenizer_ready = False
        self._applies: list = []
        self._ahead: CodingScreen.FetchedAhead | None = None
        self.position = 0
        self.done_today: int | None = None
        self._items: tuple = (None, [], [])
        self._label_keys_display = [e.key for e in self.codebook.entities]
        self._stance_keys_display = [s.key for s in self.codebook.stances]

    def compose(self) -> ComposeResult:
        yield HeaderBar(self.session.coder, self.codebook.name, id="header")
        with Horizontal():
            self.article = ArticleView(self.codebook.entity_labels, id="article")
            yield self.article
            yield SidePanel(self.codebook, self.article.colours, id="side")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self._bind_codebook_keys()
        first = self.session.first_unfinished()
        if first is not None:
            self.open_document(first)
        else:
            self.article.show_message("No documents yet. Quit with q, then import some:",
                                      "annotator import PATH...   (text files, JSONL or CSV)")
            self._refresh_keys()
        self.set_interval(1.0, self._tick)
        self.call_after_refresh(self._load_tokenizer)

    def _bind_codebook_keys(self) -> None:
        """The codebook's label and stance keys, placed after accept all (the help lists them there)."""
        dynamic = codebook_bindings(self.codebook)
        current = self._bindings.key_to_bindings
        ordered: dict[str, list[Binding]] = {}
        for key in ("a", "x", "A"):
            ordered[key] = current.pop(key)
        for binding in dynamic:
            ordered.setdefault(binding.key, []).append(binding)
        ordered.update(current)
        self._bindings.key_to_bindings = ordered

    # Opening documents --------------------------------------------------------------------------
    def open_document(self, pk: int, cursor_offset: int | None = None, position: int | None = None) -> None:
        """Show a document; `position` in the queue when the caller knows it (saves a count)."""
        if self.doc is not None:
            self.session.leave(self.doc)
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.document.pk == pk:
            self.doc = ahead.document
            self.session.start_timing()
        else:
            ahead = None
            self.doc = self.session.open(pk)
        self.position = position or self.session.position(pk)
        if cursor_offset is None:
            first = edits.pending(self.doc.state, self.doc.suggested_spans)
            cursor_offset = first[0]["start"] if first else 0
        self.stance_focus = False
        # The quick tokenizer now; spaCy's (about 5 ms per 4 KB) follows from a worker and replaces it.
        if ahead is not None:
            self.article.show(self.doc, ahead.tokens, cursor_offset, ahead.wrapped)
        else:
            self.article.show(self.doc, simple_tokens(self.doc.text), cursor_offset)
        self._refresh_progress()
        self._refresh_panel()
        # Workers start after this document is painted, so their CPU does not delay the frame.
        if self.tokenizer_ready:
            self.call_after_refresh(self._tokenize, self.doc.pk, self.doc.text)
        if self.doc.model is None:
            self.call_after_refresh(self._suggest, pk)
        self.call_after_refresh(self._fetch_ahead, pk, self.article.text_width)

    @work(thread=True, exclusive=True, group="ahead", exit_on_error=False)
    def _fetch_ahead(self, pk: int, width: int) -> None:
        """Read and lay out the next document while the coder reads this one: `n` then only paints."""
        following = self.session.next_pk(pk)
        if following is None:
            return
        document = self.session.load(following)
        tokens = simple_tokens(document.text)
        self.post_message(self.FetchedAhead(pk, document, tokens, (width, wrap(document.text, width))))

    @on(FetchedAhead)
    def _fetched_ahead(self, message: FetchedAhead) -> None:
        if self.doc is not None and self.doc.pk == message.after_pk:
            self._ahead = message
    def _refresh_progress(self, recount: bool = False) -> None:
        if recount or self.done_today is None:
            self.done_today = self.session.done_today()
        self.query_one(HeaderBar).set_progress(self.position, self.total, self.done_today, self.doc.state.status)

    def _refresh_panel(self) -> None:
        self.app.last_activity = time.monotonic()  # every key's action ends up here
        self.query_one(SidePanel).show(self.doc, self.items(), self.focused_item(), self.target, self.stance_focus)
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """The key bar: the design's footer line, with the keys that do not apply now dimmed."""
        can = {a: bool(self.check_action(a, ())) for a in ("accept", "reject", "accept_all", "undo")}
        labels = "".join(self._label_keys_display)
        stances = "/".join(self._stance_keys_display)
        items = [("a", "accept", can["accept"]), ("x", "reject", can["reject"]), ("A", "all", can["accept_all"]),
                 (labels, "label", True), (stances, "stance", self.target is not None),
                 ("d", "done", True), ("^z", "undo", can["undo"]), ("?", "help", True)]
        items = [item for item in items if item[0]]  # a codebook without stances has no stance keys
        if items != self._applies:
            self._applies = items
            self.query_one(KeyBar).show(items)

    def _tick(self) -> None:
        self.query_one(HeaderBar).set_seconds(self.session.seconds_on_document())

    # Workers: the only slow things, kept off the screen's path ------------------------------------
    def _load_tokenizer(self) -> None:
        self._tokenizer_worker()

    @work(thread=True, exclusive=True, group="tokenizer", exit_on_error=False)
    def _tokenizer_worker(self) -> None:
        from annotator.nlp.tokens import token_bounds

        token_bounds("warm up")  # imports spaCy and builds its English tokenizer (no model weights)
        self.post_message(self.TokenizerReady())

    @on(TokenizerReady)
    def _tokenizer_ready(self) -> None:
        self.tokenizer_ready = True
        if self.doc is not None:
            self._tokenize(self.doc.pk, self.doc.text)

    @work(thread=True, exclusive=True, group="tokens", exit_on_error=False)
    def _tokenize(self, pk: int, text: str) -> None:
        from annotator.nlp.tokens import token_bounds

        self.post_message(self.TokensReady(pk, token_bounds(text)))

    @on(TokensReady)
    def _tokens_ready(self, message: TokensReady) -> None:
        if self.doc is not None and self.doc.pk == message.document_pk:
            self.article.set_tokens(message.tokens)
            self._refresh_panel()

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False)
    def _suggest(self, pk: int) -> None:
        self.app.suggest_document(pk)
        self.post_message(self.SuggestionArrived(pk))

    @on(SuggestionArrived)
    def _suggestion_arrived(self, message: SuggestionArrived) -> None:
        if self.doc is not None and self.doc.pk == message.document_pk:
            fresh = self.session.open(message.document_pk)
            self.doc.suggested_spans, self.doc.suggested_stances, self.doc.model = (
                fresh.suggested_spans, fresh.suggested_stances, fresh.model)
            self.article.update_marks()
            self._refresh_panel()

    # What the keys act on -----------------------------------------------------------------------
    def items(self) -> list[Item]:
        """The entity list, computed once per annotation state (check_action asks for it often)."""
        key = (id(self.doc), id(self.doc.state), id(self.doc.suggested_spans))
        if self._items[0] != key:
            items = entity_items(self.doc)
            self._items = (key, items, [i.start for i in items])
        return self._items[1]

    def focused_item(self) -> Item | None:
        """The entity under the cursor (entities never overlap: coded spans hide the suggestions they cover)."""
        if self.doc is None:
            return None
        start = self.article.cursor_range[0]
        items = self.items()
        i = bisect_right(self._items[2], start) - 1
        return items[i] if i >= 0 and start < items[i].end else None

    def _suggestion_for(self, item: Item) -> dict | None:
        return next((s for s in self.doc.suggested_spans
                     if (s["start"], s["end"], s["label"]) == (item.start, item.end, item.label)), None)

    def _coded_span(self, item: Item | None):
        if item is None or not item.coded:
            return None
        return next(s for s in self.doc.state.spans if (s.start, s.end, s.label) == (item.start, item.end, item.label))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if self.doc is None:
            return action in ("quit", "help", "find")
        item = self.focused_item()
        if action == "accept":
            if self.stance_focus:
                return self.doc.suggested_stance(self.target) is not None
            return item is not None and not item.coded
        if action == "reject":
            return (self.doc.state.stance(self.target) is not None) if self.stance_focus else item is not None
        if action in ("delete_span", "boundary"):
            return item is not None
        if action == "undo":
            return self.session.can_undo or None
        if action == "redo":
            return self.session.can_redo or None
        return True

    def _edit(self, kind: str, edit) -> None:
        try:
            changed = self.session.apply(self.doc, kind, edit)
        except SaveFailed as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=8)
            return
        if changed:
            self.article.update_marks()
            self._refresh_panel()
            if kind == "status":
                self._refresh_progress(recount=True)

    # Actions: editing -----------------------------------------------------------------------------
    def action_accept(self) -> None:
        if self.stance_focus:
            suggested = self.doc.suggested_stance(self.target)
            if suggested:
                self._edit("stance.accept", lambda s: edits.set_stance(s, self.target, suggested["label"], suggested["label"]))
            return
        item = self.focused_item()
        if item and not item.coded:
            suggestion = self._suggestion_for(item)
            self._edit("span.accept", lambda s: edits.accept(s, suggestion))

    def action_reject(self) -> None:
        if self.stance_focus:
            self._edit("stance.clear", lambda s: edits.clear_stance(s, self.target))
            return
        item = self.focused_item()
        if item is None:
            return
        if item.coded:
            span = self._coded_span(item)
            self._edit("span.remove", lambda s: edits.remove(s, span))
        else:
            suggestion = self._suggestion_for(item)
            self._edit("span.reject", lambda s: edits.reject(s, suggestion))

    def action_delete_span(self) -> None:
        self.stance_focus = False
        self.action_reject()

    def action_accept_all(self) -> None:
        self._edit("accept all", lambda s: edits.accept_all(s, self.doc.suggested_spans, self.doc.suggested_stances))

    def action_label(self, label: str) -> None:
        selection = self.article.selection
        item = self.focused_item()
        if selection:
            self._edit("span.add", lambda s: edits.add_span(s, *selection, label, self.doc.suggested_spans))
            self.article.move_to(self.article.cursor)
        elif item and item.coded:
            span = self._coded_span(item)
            self._edit("span.label", lambda s: edits.relabel(s, span, label))
        elif item:
            suggestion = self._suggestion_for(item)
            self._edit("span.accept", lambda s: edits.accept(s, suggestion, label))
        else:
            start, end = self.article.cursor_range
            self._edit("span.add", lambda s: edits.add_span(s, start, end, label, self.doc.suggested_spans))

    def action_boundary(self, side: str, delta: int) -> None:
        item = self.focused_item()
        if item is None:
            return
        starts, ends = self.article.starts, self.article.ends
        start, end = item.start, item.end
        if side == "start":
            i = self.article.token_at(start) + delta
            start = starts[i] if 0 <= i < len(starts) else start
        else:
            i = self.article.token_at(max(end - 1, 0)) + delta
            end = ends[i] if 0 <= i < len(ends) else end
        if start >= end:
            return

        def move(state: AnnotationState) -> AnnotationState:
            if not item.coded:
                state = edits.accept(state, self._suggestion_for(item))
            span = next(s for s in state.spans if (s.start, s.end) == (item.start, item.end))
            return edits.resize(state, span, start, end)

        self._edit("span.resize", move)
        self.article.move_to(self.article.token_at(start))
        self._refresh_panel()

    def action_stance(self, label: str) -> None:
        if self.target is None:
            return
        suggested = self.doc.suggested_stance(self.target)
        self._edit("stance.set", lambda s: edits.set_stance(s, self.target, label, suggested["label"] if suggested else None))

    def action_done(self) -> None:
        self._finish("done")

    def action_skip(self) -> None:
        self._finish("skipped")

    def _finish(self, status: str) -> None:
        self._edit("status", lambda s: edits.set_status(s, status))
        following = self.session.next_pk(self.doc.pk, unfinished=True) or self.session.first_unfinished(or_first=False)
        if following is None or following == self.doc.pk:
            self.notify(f"Every document is done or skipped: {self.total} of {self.total}.", title="Queue finished")
            return
        self.open_document(following)

    def action_undo(self) -> None:
        self._replay_safely(self.session.undo, undo=True)

    def action_redo(self) -> None:
        self._replay_safely(self.session.redo, undo=False)

    def _replay_safely(self, step, undo: bool) -> None:
        try:
            change = step()
        except SaveFailed as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=8)
            return
        self._replay(change, undo)

    def _replay(self, change, undo: bool) -> None:
        if change is None:
            self.notify("Nothing to undo." if undo else "Nothing to redo.")
            return
        self._ahead = None  # the change may belong to the document fetched ahead
        if change.document_pk != self.doc.pk:
            self.open_document(change.document_pk)
        else:
            self.doc.state = change.before if undo else change.after
            self.article.update_marks()
            self._refresh_progress(recount=True)
            self._refresh_panel()
        self.notify(f"{'Undid' if undo else 'Redid'} {change.kind}.", timeout=2)

    # Actions: moving ----------------------------------------------------------------------------
    def _moved(self) -> None:
        self.stance_focus = False
        self._refresh_panel()

    def action_cursor(self, delta: int, extend: bool = False) -> None:
        self.article.move_to(self.article.cursor + delta, extend)
        self._moved()

    def action_line(self, delta: int, extend: bool = False) -> None:
        self.article.move_lines(delta, extend)
        self._moved()

    def action_page(self, direction: int) -> None:
        self.article.page(direction)
        self._moved()

    def action_next_span(self, direction: int) -> None:
        items = self.items()
        here = self.article.cursor_range[0]
        ahead = [i for i in items if i.start > here] if direction > 0 else [i for i in items if i.end <= here]
        if ahead:
            self.article.move_to(self.article.token_at((ahead[0] if direction > 0 else ahead[-1]).start))
        self._moved()

    def action_next_undecided(self) -> None:
        here = self.article.cursor_range[0]
        items = [i for i in self.items() if not i.coded]
        following = [i for i in items if i.start > here] or items
        if following:
            self.article.move_to(self.article.token_at(following[0].start))
        self._moved()

    def action_next_target(self) -> None:
        names = list(self.codebook.target_names)
        if not names:
            return
        if self.stance_focus:
            self.target = names[(names.index(self.target) + 1) % len(names)]
        self.stance_focus = True
        self._refresh_panel()

    def action_next(self) -> None:
        self._go(self.session.next_pk(self.doc.pk), self.position + 1, "This is the last document.")

    def action_previous(self) -> None:
        self._go(self.session.previous_pk(self.doc.pk), self.position - 1, "This is the first document.")

    def _go(self, pk: int | None, position: int, at_end: str) -> None:
        if pk is None:
            self.notify(at_end, timeout=2)
        else:
            self.open_document(pk, position=position)

    def action_find(self) -> None:
        from annotator.tui.screens.find import FindScreen

        self.app.push_screen(FindScreen(self.session), lambda pk: pk and self.open_document(pk))

    def action_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.codebook, self.active_bindings_for_help()))

    def key_bindings(self) -> list[Binding]:
        """This screen's own bindings, the codebook's included (not Textual's built-in ones)."""
        return [b for _, b in self._bindings if b.id]

    def active_bindings_for_help(self) -> list[tuple[str, str]]:
        rows = [(b.key, b.tooltip or b.description) for b in self.key_bindings()]
        return rows + [("ctrl+p", "Command palette: every action by name")]

    def action_quit(self) -> None:
        if self.doc is not None:
            self.session.leave(self.doc)
            self.doc = None
        self.app.exit()
