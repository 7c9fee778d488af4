"""The coding screen: read the article, accept or correct suggestions, code stance, move on."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from textual import events, on, work
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen

from annotator.domain import coding as edits
from annotator.domain.coding import Annotation, rows_to_store
from annotator.domain.coding_view import (
    EntityList,
    Focus,
    can_accept,
    can_reject,
    entity_list,
    focus,
    moved_boundary,
    next_undecided_target,
)
from annotator.domain.describe import changed_start, changed_targets, replay_notice
from annotator.domain.errors import InputError
from annotator.domain.suggestions import Suggestion
from annotator.domain.tokens import simple_tokens
from annotator.services.coding import Change, CodingSession, OpenDocument, Progress, SaveFailed
from annotator.tui.keys import SCREEN_BINDINGS, codebook_keys
from annotator.tui.screens.storing import (
    BULK_ROWS,
    WHILE_STORING,
    Store,
    StoreEnded,
    StoreProgressed,
    StoreUnderWay,
    View,
    run_store,
)
from annotator.tui.widgets.article import ArticleView
from annotator.tui.widgets.header_bar import HeaderBar
from annotator.tui.widgets.key_bar import KeyBar
from annotator.tui.widgets.side_panel import SidePanel
from annotator.tui.wrap import wrap


class CodingScreen(Screen):
    BINDINGS = SCREEN_BINDINGS

    @dataclass
    class SuggestionArrived(Message):
        document_pk: int
        suggestion: Suggestion | None

    @dataclass
    class TokenizerReady(Message):
        pass

    @dataclass
    class FetchedAhead(Message):
        after_pk: int
        document: OpenDocument
        tokens: tuple[list[int], list[int]]
        wrapped: tuple[int, list[tuple[int, int]]]
        final_tokens: bool  # spaCy's, not the quick tokenizer's: no second frame when it opens

    @dataclass
    class TokensReady(Message):
        document_pk: int
        tokens: tuple[list[int], list[int]]

    def __init__(self, session: CodingSession, start: int | None = None) -> None:
        """`start`: the document to open first (else where the coder left off)."""
        super().__init__()
        self.session = session
        self._start = start
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
        self.entities = EntityList((), ())  # what the entity list shows: recomputed after every change
        self._done_asked: int | None = None  # the document whose `d` was answered with a question
        self._answering: int | None = None  # that document, while the key after the question runs
        self._asked_on: int | None = None  # the document the question was last said on (taken down at its `d`)
        self._typed_ahead: list[tuple[str, str | None]] | None = None  # for the find box while it opens
        self._storing: StoreUnderWay | None = None  # a large store running in a worker
        self.codebook_keys = codebook_keys(self.codebook)
        self.key_actions = {b.key: b.action for b in SCREEN_BINDINGS}
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
        first = self._start or self.session.resume_point()
        if first is not None:
            self.open_document(first)
        else:
            self.article.show_message("No documents yet. Quit with q, then import some:",
                                      "annotator import PATH...   (text files, JSONL or CSV)")
            self._refresh_keys()
        self.set_interval(1.0, self._tick)
        self.call_after_refresh(self._load_tokenizer)

    def on_resize(self, event: events.Resize) -> None:
        # The side panel is at least 34 columns wide: below 60 the article needs the room, so it gives way.
        self.query_one(SidePanel).display = event.size.width >= 60

    async def on_key(self, event: events.Key) -> None:
        """Every key of this screen runs here, in the order typed. Textual runs a binding's action
        only after the key has bubbled up to the app, so a codebook key typed fast after `a` (or a
        letter after `/`) used to overtake it; the bindings are kept for the help and the palette.
        The codebook's keys never collide with the screen's: its validator reads the same table."""
        self.app.last_activity = time.monotonic()
        self.session.touch()
        if self._typed_ahead is not None:  # typed right after `/`, before the find box was up: its keys
            self._typed_ahead.append((event.key, event.character))
            event.stop()
            event.prevent_default()
            return
        action = self.key_actions.get(event.key) or getattr(self.codebook_keys.get(event.character or ""), "action", None)
        if action is None:
            return
        event.stop()
        event.prevent_default()
        _, name, parameters = parse_action(action)
        if not self.may_run(name):
            return
        self._answering, self._done_asked = self._done_asked, (self._done_asked if event.key == "d" else None)
        if self.check_action(name, parameters):
            await self.run_action(action)

    def may_run(self, action: str) -> bool:
        """While a large store runs, only the keys that look work; the others say how far it is,
        instead of acting on a document about to change (keys and the palette alike). `action`:
        its name, or the call ("cursor(1)")."""
        if self._storing is None or action.split("(", 1)[0] in WHILE_STORING:
            return True
        self.app.say(f"{self._storing.notice()}: moving works, changes wait until it is stored.", timeout=3)
        return False

    # Opening documents --------------------------------------------------------------------------
    def open_document(self, pk: int, cursor_offset: int | None = None, position: int | None = None,
                      just_stored: bool = False) -> None:
        """Show a document; `position` in the queue when the caller knows it (saves a count);
        `just_stored`: the one left had its time stored with the key that moves on."""
        if self.doc is not None:
            self.session.leave(self.doc, just_stored=just_stored)
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.document.pk == pk and self.session.is_current(ahead.document):
            self.doc = ahead.document
            self.session.start_timing()
        else:
            ahead = None
            self.doc = self.session.open(pk)
        self.position = position or self.session.position(pk)
        self.entities = entity_list(self.doc.annotation, self.doc.suggestion)
        first = self._focus_first_target(keep_entity=cursor_offset is not None)
        if cursor_offset is None:
            cursor_offset = first.start if first else 0
        # Fetched ahead: tokens and lines are ready. Otherwise the quick tokenizer now; spaCy's (about
        # 5 ms per 4 KB) follows from a worker and replaces it.
        if ahead is not None:
            self.article.show(self.doc, self.entities, ahead.tokens, cursor_offset, ahead.wrapped)
        else:
            self.article.show(self.doc, self.entities, simple_tokens(self.doc.text), cursor_offset)
        self._refresh_progress()
        self._refresh_panel()
        # Workers start after this document is painted, so their CPU does not delay the frame. Textual
        # runs after-refresh callbacks at the screen's first idle moment, which can come before its
        # widgets have reported their changes; a repaint the screen itself owes holds them until drawn.
        self.refresh()
        if self.tokenizer_ready and not (ahead is not None and ahead.final_tokens):
            self.call_after_refresh(self._tokenize, self.doc.pk, self.doc.text)
        if self.doc.suggestion is None and not self.doc.blind:
            self.call_after_refresh(self._suggest, pk)
        self.call_after_refresh(self._fetch_ahead, pk, self.article.text_width)

    def _focus_first_target(self, keep_entity: bool):
        """Focus starts afresh on each document: its first undecided entity (returned, for the cursor),
        else its first undecided stance target; nothing carries over from the previous document."""
        targets = self.doc.target_names
        first_target = next_undecided_target(targets, None, self.doc.annotation, self.doc.suggestion)
        first = self.entities.first_undecided()
        self.target = first_target or (targets[0] if targets else None)
        self.stance_focus = first is None and first_target is not None and not keep_entity
        return first

    @work(thread=True, group="ahead", exit_on_error=False)
    def _fetch_ahead(self, pk: int, width: int) -> None:
        """Read and lay out the next document while the coder reads this one: `n` then only paints.
        Not exclusive: a thread cannot be stopped anyway, and an answer for a document no longer
        open is dropped when it arrives."""
        following = self.session.next_pk(pk)
        if following is None:
            return
        _give_way()
        document = self.session.load(following)
        _give_way()
        final = self.tokenizer_ready
        tokens = self.session.tokens(document.text) if final else simple_tokens(document.text)
        _give_way()
        wrapped = (width, wrap(document.text, width))
        self.post_message(self.FetchedAhead(pk, document, tokens, wrapped, final))

    @on(FetchedAhead)
    def _fetched_ahead(self, message: FetchedAhead) -> None:
        if self.doc is not None and self.doc.pk == message.after_pk:
            self._ahead = message
            if not message.final_tokens and self.tokenizer_ready:  # spaCy's became ready meanwhile
                self._fetch_ahead(message.after_pk, self.article.text_width)
    def _refresh_progress(self, recount: bool = False) -> None:
        if recount or self.done_today is None:
            self.done_today = self.session.done_today()
        self.query_one(HeaderBar).set_progress(self.position, self.total, self.done_today, self.doc.annotation.status)

    def _refresh_panel(self) -> None:
        self.article.show_cursor(not self.stance_focus)
        self.query_one(SidePanel).show(self.doc, self.entities, self.focus(), self.target)
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
        self.session.tokens("warm up")  # imports spaCy and builds its English tokenizer (no model weights)
        self.post_message(self.TokenizerReady())

    @on(TokenizerReady)
    def _tokenizer_ready(self) -> None:
        self.tokenizer_ready = True
        if self.doc is not None:
            self._tokenize(self.doc.pk, self.doc.text)
            if self._ahead is not None and not self._ahead.final_tokens:  # again, with spaCy's tokens
                self._fetch_ahead(self.doc.pk, self.article.text_width)

    @work(thread=True, exclusive=True, group="tokens", exit_on_error=False, description="tokens")  # not the text's repr
    def _tokenize(self, pk: int, text: str) -> None:
        self.post_message(self.TokensReady(pk, self.session.tokens(text)))

    @on(TokensReady)
    def _tokens_ready(self, message: TokensReady) -> None:
        if self.doc is not None and self.doc.pk == message.document_pk:
            self.article.set_tokens(message.tokens)
            self._refresh_panel()

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False)
    def _suggest(self, pk: int) -> None:
        self.post_message(self.SuggestionArrived(pk, self.session.suggest_missing(pk)))

    @on(SuggestionArrived)
    def _suggestion_arrived(self, message: SuggestionArrived) -> None:
        if self.doc is not None and self.doc.pk == message.document_pk:
            self.doc.suggestion = message.suggestion
            self.entities = entity_list(self.doc.annotation, self.doc.suggestion)
            if self.focus() == Focus():  # nothing focused yet: the new suggestions' first undecided item
                first = self._focus_first_target(keep_entity=False)
                if first is not None:
                    self.article.move_to(self.article.token_at(first.start))
            self._changed()

    # What the keys act on -----------------------------------------------------------------------
    def focus(self) -> Focus:
        """The one item the keys act on (decided in the domain; the screen only draws it)."""
        if self.doc is None:
            return Focus()
        return focus(self.entities, self.article.cursor_range[0], self.target if self.stance_focus else None)

    def _changed(self, view: View | None = None) -> None:
        """The annotation or the suggestion changed: recompute the entity list, repaint what it touched.
        `view`: the entity list and marks a worker already made for it."""
        if view is None:
            self.entities = entity_list(self.doc.annotation, self.doc.suggestion)
            self.article.update_marks(self.entities)
        else:
            self.entities = view[0]
            self.article.update_marks(*view)
        self._refresh_panel()

    def _suggested_stance(self):
        return self.doc.suggestion.stance(self.target) if self.doc.suggestion else None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if self.doc is None:
            return action in ("quit", "help", "find")
        if self._storing is not None and action not in WHILE_STORING:
            return False
        focused = self.focus()
        if action == "accept":
            return can_accept(focused, self.doc.annotation, self.doc.suggestion)
        if action == "reject":
            return can_reject(focused, self.doc.annotation, self.doc.suggestion)
        if action in ("delete_span", "boundary"):
            return focused.entity is not None
        if action == "undo":
            return self.session.can_undo or None
        if action == "redo":
            return self.session.can_redo or None
        return True

    def _edit(self, kind: str, edit) -> bool:
        """Store an edit; True when it changed (and stored) something."""
        changed = bool(self._store(kind, edit))
        if changed:
            self._changed()
            if kind == "status":
                self._refresh_progress(recount=True)
        return changed

    def _store(self, kind: str, edit) -> bool | None:
        """Store an edit without repainting: whether it changed something, None when it was not
        stored (the coder is told why)."""
        try:
            return self.session.apply(self.doc, kind, edit)
        except SaveFailed as exc:
            self.app.say(str(exc), title="Not saved", severity="error", timeout=8)
        except InputError as exc:
            self.app.say(str(exc), title="Refused", severity="error", timeout=8)
        return None

    # Actions: editing -----------------------------------------------------------------------------
    def action_accept(self) -> None:
        focused = self.focus()
        if not can_accept(focused, self.doc.annotation, self.doc.suggestion):
            return
        if focused.target:
            suggested = self._suggested_stance()
            done = self._edit("stance.accept", lambda a: edits.accept_stance(a, suggested))
        else:
            done = self._edit("span.accept", lambda a: edits.accept(a, focused.entity.suggestion))
        if done:
            self._move_on(focused)

    def action_reject(self) -> None:
        focused = self.focus()
        if focused.target:
            suggested = self._suggested_stance()
            done = self._edit("stance.reject", lambda a: edits.reject_stance(a, focused.target, suggested))
        elif focused.entity and focused.entity.coded:
            done = self._edit("span.remove", lambda a: edits.remove(a, focused.entity.span))
        elif focused.entity:
            done = self._edit("span.reject", lambda a: edits.reject(a, focused.entity.suggestion))
        else:
            return
        if done:
            self._move_on(focused)

    def _move_on(self, decided: Focus) -> None:
        """After `a` or `x`, the focus goes to the next undecided item, as Prodigy's keys do: the next
        undecided entity, then the stance targets still to decide. With nothing left it stays put."""
        if decided.entity is not None:
            following = self.entities.following(decided.entity.start, 1, undecided_only=True)
            if following is not None:
                self.article.move_to(self.article.token_at(following.start))
                self._moved()
                return
        after = decided.target if decided.target is not None else None
        target = next_undecided_target(self.doc.target_names, after, self.doc.annotation, self.doc.suggestion)
        if target is not None:
            self.target, self.stance_focus = target, True
        self._refresh_panel()

    def action_delete_span(self) -> None:
        if self.focus().entity is not None:  # delete acts on spans only, never on a focused target
            self.stance_focus = False
            self.action_reject()

    def action_accept_all(self) -> None:
        """Accept every undecided suggestion: one change, one event, one ctrl+z. On a document with
        thousands, computed and stored in a worker while the screen goes on answering keys."""
        before, suggestion = self.doc.annotation, self.doc.suggestion
        left = len(self.entities.undecided)  # the spans it takes: the list shows the first of overlapping ones
        if not left and not edits.pending_stances(before, suggestion):
            return
        if left + rows_to_store(before) < BULK_ROWS:
            self._edit("accept all", lambda a: edits.accept_all(a, suggestion))
            return
        doc = replace(self.doc)  # the worker's own: the screen's document changes on its thread only

        def store(on_progress: Progress) -> Annotation:
            self.session.apply(doc, "accept all", lambda a: edits.accept_all(a, suggestion), on_progress)
            return doc.annotation

        self._store_in_background("Accepting", left or None, store,
                                  lambda shown, view: self._accepted_all(before, shown, view))

    def _accepted_all(self, before: Annotation, shown: Annotation, view: View | None) -> None:
        self.doc.annotation = shown
        self._changed(view)
        # Accept all only adds decisions (it never overrides one): the new ones are what it accepted.
        accepted = len(shown.decisions) - len(before.decisions) + len(shown.stance_decisions) - len(before.stance_decisions)
        self.app.say(f"Accepted {accepted:,} suggestion{'s' if accepted != 1 else ''}: ctrl+z takes "
                     f"{'them all' if accepted != 1 else 'it'} back.", timeout=3)

    def _store_in_background(self, what: str, count: int | None, store: Store,
                             then: Callable[[Annotation | None, View | None], None]) -> None:
        """Run a large store in a worker (see storing), `then` on the screen with what it stored."""
        self._storing = StoreUnderWay(what, count, then, said_at=time.monotonic())
        self.app.stores_under_way += 1
        self.app.say(self._storing.notice(), timeout=None)
        self._refresh_keys()
        self.run_worker(partial(run_store, store, self.doc.suggestion, dict(self.article.colours), self.post_message),
                        group="store", description="large store", exclusive=True, thread=True, exit_on_error=False)

    @on(StoreProgressed)
    def _store_progressed(self, message: StoreProgressed) -> None:
        if self._storing is not None and self._storing.progressed(message):
            self.app.say(self._storing.notice(), timeout=None)

    @on(StoreEnded)
    def _store_ended(self, message: StoreEnded) -> None:
        storing, self._storing = self._storing, None
        self.app.stores_under_way -= 1
        self.app.last_activity = time.monotonic()  # its garbage is collected after, once the coder is idle
        self.app.unsay()
        if message.refused is not None:
            title, why = message.refused
            self.app.say(why, title=title, severity="error", timeout=8)
            self._refresh_keys()
            return
        storing.then(message.shown, message.view)

    def action_label(self, label: str) -> None:
        selection = self.article.selection
        entity = self.focus().entity
        if selection:
            self._edit("span.add", lambda a: edits.add_span(a, *selection, label, self.doc.suggestion))
            self.article.move_to(self.article.cursor)
        elif entity and entity.coded:
            self._edit("span.label", lambda a: edits.relabel(a, entity.span, label))
        elif entity:
            self._edit("span.accept", lambda a: edits.accept(a, entity.suggestion, label))
        else:
            start, end = self.article.cursor_range
            self._edit("span.add", lambda a: edits.add_span(a, start, end, label, self.doc.suggestion))

    def action_boundary(self, side: str, delta: int) -> None:
        entity = self.focus().entity
        moved = entity and moved_boundary(entity.start, entity.end, side, delta, self.article.starts, self.article.ends)
        if not moved:
            return

        def move(annotation: Annotation) -> Annotation:
            if not entity.coded:
                annotation = edits.accept(annotation, entity.suggestion)
            span = entity.span or next(s for s in annotation.spans if s.source == entity.suggestion.key)
            return edits.resize(annotation, span, *moved, self.doc.suggestion)

        self._edit("span.resize", move)
        self.article.move_to(self.article.token_at(moved[0]))
        self._refresh_panel()

    def action_stance(self, label: str) -> None:
        if self.target is None:
            return
        self.stance_focus = True  # the key acts on the target, so the target shows the focus
        suggested = self._suggested_stance()
        self._edit("stance.set", lambda a: edits.set_stance(a, self.target, label, suggested))
        self._refresh_panel()

    def action_done(self) -> None:
        """`d`; with suggestions still undecided, what the codebook says: ask once, reject them, or allow."""
        left = edits.undecided(self.doc.annotation, self.doc.suggestion)
        mode = self.codebook.on_done_with_undecided
        if left and mode == "ask" and self._done_asked != self.doc.pk:
            self._done_asked = self._asked_on = self.doc.pk
            self.app.say(f"{left} suggestion{'s' if left != 1 else ''} undecided: d again to mark done "
                        "without them, u to go to the first.", title="Not done yet", timeout=6)
            return
        if left and mode == "reject":
            if self._store("reject undecided", lambda a: edits.reject_undecided(a, self.doc.suggestion)) is None:
                return  # not stored: neither is done, and the coder stays
            self._changed()
        # "Not done yet" would sit over the next document as if this one were not: taken down before
        # _finish, which may have its own word ("Queue finished", "Not saved").
        if self._asked_on == self.doc.pk:
            self.app.unsay()
            self._asked_on = None
        if self._finish("done"):
            self._done_asked = None
        # (not stored: the coder was asked already, and `d` again tries again)

    def action_skip(self) -> None:
        self._finish("skipped")

    def _finish(self, status: str) -> bool:
        """Store the status, then open the next unfinished document; False when it was not stored
        (the document stays open). The one left is not repainted first: a frame no one would see,
        2 ms of the key."""
        if self._store("status", lambda a: edits.set_status(a, status)) is None:
            return False
        self.done_today = None  # counted again for the header
        following = self.session.next_pk(self.doc.pk, unfinished=True) or self.session.first_unfinished(or_first=False)
        if following is None or following == self.doc.pk:
            self._changed()
            self._refresh_progress()
            self.app.say(f"Every document is done or skipped: {self.total} of {self.total}.", title="Queue finished")
            return True
        self.open_document(following, just_stored=True)
        return True

    def action_undo(self) -> None:
        self._replay_safely(self.session.undo, undo=True)

    def action_redo(self) -> None:
        self._replay_safely(self.session.redo, undo=False)

    def _replay_safely(self, step: Callable[..., Change | None], undo: bool) -> None:
        change = self.session.next_step(undo)
        if change is not None and rows_to_store(change.before) + rows_to_store(change.after) >= BULK_ROWS:
            self._replay_in_background(step, change, undo)
            return
        try:
            change = step()
        except SaveFailed as exc:
            self.app.say(str(exc), title="Not saved", severity="error", timeout=8)
            return
        self._replay(change, undo)

    def _replay_in_background(self, step: Callable[..., Change | None], change: Change, undo: bool) -> None:
        """Undo (or redo) of a large change, such as accept all on thousands: stored in a worker."""
        shown, other = (change.before, change.after) if undo else (change.after, change.before)
        here = change.document_pk == self.doc.pk
        text = self.doc.text
        said: list[tuple[str, int | None]] = []  # the notice and where the focus goes, worked out in the worker

        def store(on_progress: Progress) -> Annotation | None:
            step(on_progress)
            said.append((replay_notice(undo, change.before, change.after, text), changed_start(shown, other)))
            return shown if here else None

        self._store_in_background("Undoing" if undo else "Redoing", None, store,
                                  lambda _, view: self._replay(change, undo, view, said[0]))

    def _replay(self, change, undo: bool, view: View | None = None,
                worked_out: tuple[str, int | None] | None = None) -> None:
        """Show an undone (or redone) change. For a large one, its worker made the view and worked out
        the notice and the focus's place (`worked_out`), off the screen's thread."""
        if change is None:
            self.app.say("Nothing to undo" if undo else "Nothing to redo", timeout=2)
            return
        self._ahead = None  # the change may belong to the document fetched ahead
        shown, other = (change.before, change.after) if undo else (change.after, change.before)
        if change.document_pk != self.doc.pk:
            self.done_today = None  # the change may have been a `d`: counted again
            self.open_document(change.document_pk)
        else:
            self.doc.annotation = shown
            self._refresh_progress(recount=True)
            self._changed(view)
        notice, start = worked_out or (replay_notice(undo, change.before, change.after, self.doc.text),
                                       changed_start(shown, other))
        self._focus_change(shown, other, start)
        self.app.say(notice, timeout=3)

    def _focus_change(self, shown: Annotation, other: Annotation, start: int | None) -> None:
        """The focus goes where the undone (or redone) edit was (`start`, else a stance target), as an
        editor's cursor does: `a` had moved it on to the next suggestion, and the next key would have
        acted there."""
        if start is not None:
            self.article.move_to(self.article.token_at(start))
            self._moved()
            return
        targets = changed_targets(shown, other)
        target = next((t for t in self.doc.target_names if t in targets), None)
        if target is not None:
            self.target, self.stance_focus = target, True
            self._refresh_panel()

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
        self._jump(self.entities.following(self.article.cursor_range[0], direction))

    def action_next_undecided(self) -> None:
        """`u`: the next undecided entity (the first, in answer to `d`'s question), else the first
        stance target still to decide."""
        if self._answering == self.doc.pk:
            entity = self.entities.first_undecided()
        else:
            entity = self.entities.following(self.article.cursor_range[0], 1, undecided_only=True)
        target = None if entity else next_undecided_target(self.doc.target_names, None,
                                                           self.doc.annotation, self.doc.suggestion)
        if target is not None:
            self.target, self.stance_focus = target, True
            self._refresh_panel()
        else:
            self._jump(entity)

    def _jump(self, entity) -> None:
        if entity is not None:
            self.article.move_to(self.article.token_at(entity.start))
        self._moved()

    def action_next_target(self) -> None:
        """`g`: into the stance list at this document's focused target, then on to the next one."""
        names = list(self.doc.target_names)
        if not names:
            return
        if self.stance_focus:
            self.target = names[(names.index(self.target) + 1) % len(names)]
        self.stance_focus = True
        self._refresh_panel()

    def action_next(self) -> None:
        self._go(self.session.next_pk(self.doc.pk), self._step(+1), "This is the last document.")

    def action_previous(self) -> None:
        self._go(self.session.previous_pk(self.doc.pk), self._step(-1), "This is the first document.")

    def _step(self, by: int) -> int | None:
        """The neighbour's position when it saves a count (random and uncertain orders); in import
        or assignment order it is a seek, and read: another coder's lease may have skipped one."""
        return self.position + by if self.session.order != "sequential" else None

    def _go(self, pk: int | None, position: int | None, at_end: str) -> None:
        if pk is None:
            self.app.say(at_end, timeout=2)
        else:
            self.open_document(pk, position=position)

    def action_find(self) -> None:
        from annotator.tui.screens.find import FindScreen

        self._typed_ahead = []
        self.app.push_screen(FindScreen(self.session, self._typed_ahead), self._found)

    def _found(self, pk: int | None) -> None:
        self._typed_ahead = None
        if pk:
            self.open_document(pk)

    def action_dashboard(self) -> None:
        from annotator.tui.screens.dashboard import DashboardScreen, dashboard_loader

        self.app.push_screen(DashboardScreen(dashboard_loader(self.session.engine), self.codebook.name), self._chosen)

    def _chosen(self, pk: int | None) -> None:
        if pk:
            self.open_document(pk)

    def action_help(self) -> None:
        from annotator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.codebook, [(key, tooltip) for key, _, tooltip, _ in self.key_table()]))

    def key_table(self) -> list[tuple[str, str, str, str]]:
        """(key, description, tooltip, action) for every key of this screen, the codebook's after accept all."""
        own = [(b.key, b.description, b.tooltip, b.action) for b in SCREEN_BINDINGS]
        codebook = [(k.char, k.description, k.tooltip, k.action) for k in self.codebook_keys.values()]
        return own[:3] + codebook + own[3:] + [("ctrl+p", "palette", "Command palette: every action by name", "app.command_palette")]

    def on_unmount(self) -> None:
        """However the app ends without `q` (a closed browser tab: textual-serve's quit arrives as
        ExitApp), the time on the open document and the place to reopen are kept as `q` keeps them."""
        if self.doc is not None:
            self.session.leave(self.doc, closing=True)
            self.doc = None

    def action_quit(self) -> None:
        if not self.may_run("quit"):  # ctrl+q and the palette come here without a key
            return
        if self.doc is not None:
            self.session.leave(self.doc, closing=True)
            self.doc = None
        self.session.close()
        self.app.exit()


def _give_way() -> None:
    """Between the steps of a worker: a key that arrived meanwhile gets the interpreter now, instead
    of after Python's 5 ms switch interval. With it, a key pressed while the next document was being
    fetched ahead: `n` p95 11.0 to 10.0 ms, `d` 12.2 to 11.5 (a million documents, 240 presses each)."""
    time.sleep(0)  # releases the GIL, which a waiting thread takes
