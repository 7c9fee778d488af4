"""Records from other annotation tools, turned into this tool's gold or coder records.

- Prodigy (JSONL with `tokens` and `_input_hash`): an accepted task brings its `spans`, and its
  `accept` choices named TARGET:LABEL as the stance; a rejected or ignored task, or one with no
  answer (a stream's input), brings its text only. Tasks of one text with different task hashes
  (the teach recipes ask one span or label per task) are merged into one record.
- doccano (JSONL, or a JSON array, of examples; its own meta keys at the top level):
  sequence labelling writes `label` as [start, end, LABEL] triples, or, with relations,
  `entities` as {id, label, start_offset, end_offset} objects and `relations` as {id, from_id,
  to_id, type}; classification writes `label` as a list of category names (read as TARGET:LABEL);
  intent detection writes `cats` (categories) beside `entities` as [start, end, LABEL] triples.
  One file per annotator (alice.jsonl, ...) when the project is not collaborative: the export does
  not name them.
- Label Studio: see label_studio.py.
What a tool's record holds that this tool has no place for is listed (NOTES), never dropped in
silence; an annotation that cannot be read is an error that says what would be valid, never meta.
Gold from another tool has no adjudication of ours: it comes in as `adjudicated`, or, with a coder
named (import --as coder NAME), as that coder's done work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from annotator.domain.errors import InputError

# The key under which a converted record lists what it did not store, one reason per item (not a
# key any JSON record can have: the importer takes it off before the record is read).
NOTES = "\x00notes"
DOCCANO_KEYS = {"label", "cats", "entities", "relations", "Comments"}
# import --as gold, said outright: doccano's and Prodigy's annotations are gold (as without --as),
# and a record that names its own coder is refused, as with --as coder (no coder name can hold \x00).
AS_GOLD = "\x00gold"
# A Prodigy task's keys that are Prodigy's own (its annotation, the view's options, the tokens it
# derived from the text); keys starting with "_" are its bookkeeping (hashes, session, timestamp).
PRODIGY_KEYS = {"text", "meta", "tokens", "spans", "answer", "accept", "options", "label", "relations", "config", "cats",
                "versions", "sessions", "view_id"}
# Prodigy's bookkeeping (its hashes, the view, the session): not the document's data. Other keys
# starting with "_" are the input's own, kept as this tool's JSONL keeps any key.
PRODIGY_BOOKKEEPING = {"_input_hash", "_task_hash", "_view_id", "_session_id", "_annotator_id", "_timestamp",
                       "_is_binary"}
_PRODIGY_SPAN_KEYS = {"start", "end", "label", "text", "token_start", "token_end", "answer"}
# This tool's own annotation keys: a record with Prodigy's and these mixes two shapes.
OWN_WORK_KEYS = {"stance", "stances", "coder", "adjudication", "annotators", "status", "seconds"}


def kind_of(obj: Any) -> str | None:
    """prodigy, doccano, or None for this tool's own JSONL shapes."""
    if not isinstance(obj, dict):
        return None
    if "_input_hash" in obj or "_task_hash" in obj or "_view_id" in obj:  # Prodigy's own keys
        return "prodigy"
    if obj.get("answer") in ("accept", "reject", "ignore") and ("accept" in obj or "options" in obj):
        return "prodigy"  # a choice task with its hashes taken off: its answer is still an annotation
    if any(k in obj for k in ("coder", "adjudication", "spans")):
        return None
    if "label" in obj or "cats" in obj or _doccano_entities(obj):
        return "doccano"  # a record with `label` is doccano's: a shape it does not write is an error
    return None


def _doccano_entities(obj: dict[str, Any]) -> bool:
    """doccano's spans under `entities`: objects (sequence labelling with relations), or [start, end,
    LABEL] triples beside `cats` (intent detection); not a list of names in a news record."""
    found = obj.get("entities")
    return isinstance(found, list) and ("relations" in obj or any(
        isinstance(e, dict) and ("start_offset" in e or "end_offset" in e) for e in found)
        or ("cats" in obj and bool(found) and all(_is_triple(e) for e in found)))


def _is_triple(item: Any) -> bool:
    return (isinstance(item, list) and len(item) == 3 and isinstance(item[0], int) and isinstance(item[1], int)
            and isinstance(item[2], str))


Read = TypeVar("Read")  # what a reader gives: a record, or a list of them


def shaped(read: Callable[..., Read]) -> Callable[..., Read]:
    """Wrong shapes (a string where an object belongs, ...) become one clear error, not a traceback."""
    def checked(obj: Any, where: str, *args: Any) -> Read:
        try:
            return read(obj, where, *args)
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            raise InputError(f"not the shape {read.__name__.removeprefix('from_').replace('_', ' ')} "
                             f"writes: {exc}", where) from None
    checked.__name__ = read.__name__
    return checked


def stance_of(names: list[Any], where: str, what: str) -> dict[str, str]:
    """TARGET:LABEL names as a stance; one target named with two labels is an error, not the last."""
    stance: dict[str, str] = {}
    for name in names:
        target, sep, label = str(name).rpartition(":")
        if not isinstance(name, str) or not sep or not target:
            raise InputError(f"{what} {name!r} is not TARGET:LABEL (a stance target of the codebook, a colon, "
                             "a stance label: e.g. 'Ukraine:FAVOR')", where)
        if stance.get(target, label) != label:
            raise InputError(f"the {what} names give {target!r} two stances, {stance[target]!r} and {label!r}; "
                             "a target takes one", where)
        stance[target] = label
    return stance


def attributed(doc: dict[str, Any], spans: list[Any], stance: dict[str, Any], coder: str | None, notes: list[str],
               decided: bool = False) -> dict[str, Any]:
    """A foreign record's annotation as gold (no coder named) or as the named coder's done work.
    Nothing annotated is no annotation, unless the tool says it was decided (Prodigy's "accept")."""
    if notes:
        doc[NOTES] = notes
    if not spans and not stance and not decided:
        return doc
    if coder is not None:
        return {**doc, "coder": coder, "status": "done", "spans": spans, "stance": stance}
    return {**doc, "spans": spans, "stance": stance, "annotators": [], "adjudication": "adjudicated"}


@shaped
def from_prodigy(obj: dict[str, Any], where: str, coder: str | None = None) -> dict[str, Any]:
    """The task's own fields (id, title, url, license, ...: Prodigy keeps the input's keys at the top
    level) come in as this tool's JSONL reads them; Prodigy's bookkeeping does not."""
    mixed = sorted(OWN_WORK_KEYS & obj.keys())
    if mixed:
        raise InputError(f"a Prodigy task (it has Prodigy's {', '.join(k for k in ('_input_hash', '_task_hash', '_view_id', 'answer') if k in obj)}) "
                         f"that also gives this tool's {', '.join(mixed)}: give one tool's shape", where)
    _check_prodigy_shape(obj, where)
    meta = dict(obj.get("meta") or {})
    record = {k: v for k, v in obj.items() if k not in PRODIGY_KEYS and k not in PRODIGY_BOOKKEEPING}
    record["text"] = obj.get("text")
    if "id" not in record and "id" in meta:
        record["id"] = meta.pop("id")
    for key in [k for k in meta if k in record and meta[k] == record[k]]:  # shown in Prodigy's card too
        del meta[key]
    record["meta"] = meta
    notes = ["Prodigy relations (this tool keeps none)"] * len(obj.get("relations") or [])
    if "_timestamp" in obj:
        notes.append("Prodigy answer times (_timestamp): not imported; stored with the import's time")
    versions = obj.get("versions") or []
    if versions:  # the review recipe: the reviewed answer is the task's; each annotator's own is listed
        notes += [REVIEWED_VERSIONS] * len(versions)
    if "answer" not in obj:  # Prodigy's input, not an annotation: its spans are a model's or a pattern's
        return {**record, NOTES: notes + [NOT_ANSWERED]}
    answer = obj["answer"]
    if answer != "accept":
        return {**record, NOTES: notes + [f"Prodigy tasks answered {answer!r}: their text only"]}
    spans = []
    for span in obj.get("spans") or []:
        if span.get("answer") in ("reject", "ignore"):  # a binary task's answer on this span alone
            notes.append(f"Prodigy spans answered {span['answer']!r} on their own")
            continue
        if extra := sorted(set(span) - _PRODIGY_SPAN_KEYS):
            notes.append(f"Prodigy span fields this tool keeps none of ({', '.join(extra)})")
        spans.append({"start": span.get("start"), "end": span.get("end"), "label": span.get("label"),
                      **({"text": span["text"]} if "text" in span else {})})  # checked against the offsets
    cats = obj.get("cats") or {}
    if isinstance(cats, dict) and (unchosen := [name for name, score in cats.items() if score < 0.5]):
        notes += ["Prodigy cats scored below 0.5 (read as not chosen)"] * len(unchosen)
    accepted = [*(obj.get("accept") or []),
                *([name for name, score in cats.items() if score >= 0.5] if isinstance(cats, dict) else cats)]
    label = obj.get("label")
    if label is not None and not (spans and isinstance(label, str) and ":" not in label):
        # a binary classification task: its label accepted (TARGET:LABEL); in a binary entity task
        # the label is its span's, already read
        stance = stance_of([label, *accepted], where, "Prodigy label")
    else:
        stance = stance_of(accepted, where, "Prodigy choice")
    annotator = obj.get("_annotator_id", obj.get("_session_id"))  # (older Prodigy names the session only)
    if coder is not None and isinstance(annotator, str) and annotator != coder:
        notes.append(f"Prodigy annotator ids stored as {coder}'s work, as --as said (the tasks name {annotator})")
    done = attributed(record, spans, stance, coder, notes, decided=True)  # accepted: nothing there is a decision
    sessions = obj.get("sessions")
    if "adjudication" in done and isinstance(sessions, list) and all(isinstance(n, str) for n in sessions):
        done["annotators"] = list(sessions)  # whose versions the reviewer settled, in the file's order
        if versions and isinstance(annotator, str):
            done.setdefault(NOTES, []).append("Prodigy reviewers (a review task's _annotator_id): not kept; the "
                                              "gold's annotators are the sessions it settled")
    elif "adjudication" in done and isinstance(annotator, str):
        done["annotators"] = [annotator]
    return done


REVIEWED_VERSIONS = ("Prodigy review versions (each annotator's answer before the review; the reviewed answer is "
                     "stored, as gold, and their sessions as its annotators)")


NOT_ANSWERED = ("Prodigy tasks with no answer (a stream's input, not yet annotated; their spans are suggestions): "
                "their text only")
# The types Prodigy writes for the keys read here (None: the key may be left out or null).
_PRODIGY_TYPES: dict[str, tuple[type, ...]] = {
    "meta": (dict,), "spans": (list,), "accept": (list,), "cats": (dict, list), "relations": (list,),
    "label": (str,), "answer": (str,), "versions": (list,), "sessions": (list,)}
_TYPE_WORDS: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}


def _check_prodigy_shape(obj: dict[str, Any], where: str) -> None:
    """Prodigy's keys with the types Prodigy writes, or an error that says which (a string `accept`
    would otherwise be read a character at a time)."""
    for key, types in _PRODIGY_TYPES.items():
        value = obj.get(key)
        if value is not None and not isinstance(value, types):
            valid = " or ".join(_TYPE_WORDS[t] for t in types)
            raise InputError(f"Prodigy's {key!r} must be {valid}, got {str(value)[:80]!r}", where)
    if obj.get("answer") not in (None, "accept", "reject", "ignore"):
        raise InputError(f"Prodigy's 'answer' must be accept, reject or ignore, got {obj['answer']!r}", where)
    cats = obj.get("cats")
    if isinstance(cats, dict) and (bad := [(k, v) for k, v in cats.items()
                                          if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1]):
        raise InputError(f"Prodigy's 'cats' scores must be numbers from 0 to 1, got {bad[0][1]!r} for {bad[0][0]!r}",
                         where)
    for span in obj.get("spans") or []:
        if not isinstance(span, dict):
            raise InputError(f"Prodigy's 'spans' must be objects with start, end and label, got {str(span)[:80]!r}",
                             where)


def prodigy_question(obj: Any) -> tuple[str, str] | None:
    """Which text (and annotator) a Prodigy task asks about, for tasks that carry their hashes: the
    text's own digest, not only Prodigy's 32-bit input hash, which two texts may share."""
    if not isinstance(obj, dict) or "_input_hash" not in obj or "_task_hash" not in obj:
        return None
    text = obj.get("text")
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest() \
        if isinstance(text, str) else repr(text)
    return f"{obj['_input_hash']!r} {digest}", repr(obj.get("_annotator_id"))


_WORK = {"spans", "stance", "coder", "status", "annotators", "adjudication", NOTES}  # what merging combines


def merged_tasks(tasks: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Converted Prodigy tasks of one text, each one question (a span or a label, as the teach
    recipes ask), as one record: the accepted tasks' spans and stances together. Two accepted
    labels for one target contradict each other: an error naming both lines."""
    accepted = [(where, task) for where, task in tasks if "spans" in task]
    merged = dict(accepted[0][1] if accepted else tasks[0][1])
    # each note with its own task's line (a note of the record alone would name the first task's)
    notes: list[Any] = [(note, where) for where, task in tasks for note in task.get(NOTES, [])]
    for where, task in tasks:  # a teach recipe's meta (its model's score, the pattern) differs task by task
        if differing := sorted(k for k in set(task) | set(merged) if k not in _WORK
                               and task.get(k) != merged.get(k)):
            notes.append((f"fields of a Prodigy task that differ from those of the first task of its text, whose "
                          f"are kept ({', '.join(differing)})", where))
    if notes:
        merged[NOTES] = notes
    if not accepted:
        return merged
    spans: list[Any] = []
    stance: dict[str, Any] = {}
    said_at: dict[str, str] = {}
    for where, task in accepted:
        spans += [s for s in task["spans"] if s not in spans]
        for target, label in task["stance"].items():
            if stance.get(target, label) != label:
                raise InputError(f"accepted Prodigy tasks of one text give {target!r} two stances: {stance[target]!r} "
                                 f"at {said_at[target]} and {label!r} at {where}; a target takes one", where)
            stance[target] = label
            said_at.setdefault(target, where)
    merged["spans"], merged["stance"] = spans, stance
    return merged


@shaped
def from_doccano(obj: dict[str, Any], where: str, coder: str | None = None) -> dict[str, Any]:
    doc = {k: v for k, v in obj.items() if k not in DOCCANO_KEYS}
    if obj.get("Comments"):  # the annotators' comments: kept with the document
        doc["Comments"] = obj["Comments"]
    notes: list[str] = []
    spans = _doccano_spans(obj.get("label", []), where)
    if isinstance(obj.get("entities"), list) and _doccano_entities(obj):
        spans += [{"start": e[0], "end": e[1], "label": e[2]} if _is_triple(e) else _doccano_entity(e, where)
                  for e in obj["entities"]]
        notes += [f"doccano span fields {', '.join(sorted(extra))} (a span keeps its offsets and label)"
                  for e in obj["entities"] if isinstance(e, dict) and (extra := set(e) - _ENTITY_KEYS)]
    elif "entities" in obj:
        doc["entities"] = obj["entities"]  # a news record's own list of names
    relations = obj.get("relations", [])
    if not isinstance(relations, list):
        raise InputError(f"doccano 'relations' must be a list, got {relations!r}", where)
    if relations:
        notes += ["doccano relations (this tool keeps none)"] * len(relations)
    categories = obj.get("label", []) if _categories(obj.get("label")) else []
    cats = obj.get("cats", [])
    if not isinstance(cats, list):
        raise InputError(f"doccano 'cats' must be a list of category names, got {cats!r}", where)
    stance = stance_of(categories + cats, where, "doccano category")
    if not spans and not stance:
        notes.append("doccano examples without a label: their text only")
    return attributed(doc, spans, stance, coder, notes)


def _categories(label: Any) -> bool:
    return isinstance(label, list) and bool(label) and all(isinstance(item, str) for item in label)


def _doccano_spans(label: Any, where: str) -> list[dict[str, Any]]:
    """`label` as sequence labelling writes it; [] for classification's category names."""
    if _categories(label):
        return []
    if isinstance(label, list) and all(_is_triple(item) for item in label):
        return [{"start": s, "end": e, "label": name} for s, e, name in label]
    raise InputError(f"doccano 'label' must be [[start, end, LABEL], ...] (sequence labelling) or "
                     f"[\"TARGET:LABEL\", ...] (classification), got {str(label)[:80]}; to keep it as "
                     "the document's data, put it under \"meta\"", where)


_ENTITY_KEYS = {"id", "label", "start_offset", "end_offset", "text"}  # (its id only links relations)


def _doccano_entity(entity: Any, where: str) -> dict[str, Any]:
    if not isinstance(entity, dict) or not {"start_offset", "end_offset", "label"} <= entity.keys():
        raise InputError("doccano 'entities' items must be objects with start_offset, end_offset and label, "
                         f"got {str(entity)[:80]}", where)
    return {"start": entity["start_offset"], "end": entity["end_offset"], "label": entity["label"],
            **({"text": entity["text"]} if "text" in entity else {})}  # checked against the offsets
