"""One JSON value from an import file's bytes, read exactly or refused.

orjson is fast but, like every JSON reader, keeps the last of a key given twice in one object and
reads an integer past 64 bits as a float. Both would lose what the file says without a word, so a
value that might hold either is read again, slowly, with a reader that refuses them. Most lines are
shown free of both by counts alone and are read once.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

import orjson

from annotator.domain.errors import InputError

_ESCAPED_COLON = re.compile(rb"\\u003a", re.IGNORECASE)


def load(raw: bytes) -> Any:
    """The value `raw` holds (orjson.JSONDecodeError if it is not JSON); InputError names a key
    given twice in one object."""
    value = orjson.loads(raw)
    keys, colons_in_strings, large = _count(value)
    if large or not _keys_all_distinct(raw, keys, colons_in_strings):
        value = json.loads(raw, parse_constant=_no_constant, object_pairs_hook=_distinct_keys)
    return value


def _keys_all_distinct(raw: bytes, keys: int, colons_in_strings: int) -> bool:
    """True only when no object in `raw` can have named a key twice.

    Every key-value pair in the text has one colon outside strings; the parsed value keeps one key
    per distinct name. So the colons of the raw text, less those inside the parsed strings, equal
    the kept keys exactly when no pair was dropped (a colon written as \\u003a would break the count:
    such text takes the slow path)."""
    return raw.count(b":") - colons_in_strings == keys and not _ESCAPED_COLON.search(raw)


def _count(value: Any) -> tuple[int, int, bool]:
    """The keys kept, the colons inside strings, and whether a float is as large as an integer
    past 64 bits (orjson's reading of one, which the exact reader keeps as an integer)."""
    keys = colons = 0
    large = False
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)  # (orjson makes exactly these types: no subclass to look for)
        if kind is str:
            colons += item.count(":")
        elif kind is dict:
            keys += len(item)
            for key, inner in item.items():
                colons += key.count(":")
                push(inner)
        elif kind is list:
            extend(item)
        elif kind is float and abs(item) >= 2.0**63:
            large = True
    return keys, colons, large


def _distinct_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) < len(pairs):
        seen: set[str] = set()
        for twice, _ in pairs:  # the first key met a second time
            if twice in seen:
                break
            seen.add(twice)
        shown = json.dumps(twice, ensure_ascii=False)[:80]
        raise InputError(f"key {shown} is given twice in one object (a JSON reader keeps only the last "
                         "and the first would be lost): keep one")
    return obj


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")  # (orjson has refused it already: never reached)
