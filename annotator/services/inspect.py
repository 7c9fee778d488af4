"""`annotator status` and `annotator show`: the project and one document as plain data.

The shapes are documented in the README and are stable: scripts and tests read them.
"""

from __future__ import annotations as _postponed  # the name `annotations` is the store module

from typing import Any

from annotator.domain.coding import Annotation
from annotator.domain.display import quoted_short
from annotator.domain.errors import InputError
from annotator.domain.spans import Span, Stance
from annotator.domain.suggestion_use import usage
from annotator.domain.suggestions import Suggestion
from annotator.store import annotations, documents, gold, suggestions
from annotator.store import usage as store_usage
from annotator.store.engine import Engine


def project_status(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {"documents": documents.count(conn),
                "suggested": suggestions.count_suggested_documents(conn),
                "gold": gold.count(conn),
                "annotations": annotations.counts_by_coder(conn),
                "gold_items": {k: v for k, v in gold.summary(conn).items() if k != "documents"},
                "suggestion_use": usage(store_usage.decisions(conn), store_usage.seconds(conn))}


def show_document(engine: Engine, doc_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        doc = documents.by_id(conn, doc_id)
        if doc is None:
            near = documents.similar_ids(conn, doc_id)
            hint = f"; similar ids: {', '.join(near)}" if near else ""
            raise InputError(f"no document with id {quoted_short(doc_id)}{hint}")
        return {
            "id": doc.id, "title": doc.title, "text": doc.text, "meta": doc.meta,
            "suggestions": [_suggestion(s, doc.text) for s in suggestions.of_document(conn, doc.pk)],
            "in_use": _in_use(suggestions.shown(conn, doc.pk)),
            "annotations": [{"coder": a.coder, "status": a.annotation.status, "seconds": a.seconds,
                             "suggestions_shown": a.suggestions_shown, **_coded(a.annotation, doc.text)}
                            for a in annotations.of_document(conn, doc.pk)],
            "gold": _gold(gold.of_document(conn, doc.pk), doc.text),
        }


def _in_use(shown: Suggestion | None) -> dict[str, Any] | None:
    """Whose suggestions the coding screen shows for the document, per task."""
    if shown is None:
        return None
    model, version = shown.stance_source
    return {"entities": {"model": shown.model, "version": shown.version}, "stance": {"model": model, "version": version}}


def _suggestion(s: Suggestion, text: str) -> dict[str, Any]:
    return {"model": s.model, "version": s.version,
            "spans": [{"start": p.start, "end": p.end, "label": p.label, "score": p.score,
                       "text": text[p.start:p.end]} for p in s.spans],
            "stances": [{"target": p.target, "label": p.label, "score": p.score,
                         "evidence": [list(e) for e in p.evidence]} for p in s.stances]}


def _coded(a: Annotation, text: str) -> dict[str, Any]:
    return {
        "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": s.text_in(text),
                   "origin": s.origin, "aligned": s.aligned} for s in a.spans],
        "stances": [{"target": s.target, "label": s.label, "origin": s.origin} for s in a.stances],
        "decisions": [{"on": "span", "start": start, "end": end, "label": label, "decision": decision}
                      for (start, end, label), decision in sorted(a.decisions.items())]
        + [{"on": "stance", "target": target, "label": label, "decision": decision}
           for (target, label), decision in sorted(a.stance_decisions.items())],
    }


def _gold(items: list[gold.GoldItem] | None, text: str) -> dict[str, Any] | None:
    if items is None:
        return None
    spans = [(i, i.item) for i in items if isinstance(i.item, Span)]
    stances = [(i, i.item) for i in items if isinstance(i.item, Stance)]
    return {
        "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": s.text_in(text)} for _, s in spans],
        "stances": [{"target": s.target, "label": s.label} for _, s in stances],
        "items": [{"item": f"span {s.start}-{s.end} {s.label}", "how": i.how, "by": i.by} for i, s in spans]
        + [{"item": f"stance {s.target}", "how": i.how, "by": i.by} for i, s in stances],
    }
