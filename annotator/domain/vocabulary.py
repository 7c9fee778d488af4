"""The fixed words of the records: origins, decisions, statuses, how gold was reached, coder roles,
model tasks.

The store's CHECK constraints are built from these tuples, so the database refuses any other value.
"""

from __future__ import annotations

from typing import Literal, get_args

Origin = Literal["accepted", "changed", "added", "imported"]
"""Where a coded item came from: a suggestion as it was, a suggestion changed, the coder's own, a file."""
Decision = Literal["accepted", "changed", "rejected"]
"""What a coder did with one suggestion; an undecided suggestion has no decision."""
Status = Literal["draft", "done", "skipped"]
GoldHow = Literal["unanimous", "majority", "adjudicated"]
Role = Literal["coder", "lead"]
ModelTask = Literal["stance", "entities"]
"""What a model suggests: each task has its own model in use."""

ORIGINS: tuple[str, ...] = get_args(Origin)
DECISIONS: tuple[str, ...] = get_args(Decision)
STATUSES: tuple[str, ...] = get_args(Status)
GOLD_HOWS: tuple[str, ...] = get_args(GoldHow)
ROLES: tuple[str, ...] = get_args(Role)
MODEL_TASKS: tuple[str, ...] = get_args(ModelTask)

EditKind = Literal["span.accept", "span.reject", "span.remove", "span.add", "span.label", "span.resize",
                   "stance.accept", "stance.reject", "stance.set", "accept all", "reject undecided", "status"]
"""What a coder's key did to an annotation: the `kind` of its event (an undo or redo of one is written
"undo <kind>" or "redo <kind>")."""
EDIT_KINDS: tuple[str, ...] = get_args(EditKind)
