"""The codebook (schema): entity labels, stance targets and stance labels, validated on load."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from functools import cached_property
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from annotator.domain.display import format_character, has_control, invisible_problem
from annotator.domain.errors import CodebookError
from annotator.domain.screen_keys import RESERVED_CHARACTERS

# Keys the coding screen uses itself (its own key table): a codebook may not bind them.
SCREEN_KEYS = RESERVED_CHARACTERS
# Keys a codebook may bind: digits and a few symbols, plus letters the screen leaves free.
ALLOWED_KEYS = tuple("123456789+-0=*!@#$%^&") + tuple(
    c for c in "bcefhijklmortvwyz" if c not in SCREEN_KEYS
)
DEFAULT_STANCE_LABELS = ("FAVOR", "AGAINST", "NONE")
# Labels and target names travel into key actions and every export as they are.
UNSAFE_NAME = re.compile(r"[\'\"\\()\[\]{}\x00-\x1f\x7f-\x9f]")  # C1 too: 0x9b is a terminal's CSI


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EntityLabel(_Strict):
    label: str = Field(min_length=1)
    key: str = Field(min_length=1, max_length=1)
    description: str = ""
    from_model: tuple[str, ...] = ()


META_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class Target(_Strict):
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    description: str = ""
    # A target whose entity each document names: meta[from_meta] is its name there, and
    # meta[from_meta + "_aliases"], a list, adds aliases. A document without the key lacks the target.
    from_meta: str | None = None
    named: str | None = None  # set on the copy made for one document (for_document): the entity's name there

    @property
    def all_aliases(self) -> tuple[str, ...]:
        """The name itself counts as an alias (a per-document target's generic name does not)."""
        if self.from_meta is not None:
            return self.aliases
        return (self.name, *[a for a in self.aliases if a != self.name])

    @property
    def shown_name(self) -> str:
        """What the coding screen calls it: the document's name for a per-document target."""
        return self.named or self.name

    def for_document(self, meta: dict[str, Any]) -> Target | None:
        """This target as it applies to a document with this meta (None: it does not apply)."""
        if self.from_meta is None:
            return self
        named = meta.get(self.from_meta)
        if not isinstance(named, str) or not named.strip():
            return None
        extra = meta.get(f"{self.from_meta}_aliases")
        extra = [a.strip() for a in extra if isinstance(a, str) and a.strip()] if isinstance(extra, list) else []
        aliases = tuple(dict.fromkeys([named.strip(), *extra, *self.aliases]))
        return self.model_copy(update={"aliases": aliases, "named": named.strip()})


Polarity = Literal["positive", "negative", "neutral"]
# The polarity of the usual labels when the codebook does not say, so older codebooks get cold-start stance.
DEFAULT_POLARITY: dict[str, Polarity] = {"FAVOR": "positive", "AGAINST": "negative", "NONE": "neutral"}


class StanceLabel(_Strict):
    label: str = Field(min_length=1)
    key: str = Field(min_length=1, max_length=1)
    description: str = ""
    polarity: Polarity | None = None  # what a cold-start suggestion of this label means

    @property
    def effective_polarity(self) -> Polarity | None:
        return self.polarity or DEFAULT_POLARITY.get(self.label)


class Codebook(_Strict):
    name: str = Field(min_length=1)
    version: int = 1
    guidelines: str = ""
    entities: tuple[EntityLabel, ...] = ()
    targets: tuple[Target, ...] = ()
    stances: tuple[StanceLabel, ...] = ()
    # What `d` does on a document with undecided suggestions: ask once (None, the default), reject
    # them, or allow it silently.
    done_with_undecided: Literal["ask", "reject", "allow"] | None = None

    @property
    def on_done_with_undecided(self) -> str:
        return self.done_with_undecided or "ask"

    @cached_property
    def hash(self) -> str:
        """Hash of the content (not the file's formatting): the same codebook always hashes alike."""
        # None means "not given" (polarity): leaving it out keeps the hashes of codebooks that predate it.
        canonical = json.dumps(self.model_dump(mode="json", exclude_none=True), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.hash[:6]}"

    @property
    def entity_labels(self) -> tuple[str, ...]:
        return tuple(e.label for e in self.entities)

    @property
    def target_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.targets)

    def targets_for(self, meta: dict[str, Any] | None) -> tuple[Target, ...]:
        """The targets one document is coded for: those its meta.targets lists (all, without that
        list), less per-document targets its meta does not name, each with the document's aliases."""
        meta = meta if isinstance(meta, dict) else {}
        listed = meta.get("targets")
        applies = {t for t in listed if isinstance(t, str)} if isinstance(listed, list) else None
        found = (t.for_document(meta) for t in self.targets if applies is None or t.name in applies)
        return tuple(t for t in found if t is not None)

    @property
    def stance_labels(self) -> tuple[str, ...]:
        return tuple(s.label for s in self.stances)

    @cached_property
    def polarity_labels(self) -> dict[str, str]:
        """Polarity (positive, negative, neutral) -> stance label, for those the codebook gives."""
        return {s.effective_polarity: s.label for s in self.stances if s.effective_polarity}

    @cached_property
    def model_label_map(self) -> dict[str, str]:
        """Model label (e.g. OntoNotes GPE) -> codebook label."""
        return {m: e.label for e in self.entities for m in e.from_model}


def parse_codebook(text: str, source: str = "<codebook>") -> Codebook:
    """Parse and validate TOML text; every problem is reported as `source:line: [key] message`."""
    text = text.removeprefix("\ufeff")  # a byte order mark some editors write: not TOML, and harmless
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        prefix = f"{source}:{where[1]}:{where[2]}" if where else source
        raise CodebookError([f"{prefix}: not valid TOML: {message}"]) from None
    try:
        codebook = Codebook.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(f"{_where(source, text, loc)}: [{_dotted(loc)}] {_explain(err)}")
        raise CodebookError(problems) from None
    problems = [f"{_where(source, text, loc)}: [{_dotted(loc)}] {msg}" for loc, msg in _check(codebook)]
    if problems:
        raise CodebookError(problems)
    return codebook


def _check(cb: Codebook) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-field rules pydantic cannot express: unique labels and keys, keys free of the screen's."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    for section, field in (("entities", "label"), ("targets", "name"), ("stances", "label")):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(cb, section)):
            value = getattr(item, field)
            if value in seen:
                problems.append(((section, i, field),
                                 f"{value!r} is already used by {section}.{seen[value]}; each {field} must be unique"))
            seen.setdefault(value, i)
    for section, field in (("entities", "label"), ("targets", "name"), ("stances", "label")):
        for i, item in enumerate(getattr(cb, section)):
            value = getattr(item, field)
            if UNSAFE_NAME.search(value) or value != value.strip() or (section == "stances" and ":" in value):
                problems.append(((section, i, field),
                                 f"{value!r} has a character a {field} may not hold (quotes, backslash, brackets, "
                                 "control characters, spaces at either end" + (", ':'" if section == "stances" else "")
                                 + "): exports and keys name it as it is"))
            elif character := format_character(value):
                problems.append(((section, i, field), invisible_problem(f"{field} {value!r}", character, f"a {field}")))
    if has_control(cb.name):
        problems.append((("name",), f"{cb.name!r} holds a control character (an escape sequence would reach the "
                                    "terminal in every header); give a plain name"))
    elif character := format_character(cb.name):
        problems.append((("name",), invisible_problem(f"name {cb.name!r}", character, "a name")))
    for i, target in enumerate(cb.targets):
        for j, alias in enumerate(target.aliases):
            if has_control(alias):
                problems.append((("targets", i, "aliases", j), f"alias {alias!r} holds a control character; "
                                                               "give the words as they appear in the text"))
        if target.named is not None:
            problems.append(((("targets", i, "named")), "'named' is set per document from its meta, not in the "
                                                        "codebook; give from_meta = \"KEY\" instead"))
        if target.from_meta is not None and not META_KEY.match(target.from_meta):
            problems.append((("targets", i, "from_meta"),
                             f"from_meta {target.from_meta!r} is not a meta key: give letters, digits, _ . or -, "
                             "starting with a letter or _ (e.g. \"entity\")"))
    if not 1 <= cb.version <= 1_000_000:
        problems.append((("version",), f"version {cb.version} is out of range: give a whole number from 1 to 1000000"))
    if cb.targets and not cb.stances:
        problems.append((("targets",), "the codebook has stance targets but no stance labels: add [[stances]] "
                                       'entries, e.g. FAVOR (key "+"), AGAINST ("-") and NONE ("0")'))
    keyed = [("entities", i, e.key, e.label) for i, e in enumerate(cb.entities)]
    keyed += [("stances", i, s.key, s.label) for i, s in enumerate(cb.stances)]
    used: dict[str, str] = {}
    for section, i, key, label in keyed:
        if not (key.isascii() and key.isprintable() and not key.isspace()):
            problems.append(((section, i, "key"),
                             f"key {key!r} ({label!r}) cannot be typed on every keyboard as one key; use a printable "
                             f"ASCII character; free keys: {_free_keys(keyed)}"))
        elif key in SCREEN_KEYS:
            problems.append(((section, i, "key"),
                             f"key {key!r} ({label!r}) is one of the coding screen's own keys "
                             f"({' '.join(sorted(SCREEN_KEYS))}); free keys: {_free_keys(keyed)}"))
        elif key in used:
            problems.append(((section, i, "key"),
                             f"key {key!r} ({label!r}) is already bound to {used[key]!r}; free keys: {_free_keys(keyed)}"))
        used.setdefault(key, label)
    mapped: dict[str, str] = {}
    for i, e in enumerate(cb.entities):
        for m in e.from_model:
            if m in mapped and mapped[m] != e.label:
                problems.append((("entities", i, "from_model"),
                                 f"model label {m!r} is already mapped to {mapped[m]!r}; map it to one label only"))
            mapped.setdefault(m, e.label)
    given: dict[str, tuple[int, StanceLabel]] = {}
    for i, s in enumerate(cb.stances):
        polarity = s.effective_polarity
        if polarity in given:
            j, other = given[polarity]
            free = [p for p in get_args(Polarity) if p not in {x.effective_polarity for x in cb.stances}]
            problems.append((("stances", i, "polarity"),
                             f"polarity {polarity!r} ({s.label!r}{_by_default(s)}) is already taken by {other.label!r} "
                             f"(stances.{j}{_by_default(other)}); "
                             f"one label per polarity; free polarities: {', '.join(free) or 'none'}"))
        elif polarity:
            given[polarity] = (i, s)
    return problems


def _by_default(stance: StanceLabel) -> str:
    return "" if stance.polarity else ", by default"


def _free_keys(keyed: list[tuple[Any, ...]]) -> str:
    taken = {k for _, _, k, _ in keyed}
    return " ".join(k for k in ALLOWED_KEYS if k not in taken)


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


# What a TOML value of each kind looks like, said as a codebook's author reads it (pydantic's own
# words name Python's types: "a valid tuple").
_TYPE_WORDS = {"tuple_type": "a list of names, e.g. [\"Kyiv\", \"Kiev\"]", "list_type": "a list, e.g. [\"a\", \"b\"]",
               "int_parsing": "a whole number, e.g. 1", "int_type": "a whole number, e.g. 1",
               "string_type": "a text in quotes, e.g. \"PERSON\"", "bool_type": "true or false",
               "float_type": "a number, e.g. 0.5", "float_parsing": "a number, e.g. 0.5",
               "string_too_short": "a text that is not empty"}


def _explain(err: ErrorDetails) -> str:
    if err["type"] == "missing":
        return "field required"
    if err["type"] == "extra_forbidden":
        return "unknown field; allowed here: " + _allowed_fields(err["loc"])
    if err["type"] in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[err['type']]}, got {err.get('input')!r}"
    return f"{err['msg']} (got {err.get('input')!r})"


def _allowed_fields(loc: tuple[Any, ...]) -> str:
    models: dict[str, type[BaseModel]] = {"entities": EntityLabel, "targets": Target, "stances": StanceLabel}
    model = models.get(loc[0], Codebook)
    if len(loc) == 1:
        model = Codebook
    return ", ".join(model.model_fields)


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z_.]+)\s*\]\]?")


def _where(source: str, text: str, loc: tuple[Any, ...]) -> str:
    """`source:line` for a key path like ('entities', 2, 'key'), found by scanning the TOML text."""
    line = _line_of(text, loc)
    return f"{source}:{line}" if line else source


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    lines = text.splitlines()
    section, index, field = None, None, None
    if len(loc) >= 2 and isinstance(loc[1], int):
        section, index = loc[0], loc[1]
        field = loc[2] if len(loc) > 2 else None
    elif loc:
        field = loc[0]
    current, count, start = None, -1, None
    for n, raw in enumerate(lines, 1):
        header = _HEADER.match(raw)
        if header:
            current = header.group(1)
            if current == section:
                count += 1
                if count == index:
                    start = n
            continue
        in_place = (section is None and current is None) or (section == current and count == index)
        if in_place and field and re.match(rf"^\s*{re.escape(str(field))}\s*=", raw):
            return n
    return start
