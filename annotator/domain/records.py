"""Turning one imported record (a JSON object, a CSV row, a text file) into a validated document."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from annotator.domain.codebook import Codebook
from annotator.domain.errors import InputError
from annotator.domain.spans import Span, Stance, span_problem
from annotator.domain.vocabulary import STATUSES

# Keys with a meaning of their own; any other top-level key of a JSONL record goes into `meta`
# (so Wikinews' url, license, date and source travel with the document).
RECORD_KEYS = {"id", "title", "text", "meta", "coder", "spans", "stance", "stances", "status", "seconds"}
# Keys of gold exports that describe the export itself, not the document: not kept as meta.
EXPORT_KEYS = {"annotators", "adjudication", "schema"}
_NOT_META = frozenset(RECORD_KEYS | EXPORT_KEYS)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_id(hash_: str) -> str:
    """An id derived from the text, so the same text always gets the same id."""
    return f"doc-{hash_[:12]}"


@dataclass(slots=True)
class DocumentRecord:
    id: str
    title: str
    text: str
    meta: dict[str, Any]
    text_hash: str
    coder: str | None = None
    status: str = "done"
    seconds: float | None = None
    spans: list[Span] = field(default_factory=list)  # origin "imported"
    stances: list[Stance] = field(default_factory=list)


def record_from_json(obj: Any, codebook: Codebook) -> DocumentRecord:
    """Validate one JSONL object (plain document or coder JSONL); raises InputError."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object, got {type(obj).__name__}")
    text = _text(obj.get("text", _MISSING))
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise InputError(f"'meta' must be an object, got {meta!r}")
    meta = {**{k: v for k, v in obj.items() if k not in _NOT_META}, **meta}
    hash_ = text_hash(text)
    record = DocumentRecord(id=_id(obj.get("id"), hash_), title=_title(obj.get("title", "")),
                            text=text, meta=meta, text_hash=hash_)
    coder = obj.get("coder")
    has_work = any(k in obj for k in ("spans", "stance", "stances"))
    if coder is None:
        if has_work:
            raise InputError("the record has spans or stances but no 'coder'; "
                             "coder JSONL needs \"coder\": \"NAME\" on every line")
        return record
    if not isinstance(coder, str) or not coder.strip():
        raise InputError(f"'coder' must be a non-empty name, got {coder!r}")
    record.coder = coder.strip()
    status = obj.get("status", "done")
    if status not in STATUSES:
        raise InputError(f"status {status!r} is not valid; valid: {', '.join(STATUSES)}")
    record.status = status
    seconds = obj.get("seconds")
    if seconds is not None and (not isinstance(seconds, (int, float)) or seconds < 0):
        raise InputError(f"'seconds' must be a number >= 0, got {seconds!r}")
    record.seconds = seconds
    record.spans = _spans(obj.get("spans", []), text, codebook)
    record.stances = _stances(obj.get("stance", obj.get("stances", {})), codebook)
    return record


def record_from_text(text: str, doc_id: str, title: str = "", meta: dict | None = None) -> DocumentRecord:
    """A document from plain text (a .txt file or a CSV row)."""
    text = _text(text)
    return DocumentRecord(id=doc_id, title=title, text=text, meta=meta or {}, text_hash=text_hash(text))


_MISSING = object()


def _text(value: Any) -> str:
    if value is _MISSING:
        raise InputError("no 'text' field; every record needs a non-empty \"text\" string")
    if not isinstance(value, str):
        raise InputError(f"'text' must be a string, got {type(value).__name__}")
    if not value or value.isspace():
        raise InputError("'text' is empty; every record needs a non-empty text")
    return value


def _id(value: Any, hash_: str) -> str:
    if value is None:
        return default_id(hash_)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise InputError(f"'id' must be a non-empty string or integer, got {value!r}")
    return str(value).strip()


def _title(value: Any) -> str:
    if not isinstance(value, str):
        raise InputError(f"'title' must be a string, got {value!r}")
    return value


def _spans(raw: Any, text: str, codebook: Codebook) -> list[Span]:
    if not isinstance(raw, list):
        raise InputError(f"'spans' must be a list, got {type(raw).__name__}")
    labels = codebook.entity_labels
    spans = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not {"start", "end", "label"} <= item.keys():
            raise InputError(f"span {i} must be an object with start, end and label, got {item!r}")
        start, end, label = item["start"], item["end"], item["label"]
        problem = span_problem(start, end, len(text))
        if problem:
            raise InputError(f"span {i}: {problem}")
        if label not in labels:
            raise InputError(f"span {i}: label {label!r} is not in the codebook {codebook.name}; "
                             f"valid: {', '.join(labels) or '(none: this codebook has no entity labels)'}")
        if "text" in item and item["text"] != text[start:end]:
            raise InputError(f"span {i}: its text {item['text']!r} differs from text[{start}:{end}] "
                             f"{text[start:end]!r}; offsets must be Python character offsets")
        spans.append(Span(start, end, label, "imported"))
    return spans


def _stances(raw: Any, codebook: Codebook) -> list[Stance]:
    if isinstance(raw, list):  # also accept [{"target": ..., "label": ...}], the `show --json` shape
        try:
            raw = {s["target"]: s["label"] for s in raw}
        except (TypeError, KeyError):
            raise InputError("'stances' as a list needs objects with target and label") from None
    if not isinstance(raw, dict):
        raise InputError(f"'stance' must be an object of target: label, got {type(raw).__name__}")
    targets, labels = codebook.target_names, codebook.stance_labels
    for target, label in raw.items():
        if target not in targets:
            raise InputError(f"stance target {target!r} is not in the codebook {codebook.name}; "
                             f"valid targets: {', '.join(targets) or '(none)'}")
        if label not in labels:
            raise InputError(f"stance label {label!r} for {target!r} is not valid; "
                             f"valid: {', '.join(labels)}")
    return [Stance(target, label, "imported") for target, label in raw.items()]
