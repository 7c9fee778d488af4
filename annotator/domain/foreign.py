"""Records from other annotation tools, turned into this tool's gold or coder records.

- Prodigy (JSONL with `tokens` and `_input_hash`): an accepted task is gold: its `spans`, and its
  `accept` choices named TARGET:LABEL as the stance; a rejected or ignored task brings its text only.
- doccano (JSONL with `label` as [start, end, LABEL] triples): gold spans, `cats` TARGET:LABEL.
- Label Studio (a JSON array of tasks): each annotation is one coder's work (`completed_by`), its
  `labels` results the spans and its `choices` results (named by the target) the stance.
Gold from another tool has no adjudication of ours: it comes in as `adjudicated`.
"""

from __future__ import annotations

from typing import Any

from annotator.domain.errors import InputError


def kind_of(obj: Any) -> str | None:
    """prodigy, doccano, or None for this tool's own JSONL shapes."""
    if not isinstance(obj, dict):
        return None
    if "tokens" in obj and "_input_hash" in obj:
        return "prodigy"
    label = obj.get("label")
    if (isinstance(label, list) and (label or "cats" in obj) and "spans" not in obj and "coder" not in obj
            and all(_is_triple(item) for item in label)):
        return "doccano"  # a list of [start, end, LABEL]: anything else named "label" stays meta
    return None


def _is_triple(item: Any) -> bool:
    return (isinstance(item, list) and len(item) == 3 and isinstance(item[0], int) and isinstance(item[1], int)
            and isinstance(item[2], str))


def _shaped(read):
    """Wrong shapes (a string where an object belongs, ...) become one clear error, not a traceback."""
    def checked(obj: Any, where: str):
        try:
            return read(obj, where)
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            raise InputError(f"not the shape {read.__name__.removeprefix('from_').replace('_', ' ')} "
                             f"writes: {exc}", where) from None
    checked.__name__ = read.__name__
    return checked


def _stance(names: list[Any], where: str) -> dict[str, str]:
    stance = {}
    for name in names:
        target, sep, label = str(name).rpartition(":")
        if not sep:
            raise InputError(f"category {name!r} is not TARGET:LABEL", where)
        stance[target] = label
    return stance


@_shaped
def from_prodigy(obj: dict[str, Any], where: str) -> dict[str, Any]:
    meta = dict(obj.get("meta") or {})
    record = {"id": meta.pop("id", None), "text": obj.get("text"), "meta": meta}
    if obj.get("answer", "accept") != "accept":
        return record
    spans = [{"start": s.get("start"), "end": s.get("end"), "label": s.get("label")} for s in obj.get("spans") or []]
    annotator = obj.get("_annotator_id")
    return {**record, "spans": spans, "stance": _stance(obj.get("accept") or [], where),
            "annotators": [annotator] if isinstance(annotator, str) else [], "adjudication": "adjudicated"}


@_shaped
def from_doccano(obj: dict[str, Any], where: str) -> dict[str, Any]:
    spans = []
    for item in obj["label"]:
        if not isinstance(item, list) or len(item) != 3:
            raise InputError(f"doccano 'label' items must be [start, end, LABEL], got {item!r}", where)
        spans.append({"start": item[0], "end": item[1], "label": item[2]})
    cats = obj.get("cats") or []
    return {"id": obj.get("id"), "text": obj.get("text"), "meta": obj.get("meta") or {}, "spans": spans,
            "stance": _stance(list(cats), where), "annotators": [], "adjudication": "adjudicated"}


@_shaped
def from_label_studio(task: Any, where: str) -> list[dict[str, Any]]:
    """A task's document once per annotation (as that coder's record), or once alone without any."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise InputError(f"a Label Studio task must be an object with 'data', got {str(task)[:80]!r}", where)
    data = task["data"]
    text = data.get("text")
    base = {"id": str(data.get("id") or task.get("id") or "") or None, "text": text,
            "meta": {k: v for k, v in data.items() if k not in ("text", "id")}}
    records = []
    for annotation in task.get("annotations") or []:
        if annotation.get("was_cancelled"):
            continue
        who = annotation.get("completed_by")
        coder = (who.get("email") or f"labelstudio-{who.get('id')}") if isinstance(who, dict) else f"labelstudio-{who}"
        spans, stance = [], {}
        for result in annotation.get("result") or []:
            value = result.get("value") or {}
            if result.get("type") == "labels":
                if not isinstance(value.get("labels"), list):
                    raise InputError(f"'labels' must be a list, got {value.get('labels')!r}", where)
                for label in value["labels"]:
                    spans.append({"start": value.get("start"), "end": value.get("end"), "label": label})
            elif result.get("type") == "choices" and value.get("choices"):
                if not isinstance(value["choices"], list):
                    raise InputError(f"'choices' must be a list, got {value['choices']!r}", where)
                stance[result.get("from_name")] = value["choices"][0]
        records.append({**base, "coder": coder, "spans": spans, "stance": stance})
    return records or [base]
