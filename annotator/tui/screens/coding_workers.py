"""The coding screen's workers: the only slow things, kept off the screen's path (a mixin of the
screen: it uses its session, controller, article and show). Their answers arrive as messages, and
one for a document no longer open is dropped."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.screen import Screen

from annotator.domain.suggestions import Suggestion
from annotator.domain.tokens import simple_tokens
from annotator.services.coding import CodingSession, OpenDocument
from annotator.services.coding_controller import CodingController
from annotator.services.coding_outcome import Ahead, Outcome
from annotator.tui.widgets.article import ArticleView, Marks
from annotator.tui.wrap import wrap


@dataclass
class SuggestionArrived(Message):
    document_pk: int
    suggestion: Suggestion | None
    awaited: tuple[int, int] | None  # the visit of the document they were made for


@dataclass
class TokenizerReady(Message):
    pass


@dataclass
class FetchedAhead(Message):
    ahead: Ahead


@dataclass
class PositionCounted(Message):
    document_pk: int
    position: int


@dataclass
class TokensReady(Message):
    document_pk: int
    tokens: tuple[list[int], list[int]]


class DocumentWorkers(Screen[None]):
    """A part of the coding screen (see there): what its workers use of it is declared here."""
    tokenizer_ready = False
    session: CodingSession
    controller: CodingController
    article: ArticleView

    @property
    def doc(self) -> OpenDocument | None:
        return self.controller.doc

    def show(self, outcome: Outcome, marks: Marks | None = None) -> None:
        raise NotImplementedError

    def _refresh_panel(self) -> None:
        raise NotImplementedError

    def _refresh_progress(self, doc: OpenDocument) -> None:
        raise NotImplementedError

    @work(thread=True, exclusive=True, group="position", exit_on_error=False)
    def _count_position(self, pk: int) -> None:
        """The open document's place in the random or uncertain order: a count of every document
        before it (a quarter of a second deep in a million), so it comes after the document's paint."""
        self.post_message(PositionCounted(pk, self.session.position(pk)))

    def on_position_counted(self, message: PositionCounted) -> None:
        if self.controller.position_counted(message.document_pk, message.position) and self.doc is not None:
            self._refresh_progress(self.doc)

    @work(thread=True, group="ahead", exit_on_error=False)
    def _fetch_ahead(self, pk: int, width: int) -> None:
        """Read and lay out the next document while the coder reads this one: `n` then only paints."""
        following = self.session.next_pk(pk)
        if following is None:
            return
        _give_way()
        document = self.session.load(following)
        _give_way()
        final = self.tokenizer_ready
        tokens = self.session.tokens(document.text) if final else simple_tokens(document.text)
        _give_way()
        self.post_message(FetchedAhead(Ahead(pk, document, tokens, (width, wrap(document.text, width)), final)))

    def on_fetched_ahead(self, message: FetchedAhead) -> None:
        if self.controller.fetched_ahead(message.ahead) and not message.ahead.final_tokens and self.tokenizer_ready:
            self._fetch_ahead(message.ahead.after_pk, self.article.text_width)  # spaCy's became ready meanwhile

    @work(thread=True, exclusive=True, group="tokenizer", exit_on_error=False)
    def _tokenizer_worker(self) -> None:
        self.session.tokens("warm up")  # imports spaCy and builds its English tokenizer (no model weights)
        self.post_message(TokenizerReady())

    def on_tokenizer_ready(self, message: TokenizerReady) -> None:
        self.tokenizer_ready = True
        if self.doc is not None:
            self._tokenize(self.doc.pk, self.doc.text)
            if self.controller.ahead is not None and not self.controller.ahead.final_tokens:
                self._fetch_ahead(self.doc.pk, self.article.text_width)

    @work(thread=True, exclusive=True, group="tokens", exit_on_error=False, description="tokens")  # not the text's repr
    def _tokenize(self, pk: int, text: str) -> None:
        self.post_message(TokensReady(pk, self.session.tokens(text)))

    def on_tokens_ready(self, message: TokensReady) -> None:
        if self.doc is not None and self.doc.pk == message.document_pk:
            self.article.set_tokens(message.tokens)
            self._refresh_panel()

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False)
    def _suggest(self, pk: int, awaited: tuple[int, int] | None) -> None:
        made = None
        try:
            made = self.session.suggest_missing(pk)
        finally:  # failed too: the document no longer waits for them (the error is the worker's, as before)
            self.post_message(SuggestionArrived(pk, made, awaited))

    def on_suggestion_arrived(self, message: SuggestionArrived) -> None:
        self.show(self.controller.suggested(message.document_pk, message.suggestion, message.awaited))


def _give_way() -> None:
    """Between the steps of a worker: a key that arrived meanwhile gets the interpreter now, instead
    of after Python's 5 ms switch interval (`n` p95 11.0 to 10.0 ms at a million documents)."""
    time.sleep(0)  # releases the GIL, which a waiting thread takes
