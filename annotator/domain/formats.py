"""Export records: one document in each interchange format, and gold JSONL read back.

Pure: documents come in as plain values, tokens as (start, end) offsets from the caller's tokenizer.
Every format keeps the document's `meta` (url and license included) where it has room for it.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


SpanRow = tuple[int, int, str, str]  # start, end, label, how
StanceRow = tuple[str, str, str]  # target, label, how
FORMATS = ("gold", "coders", "spacy", "prodigy", "doccano", "conll")
EXTENSIONS = {"gold": "jsonl", "coders": "jsonl", "spacy": "spacy", "prodigy": "jsonl", "doccano": "jsonl",
              "conll": "conll"}


@dataclass(frozen=True, slots=True)
class ExportDocument:
    id: str
    title: str
    text: str
    meta: dict[str, Any]
    spans: Sequence[SpanRow]
    stances: Sequence[StanceRow]
    annotators: Sequence[str] = ()
    coder: str | None = None  # set for one coder's annotation (coders JSONL), None for gold
    adjudication: str | None = None  # imported gold's own word, said where no item carries one
    seconds: float | None = None  # a coder's time on the document (coders JSONL)
    by: dict[tuple[Any, ...], str] = field(default_factory=dict)  # gold item -> the lead who settled it


@dataclass
class Unaligned:
    """Spans a token-based format cannot hold as they are: reported with document and offsets; and
    tokens a CoNLL reader would take for its own markup (a document's start, a comment)."""
    found: list[tuple[str, int, int, str]] = field(default_factory=list)  # document id, start, end, label
    markup: list[tuple[str, int, str]] = field(default_factory=list)  # document id, offset, token

    def add(self, doc: ExportDocument, span: SpanRow) -> None:
        self.found.append((doc.id, span[0], span[1], span[2]))


def adjudication(hows: Sequence[str], own: str | None = None) -> str:
    """A document's gold in one word: adjudicated if a lead settled any item, unanimous if every
    item was, else majority; for gold with no item, the word it was imported with (`own`)."""
    if not hows and own:
        return own
    if "adjudicated" in hows:
        return "adjudicated"
    return "majority" if "majority" in hows else "unanimous"


def export_meta(doc: ExportDocument) -> dict[str, Any]:
    """The document's meta with its title first (gold JSONL keeps the title there)."""
    return {"title": doc.title, **doc.meta} if doc.title else dict(doc.meta)


_meta = export_meta


def _spans(doc: ExportDocument) -> list[dict[str, Any]]:
    return [{"start": s, "end": e, "label": label, "text": doc.text[s:e]} for s, e, label, _ in doc.spans]


def gold_record(doc: ExportDocument, schema: str) -> dict[str, Any]:
    """The document's word for its gold, and each item reached otherwise with its own: a span's
    "how", and "stance_how" (target -> how), so that gold read back keeps every item's."""
    word = adjudication([how for *_, how in doc.spans] + [how for *_, how in doc.stances], doc.adjudication)
    text, by = doc.text, doc.by
    spans = []
    for s, e, label, how in doc.spans:  # one loop, one dict a span: export's hot path
        span = {"start": s, "end": e, "label": label, "text": text[s:e]}
        if how != word:
            span["how"] = how
        if by and ("span", s, e, label) in by:
            span["by"] = by[("span", s, e, label)]
        spans.append(span)
    record = {"id": doc.id, "text": text, "meta": _meta(doc), "spans": spans,
              "stance": {t: label for t, label, _ in doc.stances}}
    stance_how = {t: how for t, _, how in doc.stances if how != word}
    if stance_how:
        record["stance_how"] = stance_how
    if by and (stance_by := {t: by[("stance", t)] for t, _, _ in doc.stances if ("stance", t) in by}):
        record["stance_by"] = stance_by
    record.update(annotators=list(doc.annotators), adjudication=word, schema=schema)
    return record


def coder_record(doc: ExportDocument, schema: str) -> dict[str, Any]:
    return {"id": doc.id, "text": doc.text, "meta": _meta(doc), "spans": _spans(doc),
            "stance": {t: label for t, label, _ in doc.stances}, "coder": doc.coder,
            **({"seconds": doc.seconds} if doc.seconds else {}), "schema": schema}  # (0: no time kept)


def doccano_record(doc: ExportDocument) -> dict[str, Any]:
    return {"id": doc.id, "text": doc.text, "label": [[s, e, label] for s, e, label, _ in doc.spans],
            "cats": [f"{t}:{label}" for t, label, _ in doc.stances], "meta": _meta(doc)}


def _hash(*parts: str) -> int:
    """A stable 31-bit signed hash, as Prodigy's hashes are plain JSON integers."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def prodigy_record(doc: ExportDocument, tokens: Sequence[tuple[int, int]], unaligned: Unaligned) -> dict[str, Any]:
    """Prodigy's span format: tokens with their offsets, spans with token indices (inclusive end)."""
    starts, ends = [s for s, _ in tokens], [e for _, e in tokens]
    spans = []
    for span in doc.spans:
        first, last = bisect_left(starts, span[0]), bisect_right(ends, span[1]) - 1
        if first >= len(starts) or starts[first] != span[0] or last < 0 or ends[last] != span[1]:
            unaligned.add(doc, span)
            continue
        spans.append({"start": span[0], "end": span[1], "label": span[2], "token_start": first, "token_end": last})
    input_hash = _hash(doc.text)
    accept = [f"{t}:{label}" for t, label, _ in doc.stances]
    return {"text": doc.text,
            "tokens": [{"text": doc.text[s:e], "start": s, "end": e, "id": i,
                        "ws": i + 1 < len(tokens) and tokens[i + 1][0] > e} for i, (s, e) in enumerate(tokens)],
            "spans": spans, "accept": accept, "answer": "accept", "meta": {**_meta(doc), "id": doc.id},
            **_prodigy_annotators(doc.annotators),
            "_input_hash": input_hash, "_task_hash": _hash(str(input_hash), repr(spans), repr(accept))}


def _prodigy_annotators(annotators: Sequence[str]) -> dict[str, Any]:
    """Whose gold it is, as Prodigy says it: one annotator's id, or the sessions a review settled."""
    if len(annotators) == 1:
        return {"_annotator_id": annotators[0]}
    return {"sessions": list(annotators)} if annotators else {}


def conll_lines(doc: ExportDocument, tokens: Sequence[tuple[int, int]], unaligned: Unaligned) -> list[str]:
    """CoNLL-2003 style: `-DOCSTART-`, then one token a line (`TOKEN _ _ TAG`, IOB2 tags), a blank
    line between paragraphs. A span that does not fall on token boundaries, overlaps another, or has
    a label with a space (a column of its own to a reader) is reported and left untagged."""
    tags = ["O"] * len(tokens)
    starts, ends = [s for s, _ in tokens], [e for _, e in tokens]
    for span in sorted(doc.spans):
        first, last = bisect_left(starts, span[0]), bisect_right(ends, span[1]) - 1
        aligned = first < len(starts) and starts[first] == span[0] and last >= first and ends[last] == span[1]
        if not aligned or any(tag != "O" for tag in tags[first:last + 1]) or any(c.isspace() for c in span[2]):
            unaligned.add(doc, span)
            continue
        tags[first:last + 1] = [f"B-{span[2]}"] + [f"I-{span[2]}"] * (last - first)
    lines = ["-DOCSTART- -X- -X- O", ""]
    previous_end = None
    for (s, e), tag in zip(tokens, tags):
        if previous_end is not None and "\n\n" in doc.text[previous_end:s] and lines[-1] != "":
            lines.append("")
        if doc.text[s:e] == "-DOCSTART-" or doc.text[s:e].startswith("#"):
            unaligned.markup.append((doc.id, s, doc.text[s:e]))
        lines.append(f"{doc.text[s:e]} _ _ {tag}")
        previous_end = e
    if lines[-1] != "":
        lines.append("")
    return lines
