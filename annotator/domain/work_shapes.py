"""Work in shapes a record does not read it in: spans under another name, [start, end, LABEL]
triples, IOB tags, a stance under a key of its own. Kept as a document's data (meta), such work
would be lost as work, so an import refuses it wherever it stands."""

from __future__ import annotations

import re
from typing import Any

from annotator.domain.codebook import Codebook

_SPAN_KEYS = ({"start", "end"}, {"start_offset", "end_offset"}, {"begin", "end"}, {"char_start", "char_end"},
              {"start_char", "end_char"}, {"startOffset", "endOffset"})
_SPAN_KEY_NAMES = {key for keys in _SPAN_KEYS for key in keys} - {"end"}
_WORK_KEYS = {"spans", "stance", "stances", "entities", "labels", "annotations", "cats"}
# Keys other tools write annotations under, whatever their shape: never a news record's own data.
ANNOTATION_KEYS = {"cats", "accept", "relations", "annotations"}


def annotation_like(value: Any) -> bool:
    """Spans under another name (objects with offsets, [start, end, LABEL] triples) or a nested
    record of work: what an import would otherwise keep as meta and so lose as annotation."""
    if isinstance(value, dict):
        return (bool(_WORK_KEYS & set(value)) or any(keys <= set(value) for keys in _SPAN_KEYS)
                or (isinstance(value.get("value"), dict) and annotation_like(value["value"]))
                or (bool(value) and all(isinstance(v, list) and v and _offset_pairs(v) for v in value.values())))
    if isinstance(value, list) and len(value) > 1:  # any item of a list, not only its first
        return any(annotation_like([item]) for item in value[:1000])
    if isinstance(value, list) and value:
        first = value[0]
        if isinstance(first, dict) and (_SPAN_KEY_NAMES & set(first) or "span" in first or "offset" in first):
            return True
        if all(isinstance(v, str) and _IOB.match(v) for v in value):  # B-PER, I-PER, O: a tagging
            return any(v.upper() != "O" for v in value)
        if isinstance(first, dict) and (isinstance(first.get("value"), dict) or isinstance(first.get("result"), list)):
            return True  # Label Studio's results, or predictions holding them
        if isinstance(first, list) and 2 <= len(first) <= 5 and any(isinstance(x, str) for x in first) and (
                _offsets(first) or any(isinstance(x, list) and _offsets(x) for x in first)):
            return True  # [start, end, LABEL(, score)] or [LABEL, start, end]
        if isinstance(first, dict):
            return any(keys <= set(first) for keys in _SPAN_KEYS)
    return False


_IOB = re.compile(r"^([Oo]|[BIESbies]-\S+)$")


def _offsets(entry: list[Any]) -> bool:
    """Whether an entry holds a start and an end: two whole numbers, the first 0 or more, the second past it."""
    numbers = [x for x in entry if isinstance(x, (int, float)) and not isinstance(x, bool)]
    return (len(numbers) >= 2 and all(float(n).is_integer() for n in numbers[:2])
            and 0 <= numbers[0] < numbers[1])


def _offset_pairs(items: list[Any]) -> bool:
    """[[start, end], ...]: spans of one label ({"PERSON": [[0, 14]]}); true and false are no offsets."""
    return all(isinstance(i, list) and len(i) == 2 and _offsets(i) for i in items)


def stance_like(key: str, value: Any, codebook: Codebook) -> bool:
    """A stance under a key of its own: a target's name or stance_X with a stance label, a
    {target: label} object, TARGET:LABEL names, or {TARGET:LABEL: score}."""
    targets, labels = set(codebook.target_names), set(codebook.stance_labels)

    def named(v: Any) -> bool:
        return isinstance(v, str) and v.rpartition(":")[0] in targets and v.rpartition(":")[2] in labels

    if isinstance(value, str):
        return named(value) or ((key in targets or key.lower().startswith("stance_"))
                                and (value in labels or value.upper() in labels))
    if isinstance(value, dict) and value:
        return (all(k in targets for k in value) and all(isinstance(v, str) and v in labels for v in value.values())
                or all(named(k) for k in value))
    return isinstance(value, list) and bool(value) and all(named(v) for v in value)
