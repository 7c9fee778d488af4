"""What a trained stance model reads for one target: the target's name and the sentences that
mention it (the lead sentences when none does).

Training and suggesting build it the same way, so the model sees at suggestion time what it was
trained on; the sentences used are kept as the suggestion's evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from annotator.domain.codebook import Target
from annotator.domain.stance_rules import mentioning_sentences
from annotator.domain.suggestions import Offsets

LEAD_SENTENCES = 2  # read when the target is never mentioned: an article's lead says what it is about
MAX_CHARS = 2_000  # of sentences per target: a long article's hundred mentions would slow training


def stance_context(text: str, sentences: Sequence[Offsets], target: Target,
                   entities: Iterable[Offsets] = ()) -> tuple[str, tuple[Offsets, ...]]:
    """(the model's input, the sentences it holds). `sentences` are in text order."""
    used = mentioning_sentences(text, sentences, target, entities)
    if not used:
        used = list(sentences[:LEAD_SENTENCES]) or [(0, min(len(text), MAX_CHARS))]
    kept: list[Offsets] = []
    size = 0
    for start, end in used:
        if kept and size + end - start > MAX_CHARS:
            break
        kept.append((start, end))
        size += end - start
    body = " ".join(" ".join(text[a:b].split()) for a, b in kept)
    return f"{target.name}: {body}", tuple(kept)
