"""Fine-tuning the pipeline's NER on gold with spaCy's own update loop, on CPU. The caller saves the
pipeline; this only changes it. (The stance model is stance_model.py.)"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

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
