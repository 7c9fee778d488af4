"""Splitting very long texts for the model, so that offsets still point into the whole text."""

from __future__ import annotations

from collections.abc import Iterator


def chunks(text: str, max_chars: int) -> Iterator[tuple[int, str]]:
    """(offset, piece) pairs covering `text` exactly, each piece at most max_chars long.

    Cuts at the last paragraph break before the limit, else a line break, else a sentence end,
    else whitespace, so that entities are rarely cut in two."""
    start = 0
    while len(text) - start > max_chars:
        window = text[start:start + max_chars]
        cut = max_chars
        for sep in ("\n\n", "\n", ". ", " "):
            found = window.rfind(sep, max_chars // 2)
            if found != -1:
                cut = found + len(sep)
                break
        yield start, window[:cut]
        start += cut
    yield start, text[start:]
