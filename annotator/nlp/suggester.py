"""Entity and stance suggestions for a stream of documents, in one process or several."""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice

from annotator.domain.chunks import chunks
from annotator.domain.codebook import Codebook
from annotator.domain.spans import strip_offsets
from annotator.domain.stance_context import stance_context
from annotator.domain.stance_rules import suggest_stances
from annotator.domain.suggestions import SuggestedSpan, SuggestedStance
from annotator.nlp.pipeline import Pipeline
from annotator.nlp.training import STANCE_COMPONENT, predict_stance
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
    dropped: Counter = field(default_factory=Counter)  # model labels the codebook does not map


class Suggester:
    """Entities from the pipeline's NER; stances from its trained classifier when `annotator train`
    gave it one, else from the cold-start rules."""

    def __init__(self, pipeline: Pipeline, codebook: Codebook) -> None:
        self.pipeline, self.codebook = pipeline, codebook
        self.label_map = dict(codebook.model_label_map)
        if "entities" in pipeline.trained:  # fine-tuned on gold: it predicts the codebook's own labels
            self.label_map.update({label: label for label in codebook.entity_labels})
        # only a classifier `annotator train` made: another pipeline's textcat has other labels
        self.stance_model = STANCE_COMPONENT in pipeline.nlp.pipe_names and "stance" in pipeline.trained

    @cached_property
    def _vader(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    def sentiment(self, sentence: str) -> float:
        return self._vader.polarity_scores(sentence)["compound"]

    def run(self, items: Iterable[tuple], batch_size: int = 32) -> Iterator[DocSuggestion]:
        """(document pk, text[, meta]) in, one DocSuggestion out per document, in the same order;
        meta says which targets the document has (Codebook.targets_for)."""
        pieces = ((piece, (pk, offset, text, rest[0] if rest else None))
                  for pk, text, *rest in items for offset, piece in chunks(text, MAX_CHUNK_CHARS))
        current: tuple[int, str] | None = None
        ents: list[tuple[int, int, str]] = []
        sents: list[tuple[int, int]] = []
        skip = [STANCE_COMPONENT] if self.stance_model else []  # it reads each target's sentences, not the text
        for doc, (pk, offset, text, meta) in self.pipeline.nlp.pipe(pieces, as_tuples=True, batch_size=batch_size,
                                                                    disable=skip):
            if current is not None and current[0] != pk:
                yield self._finish(*current, ents, sents)
                ents, sents = [], []
            current = (pk, text, meta)
            ents += [(e.start_char + offset, e.end_char + offset, e.label_) for e in doc.ents]
            sents += [(s.start_char + offset, s.end_char + offset) for s in doc.sents]
        if current is not None:
            yield self._finish(*current, ents, sents)

    def _finish(self, pk: int, text: str, meta: dict | None, ents: list, sents: list) -> DocSuggestion:
        spans, dropped = [], Counter()
        for start, end, model_label in ents:
            label = self.label_map.get(model_label)
            if label is None:
                dropped[model_label] += 1
            elif text[start:end].strip():
                spans.append(SuggestedSpan(start, end, label))
        sents = [s for s in (strip_offsets(text, a, b) for a, b in sents) if s[0] < s[1]]
        entities = [(s.start, s.end) for s in spans]
        targets = self.codebook.targets_for(meta)
        if self.stance_model:
            stances = self._model_stances(text, sents, entities, targets)
        else:
            stances = suggest_stances(text, sents, self.codebook, self.sentiment, entities=entities, targets=targets)
        return DocSuggestion(pk, tuple(spans), tuple(stances), dropped)

    def _model_stances(self, text: str, sentences: list, entities: list, targets) -> list[SuggestedStance]:
        if not targets:
            return []
        contexts = [stance_context(text, sentences, target, entities) for target in targets]
        predicted = predict_stance(self.pipeline.nlp, [model_input for model_input, _ in contexts])
        return [SuggestedStance(target.name, label, round(score, 3), evidence)
                for target, (_, evidence), (label, score) in zip(targets, contexts, predicted)
                if label in self.codebook.stance_labels]


def run_parallel(suggester: Suggester, items: Iterable[tuple[int, str]], n_process: int,
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
        pending: deque = deque()
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


def _work(batch: list[tuple[int, str]], batch_size: int) -> list[DocSuggestion]:
    return list(_WORKER.run(batch, batch_size))
