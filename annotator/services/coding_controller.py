"""What each key of the coding screen does, without a screen: the open document, the focus, the
ask-once `d`, the move-on and after-undo rules, the document fetched ahead.

`handle(action, here)` stores what the key changes (through the session) and returns an Outcome:
what the screen must paint, say, or open. The screen owns only what needs a terminal: the text's
layout (so the cursor's token and line moves), workers, and painting. Its rules, which hold after
every action:
- while any item is undecided, some item has the focus after an edit, an undo or a redo;
- a key acts only on the focused item: a stance key with the focus on an entity moves the focus to
  a target and says so, without coding it;
- a key that changes nothing says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from dataclasses import replace

from annotator.domain import coding as edits
from annotator.domain.coding import Annotation, rows_to_store
from annotator.domain.coding_view import (
    Entity,
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
from annotator.domain.suggestions import SuggestedSpan, SuggestedStance, Suggestion
from annotator.domain.vocabulary import EditKind, Status
from annotator.services.coding import Change, CodingSession, OpenDocument, Progress, SaveFailed
from annotator.services.coding_outcome import NOWHERE, Ahead, Background, Here, Outcome, Store

BULK_ROWS = 2_000  # about 20 ms of the screen's time: a larger store runs in a worker
WHILE_STORING = frozenset({"cursor", "line", "page", "next_span", "help"})  # the keys that only look
MOVES = frozenset({"next_span", "next_undecided", "next_target", "next", "previous"})  # change no annotation
ACTIONS = frozenset({"accept", "reject", "accept_all", "label", "stance", "boundary", "delete_span", "done", "skip",
                     "undo", "redo", *MOVES})  # what `handle` takes


class CodingController:
    def __init__(self, session: CodingSession) -> None:
        self.session = session
        self.codebook = session.codebook
        self.doc: OpenDocument | None = None
        self.entities = EntityList((), ())
        self.target = self.codebook.targets[0].name if self.codebook.targets else None
        self.stance_focus = False
        self.cursor = 0  # the start of the token under the screen's cursor
        self.position: int | None = 0  # in the queue's order; 0: not in it; None: being counted
        self.total = session.queue_size()
        self.ahead: Ahead | None = None
        self.storing: str | None = None  # what a running background store does
        self._done_asked: int | None = None  # the document whose `d` was answered with a question
        self._answering: int | None = None  # that document, while the key after the question runs
        self._asked_on: int | None = None  # the document the question was last said on
        self._visits = 0  # documents opened
        self.awaiting: tuple[int, int] | None = None  # (document, visit) while the screen makes its suggestions

    @property
    def _open(self) -> OpenDocument:
        """The open document, where an action runs (`handle` runs none without one)."""
        if self.doc is None:
            raise RuntimeError("no document is open")
        return self.doc

    # What the screen shows ----------------------------------------------------------------------
    def focus(self) -> Focus:
        """The one item the keys act on."""
        if self.doc is None:
            return Focus()
        return focus(self.entities, self.cursor, self.target if self.stance_focus else None)

    def can(self, action: str) -> bool | None:
        """Whether `action` applies now (the key bar dims it otherwise; None: hide it)."""
        if self.doc is None:
            return action in ("quit", "help", "find")
        if self.storing is not None and action not in WHILE_STORING:
            return False
        focused = self.focus()
        if action == "accept":
            return can_accept(focused, self._open.annotation, self._open.suggestion)
        if action == "reject":
            return can_reject(focused, self._open.annotation, self._open.suggestion)
        if action == "accept_all":
            return bool(self.entities.undecided or edits.pending_stances(self._open.annotation, self._open.suggestion))
        if action in ("delete_span", "boundary"):
            return focused.entity is not None
        if action == "undo":
            return self.session.can_undo or None
        if action == "redo":
            return self.session.can_redo or None
        return True

    def may_run(self, action: str) -> bool:
        """While a large store runs, only the keys that look: the rest would act on a document about
        to change."""
        return self.storing is None or action in WHILE_STORING

    # Keys ---------------------------------------------------------------------------------------
    def handle(self, action: str, *args: Any, here: Here = NOWHERE) -> Outcome:
        """Run one key's action (`action` as the binding names it, its arguments after)."""
        if self.doc is None:
            return Outcome()
        if not self.may_run(action):
            return Outcome().say(f"{self.storing}…: moving works, changes wait until it is stored.", timeout=3)
        self.cursor = here.cursor[0]
        self._answering, self._done_asked = self._done_asked, (self._done_asked if action == "done" else None)
        outcome: Outcome = getattr(self, f"_{action}")(*args, here=here)
        if outcome.changed and not outcome.opened:  # an edit, an undo or a redo
            self._ensure_focus(outcome)
        return outcome

    def moved(self, cursor: int) -> Outcome:
        """The screen moved its cursor (arrows, lines, pages): the focus follows it into the text."""
        self.cursor = cursor
        self.stance_focus = False
        return Outcome()

    def _accept(self, here: Here) -> Outcome:
        focused = self.focus()
        if not can_accept(focused, self._open.annotation, self._open.suggestion):
            return self._nothing_to("accept", focused)
        if focused.target:
            suggested = self._suggested_stance()
            assert suggested is not None  # (can_accept: a target is accepted only with a suggestion)
            outcome = self._edit("stance.accept", lambda a: edits.accept_stance(a, suggested))
        else:
            suggestion = _suggestion_of(focused.entity)
            outcome = self._edit("span.accept", lambda a: edits.accept(a, suggestion))
        return self._move_on(focused, outcome) if outcome.changed else outcome

    def _reject(self, here: Here) -> Outcome:
        focused = self.focus()
        entity = focused.entity
        target = focused.target
        if target and can_reject(focused, self._open.annotation, self._open.suggestion):
            suggested = self._suggested_stance()
            outcome = self._edit("stance.reject", lambda a: edits.reject_stance(a, target, suggested))
        elif entity and entity.span is not None:
            span = entity.span
            outcome = self._edit("span.remove", lambda a: edits.remove(a, span))
        elif entity:
            suggestion = _suggestion_of(entity)
            outcome = self._edit("span.reject", lambda a: edits.reject(a, suggestion))
        else:
            return self._nothing_to("reject", focused)
        return self._move_on(focused, outcome) if outcome.changed else outcome

    def _nothing_to(self, verb: str, focused: Focus) -> Outcome:
        """`a` or `x` where it cannot act, and why. On a decided item `a` moves on, so a a a walks a
        document; on plain text the focus goes to the next suggestion."""
        if focused.target and self._open.annotation.stance(focused.target) is None:
            return Outcome().say(f"No stance is suggested for {focused.target}: type its stance key." if verb == "accept"
                                 else f"{focused.target} has no stance, coded or suggested, to reject.", timeout=3)
        if focused.target or focused.entity:
            outcome = self._move_on(focused, Outcome())
            if self.focus() != focused:
                return outcome.say("Already decided: on to the next undecided item.", timeout=2)
            return outcome.say("Already decided, and nothing here is left to decide: d marks it done.", timeout=3)
        outcome = self._ensure_focus(Outcome())
        where = "on to the next suggestion" if self.focus() != focused else "nothing here is left to decide"
        return outcome.say(f"The cursor is on no suggestion to {verb}: {where}.", timeout=3)

    def _move_on(self, decided: Focus, outcome: Outcome) -> Outcome:
        """After `a` or `x`, the focus goes to the next undecided item, as Prodigy's keys do: the next
        undecided entity, then the stance targets still to decide, then back to the text's first
        undecided entity. With nothing left it stays put."""
        if decided.entity is not None:
            following = self.entities.following(decided.entity.start, 1, undecided_only=True)
            if following is not None:
                return self._put_cursor(following.start, outcome)
        target = next_undecided_target(self._open.target_names, decided.target, self._open.annotation, self._open.suggestion)
        if target is not None:
            self.target, self.stance_focus = target, True
        elif (entity := self.entities.first_undecided()) is not None:  # from the targets, back to the text
            return self._put_cursor(entity.start, outcome)
        return outcome

    def _delete_span(self, here: Here) -> Outcome:
        if self.focus().entity is None:  # never a focused target's stance
            return Outcome().say("Delete removes a span: no span has the focus.", timeout=2)
        return self._reject(here)

    def _accept_all(self, here: Here) -> Outcome:
        """Accept every undecided suggestion: one change, one event, one ctrl+z; on a document with
        thousands, stored in a worker while the screen goes on answering keys."""
        before, suggestion = self._open.annotation, self._open.suggestion
        left = len(self.entities.undecided)  # the spans it takes: the list shows the first of overlapping ones
        if not left and not edits.pending_stances(before, suggestion):
            return Outcome().say("Nothing left to accept: every suggestion here is decided.", timeout=2)
        if left + rows_to_store(before) < BULK_ROWS:
            return self._accepted_all(before, self._edit("accept all", lambda a: edits.accept_all(a, suggestion)))
        doc = replace(self._open)  # the worker's own: the open document changes on the screen's thread only

        def store(on_progress: Progress) -> Annotation:
            self.session.apply(doc, "accept all", lambda a: edits.accept_all(a, suggestion), on_progress)
            return doc.annotation

        def then(shown: Annotation | None, entities: EntityList | None) -> Outcome:
            self._open.annotation = shown or doc.annotation
            return self._accepted_all(before, self._repainted(entities))

        return self._in_background("Accepting", left or None, store, then)

    def _accepted_all(self, before: Annotation, outcome: Outcome) -> Outcome:
        if not outcome.changed:
            return outcome
        # Accept all only adds decisions (it never overrides one): the new ones are what it accepted.
        shown = self._open.annotation
        accepted = len(shown.decisions) - len(before.decisions) + len(shown.stance_decisions) - len(before.stance_decisions)
        them = "them all" if accepted != 1 else "it"
        return outcome.say(f"Accepted {accepted:,} suggestion{'s' if accepted != 1 else ''}: ctrl+z takes {them} back.")

    def _label(self, label: str, here: Here) -> Outcome:
        if self.stance_focus and not here.selection:  # the key acts on what has the focus: the text must have it
            self.stance_focus = False
            return Outcome().say("Label keys act on the text: the cursor has the focus again; "
                                 "type the key again to label.", timeout=4)
        entity = self.focus().entity
        if here.selection:
            start, end = here.selection
            outcome = self._edit("span.add", lambda a: edits.add_span(a, start, end, label, self._open.suggestion))
            outcome.drop_selection = True
        elif entity and entity.span is not None:
            if entity.label == label:
                return Outcome().say(f"Already labelled {label}.", timeout=2)
            span = entity.span
            outcome = self._edit("span.label", lambda a: edits.relabel(a, span, label))
        elif entity:
            suggestion = _suggestion_of(entity)
            outcome = self._edit("span.accept", lambda a: edits.accept(a, suggestion, label))
        else:
            start, end = here.cursor
            outcome = self._edit("span.add", lambda a: edits.add_span(a, start, end, label, self._open.suggestion))
        return outcome

    def _boundary(self, side: str, delta: int, here: Here) -> Outcome:
        entity = self.focus().entity
        if entity is None:
            return Outcome().say("The boundary keys move a span's edge: the cursor is on none.", timeout=2)
        moved = moved_boundary(entity.start, entity.end, side, delta, list(here.starts), list(here.ends))
        if not moved:
            return Outcome().say("That edge cannot move further: the span would leave the text or be empty.", timeout=2)

        def move(annotation: Annotation) -> Annotation:
            span = entity.span
            if span is None:  # a suggestion: accepted first, then resized
                suggestion = _suggestion_of(entity)
                annotation = edits.accept(annotation, suggestion)
                span = next(s for s in annotation.spans if s.source == suggestion.key)
            return edits.resize(annotation, span, *moved, self._open.suggestion)

        return self._put_cursor(moved[0], self._edit("span.resize", move))

    def _stance(self, label: str, here: Here) -> Outcome:
        if self.target is None:
            return Outcome().say("This document has no stance targets.", timeout=2)
        if not self.stance_focus:  # the key acts on what has the focus: a target must have it first
            self.target = next_undecided_target(self._open.target_names, None, self._open.annotation,
                                                self._open.suggestion) or self._open.target_names[0]
            self.stance_focus = True
            return Outcome().say(f"Stance keys act on a target: {self.target} now has the focus; "
                                 "type the key again to code it.", timeout=4)
        target, suggested = self.target, self._suggested_stance()
        if (coded := self._open.annotation.stance(target)) is not None and coded.label == label:
            return Outcome().say(f"{target} is already {label}.", timeout=2)
        return self._edit("stance.set", lambda a: edits.set_stance(a, target, label, suggested))

    def _done(self, here: Here) -> Outcome:
        """`d`; with suggestions still undecided, what the codebook says: ask once, reject them, or allow."""
        left = edits.undecided(self._open.annotation, self._open.suggestion)
        mode = self.codebook.on_done_with_undecided
        coming = self.awaiting is not None  # `d d` typed at once would otherwise mark it done
        if (left or coming) and mode == "ask" and self._done_asked != self._open.pk:  # unseen, then the next one
            self._done_asked = self._asked_on = self._open.pk
            asked = (f"{left} suggestion{'s' if left != 1 else ''} undecided: d again to mark done without them, u "
                     "to go to the first." if left else "Its suggestions are still being made: d again to mark done "
                     "without them.")
            return Outcome().say(asked, title="Not done yet", timeout=6)
        outcome = Outcome()
        if left and mode == "reject":
            if not self._store("reject undecided", lambda a: edits.reject_undecided(a, self._open.suggestion), outcome):
                return outcome  # not stored: neither is done, and the coder stays
            self._repainted(None, outcome)
        # "Not done yet" would sit over the next document as if this one were not: taken down first.
        if self._asked_on == self._open.pk:
            outcome.unsay, self._asked_on = True, None
        if self._finish("done", outcome):
            self._done_asked = None
        return outcome  # (not stored: the coder was asked already, and `d` again tries again)

    def _skip(self, here: Here) -> Outcome:
        outcome = Outcome()
        self._finish("skipped", outcome)
        return outcome

    def _finish(self, status: Status, outcome: Outcome) -> bool:
        """Store the status, then open the next unfinished document; False when it was not stored."""
        if self._store("status", lambda a: edits.set_status(a, status), outcome) is None:
            return False
        outcome.recount = True
        following = self.session.next_pk(self._open.pk, unfinished=True)
        position = None if following is None else self._carried(following)
        following = following or self.session.first_unfinished(or_first=False)
        if following is None or following == self._open.pk:
            self._repainted(None, outcome)
            outcome.say(f"Every document is done or skipped: {self.total} of {self.total}.", title="Queue finished")
            return True
        self.open(following, just_stored=True, outcome=outcome, position=position)
        return True

    def _undo(self, here: Here) -> Outcome:
        return self._replay(self.session.undo, undo=True)

    def _redo(self, here: Here) -> Outcome:
        return self._replay(self.session.redo, undo=False)

    def _replay(self, step: Callable[..., Change | None], undo: bool) -> Outcome:
        change = self.session.next_step(undo)
        if change is None:
            return Outcome().say("Nothing to undo" if undo else "Nothing to redo", timeout=2)
        if rows_to_store(change.before) + rows_to_store(change.after) >= BULK_ROWS:
            return self._replay_in_background(step, change, undo)
        try:
            step()
        except SaveFailed as exc:
            return Outcome().say(str(exc), title="Not saved", severity="error", timeout=8)
        return self._replayed(change, undo, None)

    def _replay_in_background(self, step: Callable[..., Change | None], change: Change, undo: bool) -> Outcome:
        """Undo (or redo) of a large change, such as accept all on thousands: stored in a worker."""
        shown = change.before if undo else change.after
        here = change.document_pk == self._open.pk

        def store(on_progress: Progress) -> Annotation | None:
            step(on_progress)
            return shown if here else None

        return self._in_background("Undoing" if undo else "Redoing", None, store,
                                   lambda _, entities: self._replayed(change, undo, entities))

    def _replayed(self, change: Change, undo: bool, entities: EntityList | None) -> Outcome:
        """Show an undone (or redone) change, with the focus where it was: `a` had moved it on, and
        the next key would have acted there, as an editor's cursor does."""
        self.ahead = None  # the change may belong to the document fetched ahead
        shown, other = (change.before, change.after) if undo else (change.after, change.before)
        outcome = Outcome(recount=True)
        if change.document_pk != self._open.pk:
            self.open(change.document_pk, outcome=outcome)
        else:
            self._open.annotation = shown
            self._repainted(entities, outcome)
        start = changed_start(shown, other)
        outcome.say(replay_notice(undo, change.before, change.after, self._open.text))
        if start is not None:
            return self._ensure_focus(self._put_cursor(start, outcome))
        target = next((t for t in self._open.target_names if t in changed_targets(shown, other)), None)
        if target is not None:
            self.target, self.stance_focus = target, True
        return self._ensure_focus(outcome)

    # Moving -------------------------------------------------------------------------------------
    def _next_span(self, direction: int, here: Here) -> Outcome:
        return self._jump(self.entities.following(self.cursor, direction))

    def _next_undecided(self, here: Here) -> Outcome:
        """`u`: the next undecided entity (the first, in answer to `d`'s question), else the first
        stance target still to decide."""
        if self._answering == self._open.pk:
            entity = self.entities.first_undecided()
        else:
            entity = self.entities.following(self.cursor, 1, undecided_only=True)
        if entity is not None:
            return self._jump(entity)
        target = next_undecided_target(self._open.target_names, None, self._open.annotation, self._open.suggestion)
        if target is None:
            return Outcome().say("Nothing here is left to decide: d marks the document done.", timeout=2)
        self.target, self.stance_focus = target, True
        return Outcome()

    def _jump(self, entity: Entity | None) -> Outcome:
        self.stance_focus = False
        return Outcome() if entity is None else self._put_cursor(entity.start, Outcome())

    def _next_target(self, here: Here) -> Outcome:
        """`g`: into the stance list at this document's focused target, then on to the next one."""
        names = list(self._open.target_names)
        if not names:
            return Outcome().say("This document has no stance targets.", timeout=2)
        if self.target not in names:
            self.target = names[0]
        elif self.stance_focus:
            self.target = names[(names.index(self.target) + 1) % len(names)]
        self.stance_focus = True
        return Outcome()

    def _next(self, here: Here) -> Outcome:
        return self._go(self.session.next_pk(self._open.pk), "This is the last document.")

    def _previous(self, here: Here) -> Outcome:
        return self._go(self.session.previous_pk(self._open.pk), "This is the first document.")

    def _carried(self, pk: int) -> int | None:
        """The position of pk, reached from the open document, where that saves a count of every
        document before it (random and uncertain orders: the documents passed are counted, another
        coder's leased ones among them); in import or assignment order `open` reads it in a seek."""
        if self.session.order == "sequential":
            return None
        return self.session.position_from(self._open.pk, self.position, pk)

    def _go(self, pk: int | None, at_end: str) -> Outcome:
        if pk is None:
            return Outcome().say(at_end, timeout=2)
        return self.open(pk, position=self._carried(pk))

    # Documents ----------------------------------------------------------------------------------
    def open(self, pk: int, keep_cursor: int | None = None, position: int | None = None,
             just_stored: bool = False, outcome: Outcome | None = None) -> Outcome:
        """Open a document: its first undecided entity has the focus, else its first undecided target
        (nothing carries over from the last one). `keep_cursor`: an offset the cursor goes to instead."""
        outcome = outcome or Outcome()
        if self.doc is not None:
            self.session.leave(self.doc, just_stored=just_stored)
        ahead, self.ahead = self.ahead, None
        if ahead is not None and ahead.document.pk == pk and self.session.is_current(ahead.document):
            self.doc = ahead.document
            self.session.start_timing()
        else:
            ahead = None
            self.doc = self.session.open(pk)
        # the screen makes the suggestions of a document that has none (a worker), unless it is blind
        self._visits += 1
        self.awaiting = (pk, self._visits) if self._open.suggestion is None and not self._open.blind else None
        if position is not None:
            self.position = position
        elif self.session.order == "sequential":
            self.position = self.session.position(pk)  # a seek
        else:  # a count of every document before it: the screen has it counted once this one is painted
            self.position = None
        self.entities = entity_list(self._open.annotation, self._open.suggestion)
        first = self._focus_first(keep_entity=keep_cursor is not None)
        self.cursor = keep_cursor if keep_cursor is not None else (first.start if first else 0)
        outcome.opened, outcome.move_to = ahead or True, self.cursor
        return outcome

    def position_counted(self, pk: int, position: int) -> bool:
        """The open document's position, counted off the screen's path; False for one left since."""
        if self.doc is None or self.doc.pk != pk or self.position is not None:
            return False
        self.position = position
        return True

    def _focus_first(self, keep_entity: bool) -> Entity | None:
        targets = self._open.target_names
        first_target = next_undecided_target(targets, None, self._open.annotation, self._open.suggestion)
        first = self.entities.first_undecided()
        self.target = first_target or (targets[0] if targets else None)
        self.stance_focus = first is None and first_target is not None and not keep_entity
        return first

    def suggested(self, pk: int, suggestion: Suggestion | None, awaited: tuple[int, int] | None = None) -> Outcome:
        """Suggestions made for `pk` while it was open arrived (dropped for a document left since).
        None: the worker started for `awaited` (the visit it was started for) made none; one started
        for an earlier visit changes nothing (suggestions shown since stay, a newer worker's wait too)."""
        if self.doc is None or self._open.pk != pk:
            return Outcome()
        if suggestion is None:
            if awaited == self.awaiting:
                self.awaiting = None
            return Outcome()
        self.awaiting = None
        self._open.suggestion = suggestion
        outcome = self._repainted(None)
        if self.focus() == Focus():  # nothing focused yet: the new suggestions' first undecided item
            first = self._focus_first(keep_entity=False)
            if first is not None:
                self._put_cursor(first.start, outcome)
        return outcome

    def fetched_ahead(self, ahead: Ahead) -> bool:
        """Keep what a worker read ahead, if it follows the open document; False to drop it."""
        if self.doc is None or self._open.pk != ahead.after_pk:
            return False
        self.ahead = ahead
        return True

    def close(self) -> None:
        """The time on the open document and the place to reopen are kept (also when the app ends
        without `q`)."""
        if self.doc is not None:
            self.session.leave(self.doc, closing=True)
            self.doc = None

    # Storing ------------------------------------------------------------------------------------
    def _edit(self, kind: EditKind, edit: Callable[[Annotation], Annotation]) -> Outcome:
        outcome = Outcome()
        stored = self._store(kind, edit, outcome)
        if stored:
            self._repainted(None, outcome)
        elif stored is False:
            outcome.say("Nothing changed.", timeout=2)
        return outcome

    def _store(self, kind: EditKind, edit: Callable[[Annotation], Annotation], outcome: Outcome) -> bool | None:
        """Whether the edit changed (and stored) something; None when it was not stored, the coder told why."""
        try:
            return self.session.apply(self._open, kind, edit)
        except SaveFailed as exc:
            outcome.say(str(exc), title="Not saved", severity="error", timeout=8)
        except InputError as exc:
            outcome.say(str(exc), title="Refused", severity="error", timeout=8)
        return None

    def _repainted(self, entities: EntityList | None, outcome: Outcome | None = None) -> Outcome:
        """The annotation or the suggestion changed: the entity list again (`entities`: made already)."""
        self.entities = entities or entity_list(self._open.annotation, self._open.suggestion)
        outcome = outcome or Outcome()
        outcome.changed = True
        return outcome

    def _in_background(self, what: str, count: int | None, store: Store,
                       then: Callable[[Annotation | None, EntityList | None], Outcome]) -> Outcome:
        self.storing = what

        def ended(shown: Annotation | None, entities: EntityList | None) -> Outcome:
            self.storing = None
            return self._ensure_focus(then(shown, entities))

        return Outcome(background=Background(what, count, store, ended))

    def store_refused(self) -> None:
        self.storing = None

    # Focus --------------------------------------------------------------------------------------
    def _put_cursor(self, offset: int, outcome: Outcome) -> Outcome:
        self.cursor, self.stance_focus, outcome.move_to = offset, False, offset
        return outcome

    def _ensure_focus(self, outcome: Outcome) -> Outcome:
        """While anything is undecided, something has the focus: the next undecided entity after the
        cursor (else the first), else the first undecided target."""
        if self.focus() != Focus():
            return outcome
        entity = self.entities.following(self.cursor, 1, undecided_only=True)
        if entity is not None:
            return self._put_cursor(entity.start, outcome)
        target = next_undecided_target(self._open.target_names, None, self._open.annotation, self._open.suggestion)
        if target is not None:
            self.target, self.stance_focus = target, True
        return outcome

    def _suggested_stance(self) -> SuggestedStance | None:
        return self._open.suggestion.stance(self.target) if self._open.suggestion else None


def _suggestion_of(entity: Entity | None) -> SuggestedSpan:
    """The suggestion an uncoded entity of the list shows (each entity is a span or a suggestion)."""
    if entity is None or entity.suggestion is None:
        raise ValueError(f"{entity} is not a suggestion")
    return entity.suggestion
