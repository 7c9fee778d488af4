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
    if isinstance(obj.get("label"), list) and "spans" not in obj and "coder" not in obj:
        return "doccano"
    return None


def _stance(names: list[Any], where: str) -> dict[str, str]:
    stance = {}
    for name in names:
        target, sep, label = str(name).rpartition(":")
        if not sep:
            raise InputError(f"category {name!r} is not TARGET:LABEL", where)
        stance[target] = label
    return stance


def from_prodigy(obj: dict[str, Any], where: str) -> dict[str, Any]:
    meta = dict(obj.get("meta") or {})
    record = {"id": meta.pop("id", None), "text": obj.get("text"), "meta": meta}
    if obj.get("answer", "accept") != "accept":
        return record
    spans = [{"start": s.get("start"), "end": s.get("end"), "label": s.get("label")} for s in obj.get("spans") or []]
    annotator = obj.get("_annotator_id")
    return {**record, "spans": spans, "stance": _stance(obj.get("accept") or [], where),
            "annotators": [annotator] if isinstance(annotator, str) else [], "adjudication": "adjudicated"}


def from_doccano(obj: dict[str, Any], where: str) -> dict[str, Any]:
    spans = []
    for item in obj["label"]:
        if not isinstance(item, list) or len(item) != 3:
            raise InputError(f"doccano 'label' items must be [start, end, LABEL], got {item!r}", where)
        spans.append({"start": item[0], "end": item[1], "label": item[2]})
    cats = obj.get("cats") or []
    return {"id": obj.get("id"), "text": obj.get("text"), "meta": obj.get("meta") or {}, "spans": spans,
            "stance": _stance(list(cats), where), "annotators": [], "adjudication": "adjudicated"}


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
        coder = who.get("email") if isinstance(who, dict) else f"labelstudio-{who}"
        spans, stance = [], {}
        for result in annotation.get("result") or []:
            value = result.get("value") or {}
            if result.get("type") == "labels":
                for label in value.get("labels") or []:
                    spans.append({"start": value.get("start"), "end": value.get("end"), "label": label})
            elif result.get("type") == "choices" and value.get("choices"):
                stance[result.get("from_name")] = value["choices"][0]
        records.append({**base, "coder": coder, "spans": spans, "stance": stance})
    return records or [base]
