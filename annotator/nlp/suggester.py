"""Entity and stance suggestions for a stream of documents, in one process or several."""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from annotator.domain.chunks import chunks
from annotator.domain.codebook import Codebook
from annotator.domain.spans import strip_offsets
from annotator.domain.stance_features import mention_views
from annotator.domain.stance_rules import suggest_stances
from annotator.domain.suggestions import SuggestedSpan, SuggestedStance
from annotator.nlp.pipeline import Pipeline
from annotator.nlp.stance_model import sentiment_lexicon, vader
from annotator.processes import die_with_parent

# spaCy refuses texts over nlp.max_length (1,000,000 characters); long texts go through in pieces,
# streamed, so that a pipe batch holds at most batch_size x this many characters whatever the text's
# size (a 2 MB text peaked at 238 MB with 20,000, at 524 MB with 100,000).
MAX_CHUNK_CHARS = 20_000


@dataclass
class DocSuggestion:
    document_pk: int
    spans: tuple[SuggestedSpan, ...]
    stances: tuple[SuggestedStance, ...]
    dropped: Counter[Any] = field(default_factory=Counter)  # model labels the codebook does not map


class Suggester:
    """Entities from the pipeline's NER; stances from its trained model when `annotator train` gave
    it one, else from the cold-start rules."""

    def __init__(self, pipeline: Pipeline, codebook: Codebook) -> None:
        self.pipeline, self.codebook = pipeline, codebook
        self.label_map = dict(codebook.model_label_map)
        if "entities" in pipeline.trained:  # fine-tuned on gold: it predicts the codebook's own labels
            self.label_map.update({label: label for label in codebook.entity_labels})
        self.stance_model = pipeline.stance

    @staticmethod
    def sentiment(sentence: str) -> float:
        return vader().polarity_scores(sentence)["compound"]

    def run(self, items: Iterable[tuple[Any, ...]], batch_size: int = 32) -> Iterator[DocSuggestion]:
        """(document pk, text[, meta]) in, one DocSuggestion out per document, in the same order;
        meta says which targets the document has (Codebook.targets_for)."""
        pending: list[_Read] = []
        for found in self._read(items, batch_size):
            pending.append(found)
            if len(pending) >= batch_size:
                yield from self._with_stances(pending)
                pending = []
        yield from self._with_stances(pending)

    def _read(self, items: Iterable[tuple[Any, ...]], batch_size: int) -> Iterator[_Read]:
        """Each document's entities (in codebook labels) and sentences, from the pipeline."""
        pieces = ((piece, (pk, offset, text, rest[0] if rest else None))
                  for pk, text, *rest in items for offset, piece in chunks(text, MAX_CHUNK_CHARS))
        current: tuple[int, str, dict[str, Any] | None] | None = None
        ents: list[tuple[int, int, str]] = []
        sents: list[tuple[int, int]] = []
        for doc, (pk, offset, text, meta) in self.pipeline.nlp.pipe(pieces, as_tuples=True, batch_size=batch_size):
            if current is not None and current[0] != pk:
                yield self._entities(*current, ents, sents)
                ents, sents = [], []
            current = (pk, text, meta)
            ents += [(e.start_char + offset, e.end_char + offset, e.label_) for e in doc.ents]
            sents += [(s.start_char + offset, s.end_char + offset) for s in doc.sents]
        if current is not None:
            yield self._entities(*current, ents, sents)

    def _entities(self, pk: int, text: str, meta: dict[str, Any] | None, ents: list[Any], sents: list[Any]) -> _Read:
        spans: list[Any] = []
        dropped: Counter[str] = Counter()
        for start, end, model_label in ents:
            label = self.label_map.get(model_label)
            if label is None:
                dropped[model_label] += 1
            elif text[start:end].strip():
                spans.append(SuggestedSpan(start, end, label))
        sents = [s for s in (strip_offsets(text, a, b) for a, b in sents) if s[0] < s[1]]
        return _Read(DocSuggestion(pk, tuple(spans), (), dropped), text, sents, self.codebook.targets_for(meta))

    def _with_stances(self, batch: list[_Read]) -> list[DocSuggestion]:
        """The documents with their stances: the trained model's, predicted for the whole batch at
        once (one call costs about as much as a hundred mentions), else the cold-start rules'."""
        if not self.stance_model:
            return [replace(r.found, stances=tuple(suggest_stances(
                r.text, r.sentences, self.codebook, self.sentiment, entities=r.entity_offsets, targets=r.targets)))
                for r in batch]
        lexicon = sentiment_lexicon()
        views = [[mention_views(r.text, r.sentences, target, r.entity_offsets, lexicon) for target in r.targets]
                 for r in batch]
        guesses = iter(self.stance_model.predict([mentions for per_doc in views for mentions in per_doc]))
        return [replace(r.found, stances=tuple(
            SuggestedStance(target.name, guess.label, guess.score,
                            tuple(dict.fromkeys(mentions[i].sentence for i in guess.ranked)))
            for target, mentions, guess in zip(r.targets, per_doc, guesses)
            if guess.label in self.codebook.stance_labels)) for r, per_doc in zip(batch, views)]


@dataclass
class _Read:
    found: DocSuggestion  # its entities, no stances yet
    text: str
    sentences: list[tuple[int, int]]
    targets: tuple[Any, ...]

    @property
    def entity_offsets(self) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in self.found.spans]


def run_parallel(suggester: Suggester, items: Iterable[tuple[Any, ...]], n_process: int,
                 batch_size: int) -> Iterator[DocSuggestion]:
    """Like Suggester.run, over n_process worker processes, results in input order.

    Workers do everything but the database (NER, sentences and stance), so the parent only reads
    and writes; at most 2 batches per worker are in flight, so memory stays flat."""
    if n_process <= 1:
        yield from suggester.run(items, batch_size)
        return
    global _WORKER
    _WORKER = suggester  # inherited by the forked workers: the model is loaded once
    context = multiprocessing.get_context("fork")
    items = iter(items)
    with context.Pool(n_process, initializer=die_with_parent) as pool:  # a killed run leaves no workers
        pending: deque[Any] = deque()
        while True:
            while len(pending) < 2 * n_process:
                batch = list(islice(items, batch_size))
                if not batch:
                    break
                pending.append(pool.apply_async(_work, (batch, batch_size)))
            if not pending:
                return
            yield from pending.popleft().get()


_WORKER: Suggester | None = None


def _work(batch: list[tuple[Any, ...]], batch_size: int) -> list[DocSuggestion]:
    assert _WORKER is not None, "set by run_parallel before the fork"
    return list(_WORKER.run(batch, batch_size))
