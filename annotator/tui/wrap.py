"""Wrapping text into screen lines that remember their character offsets (pure; no Textual)."""

from __future__ import annotations

import re

from rich.cells import cell_len

_WORD = re.compile(r"\S+\s*|\s+")


def wrap(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) offsets of each screen line of `text` wrapped at `width` cells.

    Breaks after whitespace; a word wider than the line is cut. Line breaks end a line and belong
    to no line; a carriage return before one is dropped too, so CRLF text shows like LF text."""
    width = max(width, 1)
    ascii_text = text.isascii()
    lines: list[tuple[int, int]] = []
    start = 0
    for paragraph_end in _line_ends(text):
        end = paragraph_end - 1 if paragraph_end > start and text[paragraph_end - 1] == "\r" else paragraph_end
        lines.extend(_wrap_paragraph(text, start, end, width, ascii_text))
        start = paragraph_end + 1
    return lines


def _line_ends(text: str):
    position = text.find("\n")
    while position != -1:
        yield position
        position = text.find("\n", position + 1)
    yield len(text)


def _cells(text: str, ascii_text: bool) -> int:
    return len(text) if ascii_text or text.isascii() else cell_len(text)


def _wrap_paragraph(text: str, start: int, end: int, width: int, ascii_text: bool) -> list[tuple[int, int]]:
    if start >= end:
        return [(start, start)]
    lines = []
    line_start, used = start, 0
    for match in _WORD.finditer(text, start, end):
        word_start, word_end = match.span()
        word = text[word_start:word_end]
        stripped = word.rstrip()
        need = _cells(stripped, ascii_text)
        if used and used + need > width:
            lines.append((line_start, word_start))
            line_start, used = word_start, 0
        while need > width:  # a word longer than the line: cut it
            cut, cells = word_start, 0
            while cut < word_end and cells + _cells(text[cut], ascii_text) <= width:
                cells += _cells(text[cut], ascii_text)
                cut += 1
            cut = max(cut, word_start + 1)
            lines.append((line_start, cut))
            line_start = word_start = cut
            stripped = text[cut:word_end].rstrip()
            need, used = _cells(stripped, ascii_text), 0
        used += _cells(text[word_start:word_end], ascii_text)
    lines.append((line_start, end))
    return lines
