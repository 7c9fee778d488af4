"""Cold-start stance: the sentiment of the sentences that mention a target.

For each codebook target: find its mentions (aliases as whole words in any case, and entity spans
whose text is an alias), score each sentence holding a mention with a sentiment function (compound
score in [-1, 1]), average, and map the mean to a polarity: positive (>= +0.05), negative (<= -0.05)
or neutral (the usual VADER cut-offs). A target never mentioned is neutral. The suggestion is the
codebook's stance label of that polarity (FAVOR, AGAINST, NONE by default); a codebook without a label
for it gets no suggestion for that target. Each suggestion keeps the sentences it used.

Score, a confidence in [0.5, 1]: positive/negative 0.5 + |mean| / 2; neutral for a mentioned target
1 - |mean| / (2 * 0.05); neutral for a target never mentioned 1.0.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from annotator.domain.codebook import Codebook, Target
from annotator.domain.suggestions import Offsets, SuggestedStance

THRESHOLD = 0.05


@lru_cache(maxsize=256)
def mention_pattern(aliases: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word, any-case alternation of the aliases, longest first.

    Short acronyms written in capitals (US, EU) match only in capitals: in any case, "US" would
    match the pronoun "us" in nearly every article."""
    def one(alias: str) -> str:
        escaped = re.escape(alias)
        return escaped if alias.isupper() and len(alias.replace(".", "")) <= 3 else f"(?i:{escaped})"
    ordered = sorted(set(aliases), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(one(a) for a in ordered) + r")(?!\w)")


def find_mentions(text: str, target: Target, entities: Iterable[Offsets] = ()) -> list[Offsets]:
    if not target.all_aliases:  # a per-document target not named here: an empty pattern would match everywhere
        return []
    pattern = mention_pattern(target.all_aliases)
    found = {m.span() for m in pattern.finditer(text)}
    names = {a.lower() for a in target.all_aliases}
    for start, end in entities:
        name = text[start:end].lower()
        if name in names or name.removeprefix("the ") in names:
            found.add((start, end))
    return sorted(found)


def mentioning_sentences(text: str, sentences: Sequence[Offsets], target: Target, entities: Iterable[Offsets] = (),
                         starts: Sequence[int] | None = None) -> list[Offsets]:
    """The sentences holding a mention of the target, in the order of the mentions, each once
    (`sentences` in text order; `starts`, their starts, when the caller has them already)."""
    starts = [s for s, _ in sentences] if starts is None else starts
    used: list[Offsets] = []
    for start, _ in find_mentions(text, target, entities):
        i = bisect_right(starts, start) - 1
        sentence = sentences[i] if i >= 0 else (0, len(text))
        if sentence not in used:
            used.append(sentence)
    return used


def suggest_stances(text: str, sentences: Sequence[Offsets], codebook: Codebook,
                    sentiment: Callable[[str], float], entities: Iterable[Offsets] = (),
                    targets: Sequence[Target] | None = None) -> list[SuggestedStance]:
    """One guess per target (the codebook's, or those given: a document's own), in order, leaving
    out those whose polarity has no label."""
    labels = codebook.polarity_labels
    if not labels:
        return []
    entities = list(entities)
    starts = [s for s, _ in sentences]
    cache: dict[Offsets, float] = {}
    guesses = []
    for target in codebook.targets if targets is None else targets:
        used = mentioning_sentences(text, sentences, target, entities, starts)
        if not used:
            polarity, score = "neutral", 1.0
        else:
            for s in used:
                if s not in cache:
                    cache[s] = sentiment(text[s[0]:s[1]])
            mean = sum(cache[s] for s in used) / len(used)
            used.sort(key=lambda s: (-abs(cache[s]), s[0]))
            polarity, score = _polarity(mean)
        if polarity in labels:
            guesses.append(SuggestedStance(target.name, labels[polarity], score, evidence=tuple(used)))
    return guesses


def no_stance_note(codebook: Codebook) -> str | None:
    """Why a codebook with targets gets no cold-start stance at all, or None when it gets some."""
    if not codebook.targets or not codebook.stances or codebook.polarity_labels:
        return None
    return (f"No stance suggestions: the codebook's stance labels ({', '.join(codebook.stance_labels)}) "
            'have no polarity; add polarity = "positive" | "negative" | "neutral" to them.')


def _polarity(mean: float) -> tuple[str, float]:
    if mean >= THRESHOLD:
        return "positive", round(0.5 + mean / 2, 3)
    if mean <= -THRESHOLD:
        return "negative", round(0.5 - mean / 2, 3)
    return "neutral", round(1 - abs(mean) / (2 * THRESHOLD), 3)
