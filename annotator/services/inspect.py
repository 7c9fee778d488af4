"""`annotator status` and `annotator show`: the project and one document as plain data.

The shapes are documented in the README and are stable: scripts and tests read them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from annotator.domain.errors import InputError
from annotator.store import queries


def project_status(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return queries.counts(conn)


def show_document(engine: Engine, doc_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        doc = queries.document_by_id(conn, doc_id)
        if doc is None:
            near = queries.similar_ids(conn, doc_id)
            hint = f"; similar ids: {', '.join(near)}" if near else ""
            raise InputError(f"no document with id {doc_id!r}{hint}")
        text = doc.text
        return {
            "id": doc.id, "title": doc.title, "text": text, "meta": doc.meta,
            "suggestions": [
                {"model": s.model, "version": s.version,
                 "spans": [{**sp, "text": text[sp["start"]:sp["end"]]} for sp in s.spans],
                 "stances": s.stances}
                for s in queries.suggestions_of(conn, doc.pk)],
            "annotations": [_annotation(conn, a, text) for a in queries.annotations_of(conn, doc.pk)],
            "gold": _gold(conn, doc.pk, text),
        }


def _annotation(conn, a, text: str) -> dict[str, Any]:
    return {
        "coder": a.coder, "status": a.status, "seconds": a.seconds, "suggestions_shown": a.suggestions_shown,
        "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": text[s.start:s.end],
                   "origin": s.origin, "aligned": s.aligned} for s in queries.spans_of(conn, a.pk)],
        "stances": [{"target": s.target, "label": s.label, "origin": s.origin}
                    for s in queries.stances_of(conn, a.pk)],
    }


def _gold(conn, document_pk: int, text: str) -> dict[str, Any] | None:
    found = queries.gold_of(conn, document_pk)
    if found is None:
        return None
    _, spans, stances = found
    return {
        "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": text[s.start:s.end]} for s in spans],
        "stances": [{"target": s.target, "label": s.label} for s in stances],
        "items": [{"item": f"span {s.start}-{s.end} {s.label}", "how": s.how, "by": s.by} for s in spans]
        + [{"item": f"stance {s.target}", "how": s.how, "by": s.by} for s in stances],
    }
