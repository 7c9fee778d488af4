"""Fine-tuning the pipeline's NER on gold with spaCy's own update loop, on CPU. The caller saves the
pipeline; this only changes it. (The stance model is stance_model.py.)"""

from __future__ import annotations

import random
from contextlib import nullcontext
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

Spans = Sequence[tuple[int, int, str]]
BATCH = 32  # sentences an update: on GUM's and CoNLL's news, 32 beat spaCy's usual 8
DROPOUT = 0.2
PATIENCE = 3  # epochs without a better dev score before training stops; each of them halves the step


@dataclass
class EntityTraining:
    off_tokens: int = 0  # gold spans off token boundaries, left out of training
    epochs: int = 0  # run
    best_epoch: int = 0  # whose weights were kept (0: none beat the pipeline as it came)
    dev_scores: list[float] = field(default_factory=list)  # exact-span F1 on the dev documents, epoch by epoch
    dev_before: float | None = None


def train_entities(nlp, examples: Sequence[tuple[str, Spans]], dev: Sequence[tuple[str, Spans]] = (), *,
                   labels: Collection[str] = (), epochs: int = 10, seed: int = 0,
                   on_epoch: Callable[[int, float], None] = lambda epoch, loss: None) -> EntityTraining:
    """Fine-tune the pipeline's NER on (text, gold spans), one example a sentence. With `dev`
    documents it keeps the weights of the epoch that scored best on them (exact spans of `labels`),
    those it came with if none did better, halves the learning rate after each epoch that did not
    do better, and stops after PATIENCE of them in a row."""
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    ner = nlp.get_pipe("ner")
    result, data = EntityTraining(), []
    for text, spans in examples:
        doc = nlp.make_doc(text)
        kept = [(s, e, label) for s, e, label in spans if doc.char_span(s, e) is not None]
        result.off_tokens += len(spans) - len(kept)
        for _, _, label in kept:
            ner.add_label(label)
        data += [Example.from_dict(piece, {"entities": piece_spans}) for piece, piece_spans in _sentences(nlp, doc, kept)]
    trained = ["ner", *[name for name in ("tok2vec", "transformer") if name in nlp.pipe_names
                        and "ner" in getattr(nlp.get_pipe(name), "listening_components", [])]]
    best_score = result.dev_before = _dev_score(nlp, dev, labels) if dev else None
    best = _weights(nlp, trained) if dev else None
    optimizer = nlp.resume_training()
    shuffled = random.Random(seed)
    for epoch in range(1, epochs + 1):
        shuffled.shuffle(data)
        losses: dict[str, float] = {}
        with nlp.select_pipes(enable=trained):
            for batch in minibatch(data, size=BATCH):
                nlp.update(batch, sgd=optimizer, losses=losses, drop=DROPOUT)
        result.epochs = epoch
        on_epoch(epoch, losses.get("ner", 0.0))
        if not dev:
            continue
        with _averaged(nlp, optimizer):  # the averaged weights are the ones kept
            score = _dev_score(nlp, dev, labels)
            if best_score is None or score >= best_score:  # a tie: the weights that learned from the gold
                best_score, best, result.best_epoch = score, _weights(nlp, trained), epoch
        result.dev_scores.append(score)
        if epoch - result.best_epoch > PATIENCE:
            break
        if result.best_epoch != epoch:  # past its best on dev: smaller steps from here
            optimizer.learn_rate *= 0.5
    if best is not None:
        _restore(nlp, best)
    else:  # no dev documents: the averaged weights of the last epoch
        with _averaged(nlp, optimizer):
            last = _weights(nlp, trained)
        _restore(nlp, last)
        result.best_epoch = result.epochs
    return result


def _sentences(nlp, doc, spans: Spans):
    """The document cut into its lines' sentences, each with the spans inside it: many short
    examples shuffle and learn better than a few long articles. A span across a cut keeps its
    sentence whole."""
    if "sentencizer" in nlp.pipe_names:
        doc = nlp.get_pipe("sentencizer")(doc)
    else:
        yield doc, list(spans)
        return
    pending: list[Any] = []
    for sent in doc.sents:
        pending.append(sent)
        start, end = pending[0].start_char, pending[-1].end_char
        if any(s < end < e for s, e, _ in spans):
            continue  # a span runs on into the next sentence
        piece = sent.as_doc() if len(pending) == 1 else doc[pending[0].start:pending[-1].end].as_doc()
        yield piece, [(s - start, e - start, label) for s, e, label in spans if start <= s and e <= end]
        pending = []


def _dev_score(nlp, dev: Sequence[tuple[str, Spans]], labels: Collection[str]) -> float:
    gold, found = set(), set()
    for i, ((_text, spans), doc) in enumerate(zip(dev, nlp.pipe(text for text, _ in dev))):
        gold |= {(i, s, e, label) for s, e, label in spans if label in labels}
        found |= {(i, e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in labels}
    hits = len(gold & found)
    return 2 * hits / (len(gold) + len(found)) if gold or found else 0.0


def _averaged(nlp, optimizer):
    return nlp.use_params(optimizer.averages) if optimizer.averages else nullcontext()


def _weights(nlp, names: list[str]) -> dict[str, bytes]:
    return {name: nlp.get_pipe(name).to_bytes() for name in names}


def _restore(nlp, weights: dict[str, bytes]) -> None:
    for name, data in weights.items():
        nlp.get_pipe(name).from_bytes(data)
