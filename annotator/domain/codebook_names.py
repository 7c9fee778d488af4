"""The names a project's codebook gives, read without validating it again.

The stored codebook was validated by `codebook.parse_codebook` when it was put in force; reading its
names with tomllib alone keeps pydantic (the larger part of a reading command's start) out of
commands that need only the names, such as `annotator agree`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass


@dataclass(frozen=True)
class CodebookNames:
    """What reports over coded work need of a codebook: its names, in its order."""
    targets: tuple[str, ...]
    stance_labels: tuple[str, ...]
    entity_labels: tuple[str, ...]


def names_of(text: str) -> CodebookNames:
    """The names in a codebook that parse_codebook has accepted (a project's stored one)."""
    data = tomllib.loads(text.removeprefix("\ufeff"))
    return CodebookNames(tuple(t["name"] for t in data.get("targets", ())),
                         tuple(s["label"] for s in data.get("stances", ())),
                         tuple(e["label"] for e in data.get("entities", ())))
