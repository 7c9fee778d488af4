"""Suggestion analytics: the share of decided suggestions each coder, and each label, accepted,
changed or rejected, and seconds per done document (assisted and blind apart)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DECISIONS = ("accepted", "changed", "rejected")


def _shares(counts: dict[str, int]) -> dict[str, Any]:
    decided = sum(counts.get(d, 0) for d in DECISIONS)
    return {"decided": decided, **{d: counts.get(d, 0) / decided if decided else None for d in DECISIONS}}


def usage(decisions: Iterable[tuple[str, str, str, str, int]],
          seconds: Iterable[tuple[str, bool, int, float]]) -> dict[str, Any]:
    """From (kind, coder, label, decision, count) and (coder, blind, documents, seconds): per kind
    ("entity", "stance"), shares by label and by coder; per coder, mean seconds per done document."""
    by: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for kind, coder, label, decision, n in decisions:
        for axis, key in (("by_label", label), ("by_coder", coder)):
            counts = by.setdefault(kind, {}).setdefault(axis, {}).setdefault(key, {})
            counts[decision] = counts.get(decision, 0) + n
    out: dict[str, Any] = {kind: {axis: {key: _shares(c) for key, c in sorted(keys.items())} for axis, keys in axes.items()}
                 for kind, axes in sorted(by.items())}
    timing: dict[str, dict[str, Any]] = {}
    for coder, blind, documents, total in seconds:
        entry = timing.setdefault(coder, {"assisted": None, "blind": None, "documents": 0})
        entry["blind" if blind else "assisted"] = total / documents if documents else None
        entry["documents"] += documents
    out["seconds_per_document"] = dict(sorted(timing.items()))
    return out
