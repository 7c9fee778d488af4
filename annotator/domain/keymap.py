"""The coding screen's keys as a coder remaps them: a `[keys]` table of binding ids to keys, checked
like the codebook (one line per problem, naming both sides of a clash), giving the keys in force.

Keys are Textual's names ("ctrl+y", "pageup", "question_mark") or the character typed ("?"): the
table is Textual's keymap, so the app hands it to `App.set_keymap` as it is. A character is
named here as Textual names it, so this module needs no terminal library."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.domain.errors import ConfigError
from annotator.domain.screen_keys import SCREEN_KEYS

if TYPE_CHECKING:  # the codebook brings pydantic: not imported before the first frame
    from annotator.domain.codebook import Codebook

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")  # in the order a terminal's key names them
NAMED_KEYS = frozenset(["escape", "enter", "tab", "backspace", "space", "up", "down", "left", "right", "home",
                        "end", "pageup", "pagedown", "insert", "delete", *(f"f{n}" for n in range(1, 25))])
# Textual's own names for some characters (the Unicode name, where it is obscure)
_RENAMED = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
            "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}
_UNRENAMED = {v: k for k, v in _RENAMED.items()}
# Two names of one key: Textual runs a binding of either when it comes
_SAME_KEY = {"ctrl+i": "tab", "ctrl+m": "enter"}
# The app's own keys, outside the coding screen's table: a remap may not take them
APP_KEYS = {"ctrl+q": "quit", "ctrl+c": "quit", "ctrl+p": "the command palette"}
EXAMPLES = "a character (y, ?, [) or a key name (ctrl+y, f2, escape, pageup, left, tab, comma)"
_ID_LINE = re.compile(r"^\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*=")


def key_name(character: str) -> str:
    """The name Textual gives the key that types `character`: "y" for y, "question_mark" for ?."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return character
    return _RENAMED.get(name, name)


def key_character(key: str) -> str | None:
    """The character a key types (None for ctrl+y, f2, left): what a codebook key could collide with."""
    if "+" in key.rstrip("+") or key in NAMED_KEYS:  # (Unicode names TAB and DELETE too: not typed text)
        return None
    if len(key) == 1:
        return key
    if key in _ASCII_BY_NAME:  # "less_than_sign": its Unicode name has a hyphen the key name lost
        return _ASCII_BY_NAME[key]
    try:
        character = unicodedata.lookup(_UNRENAMED.get(key, key).replace("_", " ").upper())
    except KeyError:
        return None
    return character if len(character) == 1 and character.isprintable() else None


def shown(key: str) -> str:
    """A key as the coder types it: "?" for question_mark, "ctrl+y" as it is."""
    return key_character(key) or key


_ASCII_BY_NAME = {key_name(chr(c)): chr(c) for c in range(0x21, 0x7f)}


def normal_key(given: str) -> str | None:
    """`given` in Textual's form ("?" -> "question_mark", modifiers in order), or None if it names no key."""
    if len(given) == 1:
        return key_name(given) if given.isprintable() and not given.isspace() else None
    *modifiers, base = given.split("+")
    if not base or len(set(modifiers)) != len(modifiers) or any(m not in MODIFIERS for m in modifiers):
        return None
    if len(base) == 1:
        base = key_name(base)
    elif base not in NAMED_KEYS and key_character(base) is None:
        return None
    key = "+".join([*sorted(modifiers), base])
    return _SAME_KEY.get(key, key)


@dataclass(frozen=True)
class KeysInForce:
    """Binding id -> the keys (Textual's names) it has now, in the screen's key table order."""
    keys: Mapping[str, tuple[str, ...]]
    remapped: Mapping[str, str]  # what differs from the defaults, as Textual's keymap ("ctrl+y,y")
    given_at: Mapping[str, str]  # binding id -> where its remap was given ("config.toml:3")

    def check_codebook(self, codebook: Codebook) -> None:
        """A remapped key the codebook also binds is refused, naming the key, the binding and the label.
        (The codebook itself is checked against the default keys: it is the project's, shared by
        every coder, so one coder's remap frees no key for it.)"""
        labels = [("entity label", e.label, e.key) for e in codebook.entities]
        labels += [("stance", s.label, s.key) for s in codebook.stances]
        problems = []
        for binding_id in self.remapped:
            for key in self.keys[binding_id]:
                for kind, label, char in labels:
                    if key_character(key) == char:  # (a modified key types no character)
                        problems.append(f"{self.given_at[binding_id]}: {binding_id} = {char!r} is the codebook's "
                                        f"key for {kind} {label!r}; give {binding_id} another key")
        if problems:
            raise ConfigError(problems)


def keys_in_force(table: Mapping[str, object], source: str = "[keys]", text: str = "") -> KeysInForce:
    """The screen's keys with `table` ({binding id: "key[,key...]" or a list of keys}) laid over the
    defaults. Every problem is one line naming `source` (and its line, found in `text`)."""
    by_id = {k.id: k for k in SCREEN_KEYS}
    problems: list[str] = []
    remapped: dict[str, tuple[str, ...]] = {}
    for binding_id, value in table.items():
        where = _where(source, text, binding_id)
        if binding_id not in by_id:
            problems.append(f"{where}: unknown key binding {binding_id!r}; the bindings are: {' '.join(by_id)}")
            continue
        given = value.split(",") if isinstance(value, str) else value
        if not isinstance(given, list) or not given or not all(isinstance(k, str) for k in given):
            problems.append(f"{where}: {binding_id} = {value!r}: give its keys as a string, e.g. "
                            f"{binding_id} = \"y\" or \"y,ctrl+y\"")
            continue
        keys = []
        for piece in (p.strip() for p in given):
            key = normal_key(piece)
            if not piece:
                problems.append(f"{where}: {binding_id} = {value!r}: an empty key (the comma key is written comma); "
                                f"give {EXAMPLES}")
            elif key is None:
                problems.append(f"{where}: {binding_id} = {value!r}: {piece!r} is not a key; give {EXAMPLES}")
            elif key in APP_KEYS:
                problems.append(f"{where}: {binding_id} = {value!r}: {piece} is the app's key for "
                                f"{APP_KEYS[key]}; give {binding_id} another key")
            elif key not in keys:
                keys.append(key)
        remapped[binding_id] = tuple(keys)
    in_force = {k.id: remapped.get(k.id, (k.key,)) for k in SCREEN_KEYS}
    holder: dict[str, str] = {}
    for binding_id, bound_keys in in_force.items():
        for key in bound_keys:
            other = holder.setdefault(key, binding_id)
            if other != binding_id:
                mine, theirs = (binding_id, other) if binding_id in remapped else (other, binding_id)
                default = "" if theirs in remapped else " (its default)"
                also = "" if theirs in remapped else f", or remap {theirs} too"
                problems.append(f"{_where(source, text, mine)}: {mine} = {shown(key)!r} clashes with {theirs}, "
                                f"which has {shown(key)!r}{default}; give {mine} another key{also}")
    if problems:
        raise ConfigError(problems)
    changed = {i: ",".join(k) for i, k in remapped.items() if k != (by_id[i].key,)}
    return KeysInForce(in_force, changed, {i: _where(source, text, i) for i in changed})


DEFAULT_KEYS = keys_in_force({})


def parse_config(text: str, source: str) -> KeysInForce:
    """The user's config file (TOML): today only its `[keys]` table."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        prefix = f"{source}:{where[1]}:{where[2]}" if where else source
        raise ConfigError([f"{prefix}: not valid TOML: {message}"]) from None
    unknown = [name for name in data if name != "keys"]
    if unknown:
        raise ConfigError([f"{source}: unknown setting {unknown[0]!r}; the file holds a [keys] table"])
    table = data.get("keys", {})
    if not isinstance(table, dict):
        raise ConfigError([f"{source}: keys must be a table: [keys] then lines like accept = \"y\""])
    return keys_in_force(table, source, text)


def _where(source: str, text: str, binding_id: str) -> str:
    """`source:line` of `binding_id = ...` in the [keys] table of `text`, as far as a scan finds it."""
    in_keys = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("["):
            in_keys = line.strip().replace(" ", "") == "[keys]"
        elif in_keys and (found := _ID_LINE.match(line)) and found[1] == binding_id:
            return f"{source}:{n}"
    return source
