"""Training the suggesters on gold: a `textcat` for stance and the pipeline's NER, with spaCy's
own update loop, on CPU. The caller saves the pipeline; these only change it."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

# What the stance classifier is: bag of words and a small CNN (spaCy's default textcat), or bag of
# words alone, several times faster on a big gold set.
ARCHITECTURES = {
    "ensemble": None,  # spaCy's default config
    "bow": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True, "ngram_size": 2,
            "no_output_layer": False, "length": 262144},
}
STANCE_COMPONENT = "textcat"


def train_stance(nlp, examples: Sequence[tuple[str, str]], labels: Sequence[str], *, epochs: int = 10,
                 architecture: str = "ensemble", seed: int = 0,
                 on_epoch: Callable[[int, float], None] = lambda epoch, loss: None) -> None:
    """Add a `textcat` over `labels` to `nlp` and train it on (model input, gold label) pairs."""
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    if STANCE_COMPONENT in nlp.pipe_names:  # training again on a trained model: a fresh classifier
        nlp.remove_pipe(STANCE_COMPONENT)
    model = ARCHITECTURES[architecture]
    textcat = nlp.add_pipe(STANCE_COMPONENT, config={"model": model} if model else {})
    for label in labels:
        textcat.add_label(label)
    data = [Example.from_dict(nlp.make_doc(text), {"cats": {label: float(label == gold) for label in labels}})
            for text, gold in examples]
    textcat.initialize(lambda: data, nlp=nlp)
    optimizer = nlp.create_optimizer()
    shuffled = random.Random(seed)
    for epoch in range(epochs):
        shuffled.shuffle(data)
        losses: dict[str, float] = {}
        with nlp.select_pipes(enable=[STANCE_COMPONENT]):
            for batch in minibatch(data, size=16):
                nlp.update(batch, sgd=optimizer, losses=losses, drop=0.2)
        on_epoch(epoch + 1, losses.get(STANCE_COMPONENT, 0.0))


def predict_stance(nlp, texts: Sequence[str]) -> list[tuple[str, float]]:
    """(best label, its probability) for each model input."""
    textcat = nlp.get_pipe(STANCE_COMPONENT)
    found = []
    for doc in textcat.pipe(nlp.make_doc(text) for text in texts):
        label, score = max(doc.cats.items(), key=lambda kv: kv[1])
        found.append((label, float(score)))
    return found


def train_entities(nlp, examples: Sequence[tuple[str, Sequence[tuple[int, int, str]]]], *, epochs: int = 10,
                   seed: int = 0, on_epoch: Callable[[int, float], None] = lambda epoch, loss: None) -> int:
    """Fine-tune the pipeline's NER on (text, gold spans); returns the spans that fall off token
    boundaries and are left out of training."""
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    ner = nlp.get_pipe("ner")
    data, off_tokens = [], 0
    for text, spans in examples:
        doc = nlp.make_doc(text)
        kept = [(s, e, label) for s, e, label in spans if doc.char_span(s, e) is not None]
        off_tokens += len(spans) - len(kept)
        for _, _, label in kept:
            ner.add_label(label)
        data.append(Example.from_dict(doc, {"entities": kept}))
    trained = ["ner", *[name for name in ("tok2vec", "transformer") if name in nlp.pipe_names
                        and "ner" in getattr(nlp.get_pipe(name), "listening_components", [])]]
    optimizer = nlp.resume_training()
    shuffled = random.Random(seed)
    for epoch in range(epochs):
        shuffled.shuffle(data)
        losses: dict[str, float] = {}
        with nlp.select_pipes(enable=trained):
            for batch in minibatch(data, size=8):
                nlp.update(batch, sgd=optimizer, losses=losses, drop=0.2)
        on_epoch(epoch + 1, losses.get("ner", 0.0))
    return off_tokens
