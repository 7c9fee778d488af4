"""Token boundaries from spaCy's rule-based English tokenizer (no model weights needed)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy  # imported here: loading spaCy costs a second, and most commands never need it

    return spacy.blank("en").tokenizer


def warm_up() -> None:
    """Load what `aligned` needs now (a worker process, before its first chunk)."""
    _joining_cases()


def token_bounds(text: str) -> tuple[list[int], list[int]]:
    """Sorted start and end character offsets of the tokens of `text`."""
    doc = _tokenizer()(text)
    return [t.idx for t in doc], [t.idx + len(t.text) for t in doc]


def word_tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token that is not whitespace: what token-based exports list."""
    return [(t.idx, t.idx + len(t.text)) for t in _tokenizer()(text) if not t.is_space]


def aligned(text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
    """Whether each (start, end) of `text` begins at a token start and ends at a token end, as
    token_bounds(text) would say, without tokenising the whole text.

    spaCy cuts a text at whitespace first and tokenises each run of other characters on its own
    (its cache is keyed by the run), so a run's first character always starts a token and its last
    ends one: most entity spans (`Kyiv`, `Angela Merkel`) are decided without the tokenizer. An
    offset inside a run (`Trump` of `Trump's`, `Kyiv` of `Kyiv,`) needs that run's tokens alone,
    and runs recur, so they are kept. An offset at whitespace (a span that starts or ends with a
    space: runs of whitespace are tokens of their own), or inside a run longer than LONGEST_RUN (a
    text written without spaces), takes the whole text's tokens, as before."""
    found: list[bool] = []
    whole: tuple[set[int], set[int]] | None = None
    for start, end in spans:
        first, last = _edge(text, start, True), _edge(text, end, False)
        if first is None or last is None:
            if whole is None:
                starts, ends = token_bounds(text)
                whole = set(starts), set(ends)
            first = start in whole[0] if first is None else first
            last = end in whole[1] if last is None else last
        found.append(first and last)
    return found


LONGEST_RUN = 100  # characters either side of an offset that its run is looked for in


def _edge(text: str, offset: int, starts: bool) -> bool | None:
    """Whether `offset` is a token start (starts) or end; None when a run's tokens cannot say."""
    at = offset if starts else offset - 1  # the character the token would begin or end with
    if not 0 <= at < len(text):
        return False
    if text[at].isspace():
        return None
    if offset == 0 or offset == len(text) or text[offset - 1 if starts else offset].isspace():
        return True  # the run's first or last character
    begin, floor = at, max(0, at - LONGEST_RUN)
    while begin > floor and not text[begin - 1].isspace():
        begin -= 1
    end, ceiling = at + 1, min(len(text), at + 1 + LONGEST_RUN)
    while end < ceiling and not text[end].isspace():
        end += 1
    if (begin > 0 and not text[begin - 1].isspace()) or (end < len(text) and not text[end].isspace()):
        return None  # a longer run (a text written without spaces): not kept
    if _joined(text, begin) or _joined(text, end):
        return None
    run_starts, run_ends = _run_bounds(text[begin:end])
    return (offset - begin) in (run_starts if starts else run_ends)


def _joined(text: str, edge: int) -> bool:
    """Whether a special case could take tokens from both sides of the whitespace at a run's edge.

    After cutting, spaCy matches its special cases (`:)`, `a.m.`, `'s`) against the whole text's
    tokens, whitespace between them unseen; one that spans two runs changes neither, but it takes
    the tokens it covers from the matches that overlap it, which a run tokenised alone would keep.
    Only a special case that its affix rules cut into two tokens or more can span two runs: when
    one might (its text found across the edge, whitespace left out), the whole text decides."""
    longest, ends_after = _joining_cases()
    left = "".join(text[max(0, edge - 3 * longest):edge].split())[-longest:]
    right = "".join(text[edge:edge + 3 * longest].split())[:longest]
    for k in range(1, len(left) + 1):
        after = ends_after.get(left[-k:])
        if after is not None and any(right.startswith(rest) for rest in after):
            return True
    return False


@lru_cache(maxsize=1)
def _joining_cases() -> tuple[int, dict[str, tuple[str, ...]]]:
    """The longest special case that affix rules cut into tokens, and every way to split one in two:
    its beginning -> the ends that can follow it."""
    tokenizer = _tokenizer()
    affixes_only = type(tokenizer)(tokenizer.vocab, rules={}, prefix_search=tokenizer.prefix_search,
                             suffix_search=tokenizer.suffix_search, infix_finditer=tokenizer.infix_finditer,
                             token_match=tokenizer.token_match, url_match=tokenizer.url_match)
    splits: dict[str, set[str]] = {}
    for case in tokenizer.rules:
        if len(affixes_only(case)) > 1:
            for k in range(1, len(case)):
                splits.setdefault(case[:k], set()).add(case[k:])
    return max(map(len, splits), default=0) + 1, {begin: tuple(ends) for begin, ends in splits.items()}


@lru_cache(maxsize=1 << 16)
def _run_bounds(run: str) -> tuple[frozenset[int], frozenset[int]]:
    """The token starts and ends of one run of non-space characters, as offsets into it."""
    doc = _tokenizer()(run)
    return frozenset(t.idx for t in doc), frozenset(t.idx + len(t) for t in doc)
