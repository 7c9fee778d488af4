"""Label Studio exports, turned into this tool's coder records: one per annotation, as its annotator's.

- JSON (the full export): an array of tasks {id, data: {text, ...}, annotations: [{completed_by,
  result: [...], lead_time, was_cancelled, ...}], predictions}. A `labels` result is spans
  ({start, end, text, labels: [...]}, character offsets); a `choices` result is the stance toward
  the target its control is named after (from_name), or, from a control named otherwise, choices
  named TARGET:LABEL (one multiple-choice control for every target).
- JSON-MIN: an array of flat objects, one per annotation (or per task without any): the task's
  data keys, `id` (the task's), `annotator` (a user id, or an email), `annotation_id`,
  `created_at`, `updated_at`, `lead_time`, and one key per control, named after it: spans as
  [{start, end, text, labels}], a choice as a string, several as {"choices": [...]}, and a
  control with several results as a list of those.
A task's own `meta` joins its data keys in the document's meta. A target takes one stance label:
several choices for one target are an error, never the first or the last. What this tool has no
place for (relations, text areas, ratings, predictions, drafts, region notes) is listed.
JSON-MIN gives a single choice as a bare string, as it gives the task's data: a string that is a
stance label or polarity, under a key that is no target, is an error (see _stance_labels).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from annotator.domain.errors import InputError
from annotator.domain.foreign import NOTES, shaped, stance_of

MIN_KEYS = {"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "agreement", "history",
            "was_cancelled"}  # what JSON-MIN adds beside the task's data and the controls' results


def is_json_min(item: Any) -> bool:
    return isinstance(item, dict) and "data" not in item and "annotation_id" in item


def _coder(who: Any, where: str) -> str:
    """The annotator: an email as it is, a user id as labelstudio-ID (what `annotator coder add` can name)."""
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    if isinstance(who, str) and who.strip():
        return who.strip()
    if isinstance(who, int) and not isinstance(who, bool):
        return f"labelstudio-{who}"
    raise InputError(f"the annotation names no annotator (completed_by / annotator is {who!r})", where)


def _span(value: dict[str, Any], label: Any, text: Any) -> dict[str, Any]:
    span = {"start": value.get("start"), "end": value.get("end"), "label": label}
    if isinstance(value.get("text"), str):  # checked against the document's text at these offsets
        span["text"] = value["text"]
        if isinstance(text, str):
            span["start"], span["end"] = _python_offsets(text, span["start"], span["end"], value["text"])
    elif isinstance(text, str):  # no text to tell by: Label Studio counts as the browser does, in UTF-16
        span["start"], span["end"] = _from_utf16(text, span["start"], span["end"])
    return span


def _from_utf16(text: str, start: Any, end: Any) -> tuple[Any, Any]:
    """UTF-16 offsets as Python's (the same for a text without characters past U+FFFF)."""
    if text.isascii() or not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
        return start, end
    units = text.encode("utf-16-le")
    try:
        first = len(units[:2 * start].decode("utf-16-le"))
        return first, first + len(units[2 * start:2 * end].decode("utf-16-le"))
    except UnicodeDecodeError:  # an offset inside a surrogate pair: left as it is, and checked
        return start, end


def _python_offsets(text: str, start: Any, end: Any, quoted: str) -> tuple[Any, Any]:
    """The browser counts UTF-16 code units, Python characters: they differ after an emoji or any
    character past U+FFFF. Offsets that quote the span's text only as UTF-16 are turned into
    Python's; any others are left as they are (and checked)."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end and text[start:end] == quoted:
        return start, end
    first, last = _from_utf16(text, start, end)
    return (first, last) if text[first:last] == quoted else (start, end)


def _one_label(target: str, labels: list[Any], where: str) -> str:
    if not all(isinstance(label, str) for label in labels):
        raise InputError(f"Label Studio choices for {target!r} must be names (strings), got {str(labels)[:80]}", where)
    found = list(dict.fromkeys(labels))
    if len(found) != 1 or not isinstance(found[0], str):
        raise InputError(f"Label Studio choices for {target!r} are {found!r}; a target takes one stance label "
                         "(make its Choices control choice=\"single\", and keep one)", where)
    return found[0]


@shaped
def from_label_studio(task: Any, where: str, targets: Collection[str]) -> list[dict[str, Any]]:
    """A task's document once per annotation (as that coder's record), or once alone without any."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise InputError("a Label Studio task must be an object with 'data' (JSON export) or a flat object "
                         f"with 'annotation_id' (JSON-MIN export), got {str(task)[:80]!r}", where)
    data = task["data"]
    if "text" not in data:
        raise InputError(f"the task's data has no 'text' (its keys: {', '.join(map(str, data)) or 'none'}); the "
                         "article must be under data.text, which a Text control reads as $text", where)
    own_id = data.get("id") if data.get("id") not in (None, "") else None  # (0 is an id)
    base = {"id": str(own_id if own_id is not None else task.get("id", "")) or None, "text": data.get("text"),
            "meta": _task_meta(data, task.get("meta"), where)}
    if own_id is not None and task.get("id") is not None and "label_studio_id" not in base["meta"]:
        base["meta"]["label_studio_id"] = task["id"]  # the task's own number, beside the data's id
    notes = [f"Label Studio predictions ({p.get('model_version') or 'no model version'}): not imported"
             for p in task.get("predictions") or [] if isinstance(p, dict)]
    notes += [DRAFTS] * len(task.get("drafts") or [])
    records = []
    for annotation in _objects(task.get("annotations"), "'annotations'", where):
        notes += [DRAFTS] * len(annotation.get("drafts") or [])
        if annotation.get("was_cancelled"):
            notes.append(CANCELLED)
            continue
        notes += _annotation_notes(annotation)
        spans: list[dict[str, Any]] = []
        choices: dict[Any, Any] = {}
        for result in _objects(annotation.get("result"), "an annotation's 'result'", where):
            value = result.get("value") or {}
            if not isinstance(value, dict):
                raise InputError(f"a result's 'value' must be an object, got {str(value)[:80]}", where)
            if result.get("meta"):  # a note an annotator wrote on a region ({"text": [...]})
                notes.append("Label Studio region notes (a result's meta): not imported")
            if result.get("type") == "labels":
                if not isinstance(value.get("labels"), list):
                    raise InputError(f"'labels' must be a list, got {value.get('labels')!r}", where)
                spans += [_span(value, label, base["text"]) for label in value["labels"]]
                if not value["labels"]:
                    notes.append(UNLABELLED)
            elif result.get("type") == "choices":
                if not isinstance(value.get("choices"), list):
                    raise InputError(f"'choices' must be a list, got {value.get('choices')!r}", where)
                choices.setdefault(result.get("from_name"), []).extend(value["choices"])
            elif str(result.get("type")).endswith("labels"):
                raise InputError(f"Label Studio {result.get('type')!r} results hold no character offsets into a "
                                 "text; only 'labels' on a Text control can be read as spans", where)
            else:
                notes.append(f"Label Studio {result.get('type')!r} results (this tool has no place for them)")
        stance = _stance(choices, targets, where)
        record = {**base, "coder": _coder(annotation.get("completed_by"), where), "spans": spans, "stance": stance}
        if annotation.get("lead_time") is not None:
            record["seconds"] = _seconds(annotation["lead_time"], where)
        records.append(record)
    records = records or [dict(base)]
    if notes:
        records[0][NOTES] = notes
    return records


DRAFTS = "Label Studio drafts (unsubmitted work): not imported"
TIMES = ("Label Studio annotation ids and times (id, created_at, updated_at): not imported; stored with the "
         "import's time")
UNLABELLED = "Label Studio regions with no label (a span needs one)"


def _objects(items: Any, what: str, where: str) -> list[dict[str, Any]]:
    """A list of objects as Label Studio writes it (annotations, results), or an error saying so."""
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InputError(f"{what} must be a list of objects, as Label Studio writes it, got {str(items)[:80]}", where)
    return items
GROUND_TRUTH = ("Label Studio ground-truth marks: not imported (each annotation is stored as its annotator's "
                "work; gold here is derived from coders' work, or imported as gold JSONL)")


def _annotation_notes(annotation: dict[str, Any]) -> list[str]:
    """What an annotation says of itself that this tool does not keep."""
    notes = [TIMES] if any(annotation.get(k) is not None for k in ("id", "annotation_id", "created_at",
                                                                   "updated_at")) else []
    return notes + ([GROUND_TRUTH] if annotation.get("ground_truth") else [])


def _task_meta(data: dict[str, Any], meta: Any, where: str) -> dict[str, Any]:
    """The document's meta: the task's data (but its text and id) and the task's own `meta`. A key
    in both with two values is an error: either one kept would lose the other."""
    kept = {k: v for k, v in data.items() if k not in ("text", "id")}
    if meta is None or meta == {}:
        return kept
    if not isinstance(meta, dict):
        raise InputError(f"the task's 'meta' must be an object, got {str(meta)[:80]}", where)
    for key, value in meta.items():
        if key in kept and kept[key] != value:
            raise InputError(f"the task's meta key {key!r} ({str(value)[:40]!r}) and its data key {key!r} "
                             f"({str(kept[key])[:40]!r}) differ; rename one of them, or make them agree", where)
    return {**kept, **meta}


@shaped
def from_json_min(item: dict[str, Any], where: str, targets: Collection[str],
                  labels: Collection[str]) -> dict[str, Any]:
    """One JSON-MIN object: its controls' results read by shape (spans) or by name (a stance target)."""
    # The task's data goes to meta (a data key named after one of this tool's keys, "stance" or
    # "coder", is the article's data, not work); its text is the document's text.
    record: dict[str, Any] = {"id": str(item["id"]) if item.get("id") is not None else None,
                              "text": item.get("text"), "meta": {}}
    spans, choices, notes = [], {}, []
    for key, value in item.items():
        if key in MIN_KEYS:
            continue
        if _is_regions(value):
            for region in value:
                if not isinstance(region.get("labels"), list):
                    raise InputError(f"'{key}' regions must carry a list of labels, got {region.get('labels')!r}",
                                     where)
                spans += [_span(region, label, item.get("text")) for label in region["labels"]]
                if not region["labels"]:
                    notes.append(UNLABELLED)
        elif key in targets or (isinstance(value, dict) and "choices" in value) or _names_targets(value, targets):
            choices[key] = _choices(key, value, where)
        elif _stance_labels(value, labels):
            raise InputError(f"{key!r} holds {value!r}, which reads as a stance (a stance label, or a positive, "
                             "negative or neutral choice), but is not a stance target of the codebook; name the "
                             f"Choices control after a target ({', '.join(targets)}) with the codebook's labels, "
                             "or, if it is the task's data, export the project as JSON, not JSON-MIN (where data "
                             "and annotations are apart)", where)
        elif _labelled(value):
            raise InputError(f"the regions of {key!r} hold no character offsets into the text ({str(value)[:80]}); "
                             "only labels on a Text control can be read as spans", where)
        elif kind := _other_result(value):
            notes.append(f"Label Studio {kind} results (this tool has no place for them)")
        elif key != "text":
            record["meta"][key] = value  # the task's data: url, license, ...
    stance = _stance(choices, targets, where)
    if item.get("annotation_id") is not None:
        notes += _annotation_notes(item)
        notes += [f"Label Studio annotation {key} (JSON-MIN's '{key}'): not imported"
                  for key in ("agreement", "history") if item.get(key) not in (None, [], {})]
    if item.get("was_cancelled"):  # as the JSON export's cancelled annotations: the task's text only
        return {**record, NOTES: notes + [CANCELLED]}
    if notes:
        record[NOTES] = notes
    if item.get("annotation_id") is None and not spans and not stance:
        return record  # a task nobody annotated
    record.update(coder=_coder(item.get("annotator"), where), spans=spans, stance=stance)
    if item.get("lead_time") is not None:
        record["seconds"] = _seconds(item["lead_time"], where)
    return record


CANCELLED = "Label Studio annotations cancelled (skipped) by their annotator"


def _seconds(lead_time: Any, where: str) -> float:
    """An annotation's lead_time, the seconds its annotator spent: a number, as Label Studio writes it."""
    if isinstance(lead_time, bool) or not isinstance(lead_time, (int, float)) or not 0 <= lead_time < 1e9:
        raise InputError(f"'lead_time' must be the seconds spent, a number >= 0, got {lead_time!r}", where)
    return float(lead_time)


def _stance(choices: dict[str, list[Any]], targets: Collection[str], where: str) -> dict[str, str]:
    """A control named after a target chooses its label; any other chooses TARGET:LABEL names."""
    stance: dict[str, str] = {}
    for name, labels in choices.items():
        if not labels:
            continue
        if name in targets:
            found = {name: _one_label(name, labels, where)}
        elif all(isinstance(v, str) and v.rpartition(":")[0] in targets for v in labels):
            found = stance_of(labels, where, f"Label Studio choice of {name!r}")
        else:
            raise InputError(f"choices {labels!r} of {name!r}, which is not a stance target of the codebook; name "
                             f"the Choices control after a target ({', '.join(targets)}), or its choices "
                             "TARGET:LABEL", where)
        for target, label in found.items():
            if stance.get(target, label) != label:
                raise InputError(f"Label Studio choices give {target!r} two stances, {stance[target]!r} and "
                                 f"{label!r}; a target takes one", where)
            stance[target] = label
    return stance


def _stance_labels(value: Any, labels: Collection[str]) -> bool:
    """A choice (or several) of a control not named after a target: the stance of no known target.
    JSON-MIN has no labeling config to tell a choice from a data field, both bare strings: a value
    that is a stance word (labels: the codebook's stance labels and polarities, any case) is taken
    for a choice, whose stance would otherwise be lost as meta; any other string is the task's data."""
    values = value if isinstance(value, list) else [value]
    words = {label.casefold() for label in labels}
    return bool(values) and all(isinstance(v, str) and v.strip().casefold() in words for v in values)


def _names_targets(value: Any, targets: Collection[str]) -> bool:
    """A JSON-MIN choice (or list of them) of the form TARGET:LABEL, not a data field."""
    values = value if isinstance(value, list) else [value]
    return bool(values) and all(isinstance(v, str) and v.rpartition(":")[0] in targets for v in values)


_RESULT_KEYS = {"rating", "taxonomy", "number", "datetime", "ranker", "text"}  # other controls' values


def _other_result(value: Any) -> str | None:
    """The kind of another control's result (a rating, a text area, ...), as JSON-MIN writes it."""
    values = value if isinstance(value, list) else [value]
    keys = {k for v in values if isinstance(v, dict) for k in v}
    if values and all(isinstance(v, dict) and len(v) == 1 for v in values) and keys <= _RESULT_KEYS:
        return "/".join(sorted(keys))
    return None


def _labelled(value: Any) -> bool:
    """Regions labelled by another control (HyperText, Paragraphs, images): no offsets into the text."""
    return (isinstance(value, list) and any(isinstance(v, dict) and any(str(k).endswith("labels") for k in v)
                                             for v in value) and not _is_regions(value))


def _is_regions(value: Any) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(v, dict) and "labels" in v and "start" in v for v in value))


def _choices(target: str, value: Any, where: str) -> list[Any]:
    """A control's results: a choice, {"choices": [...]}, or a list of either (several results)."""
    values = value if isinstance(value, list) else [value]
    found = []
    for v in values:
        if isinstance(v, str):
            found.append(v)
        elif isinstance(v, dict) and isinstance(v.get("choices"), list):
            found += v["choices"]
        else:
            raise InputError(f"the stance for {target!r} must be a choice (a string, or {{\"choices\": [...]}}), "
                             f"got {str(value)[:80]}", where)
    return found
