"""Turning one imported record (a JSON object, a CSV row, a text file) into a validated document."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from annotator.domain.codebook import Codebook
from annotator.domain.display import format_character, has_control, invisible_problem, name_problem
from annotator.domain.errors import InputError
from annotator.domain.formats import adjudication
from annotator.domain.spans import Span, Stance, span_problem
from annotator.domain.work_shapes import ANNOTATION_KEYS, annotation_like, stance_like
from annotator.domain.vocabulary import GOLD_HOWS, STATUSES, Status

# Keys with a meaning of their own; any other top-level key of a JSONL record goes into `meta`
# (so Wikinews' url, license, date and source travel with the document).
RECORD_KEYS = {"id", "title", "text", "meta", "coder", "spans", "stance", "stances", "stance_how", "stance_by", "status",
               "seconds"}
# Keys of gold exports that describe the export itself, not the document: not kept as meta.
EXPORT_KEYS = {"annotators", "adjudication", "schema"}
_NOT_META = frozenset(RECORD_KEYS | EXPORT_KEYS)
# What a record held that was not stored, as a reason; or (reason, file:line) for a line of its own
# (a Prodigy task merged into its text's record)
Note = str | tuple[str, str]


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
    status: Status = "done"
    seconds: float | None = None
    spans: list[Span] = field(default_factory=list)  # origin "imported"
    stances: list[Stance] = field(default_factory=list)
    gold: tuple[list[str], str] | None = None  # a gold JSONL record: (annotators, adjudication)
    # A gold item reached otherwise than the record's `adjudication` says (gold JSONL's span "how" and
    # "stance_how"): ("span", start, end, label) or ("stance", target) -> how
    item_hows: dict[tuple[Any, ...], str] = field(default_factory=dict)
    item_bys: dict[tuple[Any, ...], str] = field(default_factory=dict)  # gold item -> the lead who settled it
    tool: str | None = None  # the tool whose export it came from (doccano, Prodigy, Label Studio)
    # What its tool's record held that was not stored, why (with the line, when not the record's own)
    notes: list[Note] = field(default_factory=list)
    merged: int = 0  # other records of its tool's export merged into it (Prodigy's one-question tasks)
    judged: bool = False  # its spans' `aligned` flags were set from the text's tokens (import's second read)

    def __reduce__(self) -> tuple[type[DocumentRecord], tuple[Any, ...]]:
        return DocumentRecord, tuple(getattr(self, name) for name in _RECORD_FIELDS)  # (as Span's: one call)


_RECORD_FIELDS = tuple(DocumentRecord.__dataclass_fields__)


class RecordError(InputError):
    """Every problem of one record, so that one run shows all there is to fix in it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))

    def __reduce__(self) -> tuple[type[RecordError], tuple[list[str]]]:
        return RecordError, (self.problems,)  # (as a worker process hands it back: args hold the joined text)


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def record_from_json(obj: Any, codebook: Codebook) -> DocumentRecord:
    """Validate one JSONL object (plain document or coder JSONL); raises RecordError with every problem."""
    if not isinstance(obj, dict):
        raise RecordError([f"a record must be a JSON object ({{\"text\": ..., ...}}), got {_short(obj)}"])
    problems: list[str] = []
    text = _checked(problems, _text, obj.get("text", _MISSING))
    doc_id = _checked(problems, _id, obj.get("id"))
    title = _checked(problems, _title, obj.get("title", ""))
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        problems.append(f"'meta' must be an object, got {meta!r}")
    elif _depth(obj) > MAX_DEPTH:
        problems.append(f"the record is nested more than {MAX_DEPTH} levels deep; flatten its meta")
    else:
        problems += _unstorable(obj)
    work = {}
    notes: list[Note] = []
    if obj.get("coder") is not None and "adjudication" in obj:
        problems.append("the record gives both 'coder' (a coder's work) and 'adjudication' (gold); a record is "
                        "one of them: drop 'adjudication' for coder JSONL, or 'coder' for gold JSONL")
    elif "adjudication" not in obj:
        problems += [f"{key!r} ({_short(obj[key])}) belongs to gold records, with 'adjudication'; on another "
                     f"record nothing would keep it: give 'adjudication', or drop {key!r}"
                     for key in ("annotators", "stance_how", "stance_by") if key in obj]
    if obj.get("coder") is None:
        problems += [f"{key!r} ({_short(obj[key])}) belongs to a coder's record, with 'coder'; on another record "
                     f"nothing would keep it: give 'coder', or drop {key!r}" for key in ("status", "seconds") if key in obj]
    if "suggestions_shown" in obj:  # (`show --json` writes it: what the screen showed, which no file can say)
        problems.append("'suggestions_shown' is recorded by the coding screen as a coder works, not read from "
                        "files; drop it")
    if obj.get("coder") is not None:
        work = _coder_work(obj, text, codebook, problems, notes)
    elif "adjudication" in obj:
        work = _gold_work(obj, text, codebook, problems, notes)
    elif given := [k for k in ("spans", "stance", "stances") if k in obj]:
        problems.append(f"the record gives {' and '.join(map(repr, given))} but no 'coder' (coder JSONL) and no "
                        "'adjudication' (gold JSONL); give one of them on every line")
    problems += near_keys(obj)
    # a stance for a target under a key of its own, on any record: kept as meta it would be lost as work
    problems += [f"{k!r} ({_short(obj[k])}) looks like a stance kept apart; give stances as \"stance\": "
                 "{TARGET: LABEL}, with 'coder' (coder JSONL) or 'adjudication' (gold JSONL)"
                 for k in obj if k not in _NOT_META and stance_like(k, obj[k], codebook)]
    if "stance" in obj and "stances" in obj:
        problems.append("the record gives both 'stance' and 'stances'; give one of them")
    if isinstance(meta, dict):
        problems += [f"{key!r} is given both at the top level and in 'meta'; give it once"
                     for key in sorted(set(meta) & (set(obj) - _NOT_META))]
        meta, doc_id, title = _named_in_meta(meta, doc_id, title, problems)
        # work given inside meta would be kept there as data, and lost as work
        problems += [f"meta {k!r} ({_short(v)}) holds a stance or annotations this tool does not read there; give "
                     "spans as 'spans' and stances as 'stance', with 'coder' or 'adjudication'"
                     for k, v in meta.items() if stance_like(k, v, codebook) or annotation_like(v)]
    problems += [f"{key!r} holds annotations this tool does not read there ({_short(obj[key])}); give spans as "
                 "'spans' and stances as 'stance', with 'coder' (coder JSONL) or 'adjudication' (gold JSONL)"
                 for key in sorted(obj) if key not in _NOT_META
                 and (annotation_like(obj[key]) or (key in ANNOTATION_KEYS and obj[key]))]
    merged = {**{k: v for k, v in obj.items() if k not in _NOT_META}, **(meta if isinstance(meta, dict) else {})}
    problems += target_problems(merged, codebook)
    if problems:
        raise RecordError(problems)
    hash_ = text_hash(text)
    meta = merged
    schema = obj.get("schema")
    if schema is not None and schema != codebook.ref:
        notes.append(f"records written under another codebook (schema {_short(schema)}; this project's is "
                     f"{codebook.ref!r}): read against this project's codebook")
    if work.get("spans"):  # one span given twice (doccano writes it so) is one span, stored once
        firsts: dict[tuple[int, int, str], Span] = {}
        for span in work["spans"]:
            firsts.setdefault((span.start, span.end, span.label), span)
        unique = list(firsts.values())
        notes += [DUPLICATE_SPAN] * (len(work["spans"]) - len(unique))
        work["spans"] = unique
    return DocumentRecord(id=doc_id or default_id(hash_), title=title, text=text, text_hash=hash_, meta=meta,
                          notes=notes, **work)


def near_keys(obj: dict[str, Any]) -> list[str]:
    """Keys that differ from one this tool reads only in case or spaces ('ID', ' title'): kept as
    meta, their value would be lost where it belongs."""
    return [f"{k!r} is not a key this tool reads; did you mean {k.strip().lower()!r}?"
            for k in obj if isinstance(k, str) and k not in _NOT_META and k.strip().lower() in _NOT_META]


def _named_in_meta(meta: dict[str, Any], doc_id: str | None, title: str, problems: list[str]) -> tuple[
        dict[str, Any], str | None, str]:
    """The id and title a record keeps in its meta (gold JSONL keeps the title there, Prodigy the id):
    taken as the document's when the top level gives none, and dropped when it gives the same; a
    different one is an error (every export writes one id and one title, so one would be lost)."""
    meta = dict(meta)
    for key, given in (("id", doc_id), ("title", title)):
        if key not in meta:
            continue
        same = str(meta[key]).strip() == given if key == "id" else meta[key] == given  # (an id may be a number)
        if given and not same:
            problems.append(f"{key!r} is given both at the top level ({_short(given)}) and in 'meta' "
                            f"({_short(meta[key])}); an export keeps one, so the other would be lost: give it once")
        elif given:
            del meta[key]
        elif key == "id":
            doc_id = _checked(problems, _id, meta.pop(key))
        elif isinstance(meta[key], str):
            title = _checked(problems, _title, meta.pop(key))
    return meta, doc_id, title


DUPLICATE_SPAN = "duplicate spans (the same start, end and label again in one record): stored once"


def _gold_work(obj: dict[str, Any], text: str | None, codebook: Codebook, problems: list[str],
               notes: list[Note]) -> dict[str, Any]:
    how, annotators = obj.get("adjudication"), obj.get("annotators", [])
    if how not in GOLD_HOWS:
        problems.append(f"'adjudication' {how!r} is not valid; valid: {', '.join(GOLD_HOWS)}")
    if not isinstance(annotators, list) or not all(isinstance(a, str) for a in annotators):
        problems.append(f"'annotators' must be a list of coder names, got {annotators!r}")
    else:
        problems.extend(filter(None, (name_problem(a, "'annotators' name") for a in annotators)))  # as coder add
        if twice := sorted({a for a in annotators if annotators.count(a) > 1}):
            problems.append(f"'annotators' names {', '.join(map(repr, twice))} twice; name each coder once")
    spans = _spans(obj.get("spans", []), text, codebook, problems, notes, fields=_SPAN_FIELDS | {"how", "by"})
    stances = _stances(obj.get("stance", obj.get("stances", {})), codebook, problems, notes)
    item_hows = _item_hows(obj, {s.target for s in stances}, problems)
    if how in GOLD_HOWS and (spans or stances):  # the record's word sums up its items' (as an export writes it)
        summed = adjudication([item_hows.get(("span", s.start, s.end, s.label), how) for s in spans]
                              + [item_hows.get(("stance", s.target), how) for s in stances])
        if summed != how:
            problems.append(f"'adjudication' {how!r} does not sum up its items' hows, which make it {summed!r} "
                            "(adjudicated if any item is, else majority if any is, else unanimous)")
    return {"gold": (list(annotators) if isinstance(annotators, list) else [], how),
            "spans": spans, "stances": stances, "item_hows": item_hows,
            "item_bys": _item_bys(obj, {st.target for st in stances}, problems)}


def _item_bys(obj: dict[str, Any], targets: set[str], problems: list[str]) -> dict[tuple[Any, ...], str]:
    """The lead who settled each gold item a lead settled: a span's "by", "stance_by" (target -> name)."""
    bys: dict[tuple[Any, ...], str] = {}
    spans, by_target = obj.get("spans"), obj.get("stance_by", {})
    for i, span in enumerate(spans if isinstance(spans, list) else []):
        if isinstance(span, dict) and "by" in span:
            problem = (name_problem(span["by"], f"span {i}: 'by' name") if isinstance(span["by"], str)
                       else f"span {i}: 'by' must name the lead who settled it, got {_short(span['by'])}")
            if problem:
                problems.append(problem)
            elif all(isinstance(span.get(k), int) for k in ("start", "end")):
                bys[("span", span["start"], span["end"], span.get("label"))] = span["by"]
    if not isinstance(by_target, dict) or not all(isinstance(n, str) and not name_problem(n) for n in by_target.values()):
        problems.append(f"'stance_by' must be an object of target: the lead's name, got {_short(by_target)}")
    elif unstanced := sorted(set(by_target) - targets):
        problems.append(f"'stance_by' names {', '.join(map(repr, unstanced))}, which 'stance' does not")
    else:
        bys.update({("stance", target): name for target, name in by_target.items()})
    return bys


def _item_hows(obj: dict[str, Any], targets: set[str], problems: list[str]) -> dict[tuple[Any, ...], str]:
    """The gold items whose own "how" differs from the record's adjudication (a span's "how", the
    "stance_how" object of target -> how); one span given twice with two hows is an error."""
    hows: dict[tuple[Any, ...], str] = {}
    spans, by_target = obj.get("spans"), obj.get("stance_how", {})
    for i, span in enumerate(spans if isinstance(spans, list) else []):
        if isinstance(span, dict) and "how" in span:
            key = ("span", *(repr(span.get(k)) if isinstance(span.get(k), (list, dict)) else span.get(k)
                             for k in ("start", "end", "label")))
            if span["how"] not in GOLD_HOWS:
                problems.append(f"span {i}: 'how' {span['how']!r} is not valid; valid: {', '.join(GOLD_HOWS)}")
            elif hows.get(key, span["how"]) != span["how"]:
                problems.append(f"span {i} is given twice, reached two ways ({hows[key]!r} and {span['how']!r}); "
                                "a span takes one")
            else:
                hows[key] = span["how"]
    if not isinstance(by_target, dict) or not all(h in GOLD_HOWS for h in by_target.values()):
        problems.append(f"'stance_how' must be an object of target: how ({', '.join(GOLD_HOWS)}), got "
                        f"{_short(by_target)}")
    else:
        unstanced = sorted(set(by_target) - targets)
        if unstanced:
            problems.append(f"'stance_how' names {', '.join(map(repr, unstanced))}, which 'stance' does not")
        hows.update({("stance", target): how for target, how in by_target.items()})
    return hows


MAX_SECONDS = 1e9  # (31 years: more is a mistake, and the database's own check refuses it on PostgreSQL)
MAX_DEPTH = 64  # JSON columns are written with orjson, which stops at 255 levels; no meta needs 64


def _unstorable(value: Any, where: str = "") -> list[str]:
    """What no project database can hold: a NUL character (PostgreSQL's text refuses it) and an
    integer past 64 bits (JSON columns are written with orjson, which stops there)."""
    return [] if _storable(value) else _unstorable_found(value, where)


_SCALARS = frozenset({float, bool, type(None)})


def _storable(value: Any) -> bool:
    """True when nothing in the value is unstorable; False also for a type it does not know (then
    _unstorable_found looks, and says where). One loop, no call a value: every record is read twice."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if "\x00" in item:
                return False
        elif kind is dict:
            for key, inner in item.items():
                if type(key) is not str or "\x00" in key:
                    return False
                stack.append(inner)
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if not -2**63 <= item < 2**64:
                return False
        elif kind not in _SCALARS:
            return False
    return True


def _unstorable_found(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [f"'{where}' contains a NUL character (U+0000), which the database cannot store; "
                "remove it"] if "\x00" in value else []
    if isinstance(value, bool) or not isinstance(value, (int, dict, list)):
        return []
    if isinstance(value, int):
        return [] if -2**63 <= value < 2**64 else [
            f"'{where}': the integer {value} is past 64 bits, more than the database keeps exactly; "
            "give it as a string"]
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        name = f"{where}.{key}" if where else str(key)
        found = ((_unstorable_found(key, f"{name} (a key)") if isinstance(key, str) else [])
                 + _unstorable_found(item, name))
        if found:
            return found[:1]  # one such problem a record is enough to say
    return []


def _depth(value: Any, level: int = 0) -> int:
    """How deeply a JSON value nests (stops counting past MAX_DEPTH)."""
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return level
    # (a scalar inside is one level down, as deep as the default: only what nests is looked into)
    return max((_depth(v, level + 1) for v in value if isinstance(v, (dict, list))), default=level + 1)


def _coder_work(obj: dict[str, Any], text: str | None, codebook: Codebook, problems: list[str],
                notes: list[Note]) -> dict[str, Any]:
    coder, status, seconds = obj["coder"], obj.get("status", "done"), obj.get("seconds")
    if not isinstance(coder, str) or not coder.strip():
        problems.append(f"'coder' must be a non-empty name, got {coder!r}")
    elif problem := name_problem(coder.strip(), "'coder'"):  # as `coder add` would refuse it
        problems.append(problem)
    if status not in STATUSES:
        problems.append(f"status {status!r} is not valid; valid: {', '.join(STATUSES)}")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                or not 0 <= seconds < MAX_SECONDS):
        problems.append(f"'seconds' must be the seconds a coder spent, from 0 to under {MAX_SECONDS:.0e}, got {seconds!r}")
    return {"coder": coder.strip() if isinstance(coder, str) else coder, "status": status, "seconds": seconds,
            "spans": _spans(obj.get("spans", []), text, codebook, problems, notes),
            "stances": _stances(obj.get("stance", obj.get("stances", {})), codebook, problems, notes)}


def _checked(problems: list[str], check: Callable[[Any], Any], value: Any) -> Any:
    """check(value), or None with its problem noted."""
    try:
        return check(value)
    except InputError as exc:
        problems.append(exc.message)
        return None


def record_from_text(text: str, doc_id: str, title: str = "", meta: dict[str, Any] | None = None) -> DocumentRecord:
    """A document from plain text (a .txt file or a CSV row)."""
    text = _text(text)
    problems = _unstorable({"text": text, "id": doc_id, "title": title, **(meta or {})})
    if doc_id and (problem := id_problem(doc_id)):  # a file's name
        problems.append(problem)
    if problems:
        raise RecordError(problems)
    return DocumentRecord(id=doc_id, title=title, text=text, meta=meta or {}, text_hash=text_hash(text))


_MISSING = object()


def _text(value: Any) -> str:
    if value is _MISSING or value is None:
        raise InputError("no 'text' field; every record needs a non-empty \"text\" string")
    if not isinstance(value, str):
        raise InputError(f"'text' must be a string of the article's text, got {_short(value)}")
    if not value or value.isspace():
        raise InputError("'text' is empty; every record needs a non-empty text")
    return value


def _id(value: Any) -> str | None:
    if value is None:
        return None  # derived from the text once the text is valid
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise InputError(f"'id' must be a non-empty string or integer, got {value!r}")
    problem = id_problem(str(value))
    if problem:
        raise InputError(problem)
    return str(value).strip()


def id_problem(value: str) -> str | None:
    """Why `value` cannot be a document's id, or None: an id is one line in every format (CoNLL's
    "# id =", file names), and is typed to `show` it: nothing invisible in it."""
    if has_control(value):
        return (f"'id' {value!r} holds a line break, tab or other control character; give an id "
                "without them, or leave it out to derive one from the text")
    if character := format_character(value):
        return invisible_problem(f"'id' {value!r}", character, "an id") + ", or leave it out to derive one"
    return None


def _title(value: Any) -> str:
    if not isinstance(value, str):
        raise InputError(f"'title' must be a string, got {value!r}")
    return value


_SPAN_FIELDS = {"start", "end", "label", "text"}  # what a span keeps (its text only checks the offsets)


def _extra_fields(what: str, extra: set[Any]) -> str:
    return f"{what} fields this tool keeps none of ({', '.join(sorted(map(str, extra)))})"


def _spans(raw: Any, text: str | None, codebook: Codebook, problems: list[str],
           notes: list[Note], fields: set[str] = _SPAN_FIELDS) -> list[Span]:
    """The valid spans; the problems of the others noted. Offsets are checked only against a valid text."""
    if not isinstance(raw, list):
        problems.append(f"'spans' must be a list, got {type(raw).__name__}")
        return []
    labels = codebook.entity_labels
    spans = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not {"start", "end", "label"} <= item.keys():
            problems.append(f"span {i} must be an object with start, end and label, got {item!r}")
            continue
        start, end, label = item["start"], item["end"], item["label"]
        if extra := set(item) - fields:
            notes.append(_extra_fields("span", extra))
        found = len(problems)
        problem = span_problem(start, end, len(text)) if text is not None else None
        if problem:
            problems.append(f"span {i}: {problem}")
        if label not in labels:
            problems.append(f"span {i}: label {label!r} is not in the codebook {codebook.name}{_other_form(label, labels)}; "
                            f"valid: {', '.join(labels) or '(none: this codebook has no entity labels)'}")
        if not problem and text is not None and "text" in item and item["text"] != text[start:end]:
            problems.append(f"span {i}: its text {item['text']!r} differs from text[{start}:{end}] "
                            f"{text[start:end]!r}; offsets must be Python character offsets")
        if len(problems) == found:
            spans.append(Span(start, end, label, "imported"))
    return spans


def _other_form(value: Any, valid: Any) -> str:
    """Said when a value is a valid one written in another Unicode form (é as e and a combining
    accent): the two print alike, so the message would otherwise seem to contradict itself."""
    if not isinstance(value, str):
        return ""
    same = [v for v in valid if unicodedata.normalize("NFC", v) == unicodedata.normalize("NFC", value)]
    return f" (it is {same[0]!r} in another Unicode form: write it as the codebook does, in NFC)" if same else ""


def _stances(raw: Any, codebook: Codebook, problems: list[str], notes: list[Note]) -> list[Stance]:
    if isinstance(raw, list):  # also accept [{"target": ..., "label": ...}], the `show --json` shape
        listed: dict[Any, Any] = {}
        for item in raw:
            if not isinstance(item, dict) or not {"target", "label"} <= item.keys():
                problems.append(f"stances given as a list need objects with target and label, got {_short(item)}")
                return []
            target, label = item["target"], item["label"]
            if not isinstance(target, str):
                problems.append(f"a stance target must be a name, got {_short(target)}")
                return []
            if listed.get(target, label) != label:
                problems.append(f"'stances' gives {target!r} two labels, {listed[target]!r} and {label!r}; "
                                "a target takes one")
                return []
            listed[target] = label
            if extra := set(item) - {"target", "label"}:
                notes.append(_extra_fields("stance", extra))
        raw = listed
    if not isinstance(raw, dict):
        problems.append(f"'stance' must be an object of target: label, got {type(raw).__name__}")
        return []
    targets, labels = codebook.target_names, codebook.stance_labels
    stances = []
    for target, label in raw.items():
        found = len(problems)
        if target not in targets:
            problems.append(f"stance target {target!r} is not in the codebook {codebook.name}"
                            f"{_other_form(target, targets)}; "
                            f"valid targets: {', '.join(targets) or '(none)'}")
        if label not in labels:
            problems.append(f"stance label {label!r} for {target!r} is not valid; "
                            f"valid: {', '.join(labels)}")
        if len(problems) == found:
            stances.append(Stance(target, label, "imported"))
    return stances


def target_problems(meta: dict[str, Any], codebook: Codebook) -> list[str]:
    """What is wrong with the meta keys that choose a document's stance targets: `targets` (a list
    of the codebook's target names) and the keys its per-document targets read (a name, and a list
    of aliases)."""
    problems = []
    names = codebook.target_names
    if "targets" in meta:
        listed = meta["targets"]
        if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
            problems.append(f"meta 'targets' must be a list of target names, got {listed!r}; valid: {', '.join(names)}")
        elif unknown := [t for t in listed if t not in names]:
            problems.append(f"meta 'targets' names {', '.join(map(repr, unknown))}, not in the codebook "
                            f"{codebook.name}; valid targets: {', '.join(names) or '(none)'}")
    for target in codebook.targets:
        if target.from_meta is None:
            continue
        key, aliases = target.from_meta, f"{target.from_meta}_aliases"
        if key in meta and not (isinstance(meta[key], str) and meta[key].strip()):
            problems.append(f"meta {key!r} names the target {target.name!r} and must be a non-empty text, "
                            f"got {meta[key]!r}")
        if aliases in meta and not (isinstance(meta[aliases], list) and all(isinstance(a, str) for a in meta[aliases])):
            problems.append(f"meta {aliases!r} must be a list of names, got {meta[aliases]!r}")
    return problems
