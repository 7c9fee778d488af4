"""Files that ship with the tool: codebooks and seed articles."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """`schemas` or `seeds`: inside the wheel (annotator/_bundled/...) or beside the package in a checkout."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the bundled folder {name!r} is missing from this installation")


def default_schema() -> Path:
    return bundled("schemas") / "news-stance.toml"
