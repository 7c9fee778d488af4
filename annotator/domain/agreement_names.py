"""The names agreement reads from a stored codebook: its targets, stance labels and entity labels.

A codebook was validated when it was stored, so its TOML is read here as it is, without pydantic:
the codebook's models and their validators take a sixth of `annotator agree`'s start."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass


@dataclass(frozen=True)
class CodebookNames:
    targets: tuple[str, ...]
    stance_labels: tuple[str, ...]
    entity_labels: tuple[str, ...]


def codebook_names(source: str) -> CodebookNames:
    """The names of a stored codebook's TOML, in its order (as Codebook's target_names,
    stance_labels and entity_labels give them)."""
    data = tomllib.loads(source.removeprefix("\ufeff"))
    return CodebookNames(tuple(t["name"] for t in data.get("targets", ())),
                         tuple(s["label"] for s in data.get("stances", ())),
                         tuple(e["label"] for e in data.get("entities", ())))
