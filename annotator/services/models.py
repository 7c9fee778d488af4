"""`annotator models`: every model version the project knows, which one is in use for each task,
and a lead's choice of another.

A model is in use for a task (entities, stance) when a lead chose it (`models use`); when `train`
made it and it scored at least as well as the one in use on the same held-out documents; when it
suggests for the task it was trained on (unless a lead chose another, or `train` found it worse);
or, for a base pipeline such as en_core_web_sm (its entities, and the cold-start rules' stances),
when it is the first to suggest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotator.domain.errors import InputError
from annotator.domain.vocabulary import DECISIONS, MODEL_TASKS
from annotator.services.access_rules import require_lead
from annotator.store import events, identity, models, usage
from annotator.store.engine import Connection, Engine
from annotator.store.models import TrainedModel

COLD_START = "the cold start"


@dataclass(frozen=True)
class ModelRow:
    name: str
    version: str
    tasks: tuple[str, ...]  # what it suggests from its own training ("entities", "stance"); () a base pipeline
    in_use_for: tuple[str, ...]
    trained: TrainedModel | None  # None: a pipeline that suggested here without being trained here
    use: dict[str, Any]  # what coders did with its suggestions: see _use


def list_models(engine: Engine, with_use: bool = True) -> tuple[list[ModelRow], dict[str, tuple[str, str]]]:
    """Every model version trained or suggesting here, trained ones first in training order; and
    task -> (model, version) in use. `with_use`: count what coders did with each (a pass over
    every decision, which choosing a model does not need)."""
    with engine.connect() as conn:
        trained = models.trained(conn)
        suggested = models.suggested(conn)
        in_use = models.in_use(conn)
        decided = usage.decisions_by_model(conn) if with_use else []
        actions = usage.actions_by_model(conn) if with_use else {}
    found: dict[tuple[str, str], TrainedModel | None] = {(m.name, m.version): m for m in trained}
    for key in [*suggested, *in_use.values()]:  # suggesting, or chosen, without being trained here
        found.setdefault(key, None)
    rows = [ModelRow(name, version, (m.task,) if m else (), _using(in_use, name, version), m,
                     _use(f"{name}:{version}", decided, actions)) for (name, version), m in found.items()]
    return rows, in_use


def _use(key: str, decided: list[tuple[str, str, str, int]], actions: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Of the model's suggestions coders decided on, per task: accepted unchanged, changed, rejected;
    and the coders' actions (keys that changed something) per done document that showed them."""
    out: dict[str, Any] = {kind: {d: 0 for d in DECISIONS} for kind in ("entity", "stance")}
    for kind, model, decision, n in decided:
        if model == key:
            out[kind][decision] += n
    documents, keys = actions.get(key, (0, 0))
    out["done_documents"] = documents
    out["actions_per_done_document"] = round(keys / documents, 1) if documents else None
    return out


def _using(in_use: dict[str, tuple[str, str]], name: str, version: str) -> tuple[str, ...]:
    return tuple(task for task in MODEL_TASKS if in_use.get(task) == (name, version))


def use_model(engine: Engine, spec: str, task: str, actor: str | None = None) -> tuple[str, str]:
    """Put NAME[:VERSION] in use for the task (lead only); VERSION defaults to the newest known."""
    if task not in MODEL_TASKS:
        raise InputError(f"--task {task!r}: give one of {', '.join(MODEL_TASKS)}")
    name, _, version = spec.partition(":")
    rows, _ = list_models(engine, with_use=False)
    known = [r for r in rows if r.name == name]
    if not known:
        listed = ", ".join(sorted({f"{r.name}:{r.version}" for r in rows})) or "none yet"
        raise InputError(f"no model named {name!r} has been trained or has suggested here (known: {listed}); "
                         "train one with `annotator train`, or suggest with it first: annotator suggest --model PATH")
    if not version:
        version = max((r.version for r in known), key=lambda v: (len(v), v))
    row = next((r for r in known if r.version == version), None)
    if row is None:
        raise InputError(f"{name} has no version {version!r} here; known: "
                         f"{', '.join(r.version for r in known)}")
    if row.tasks and task not in row.tasks:
        raise InputError(f"{name}:{version} was trained for {row.tasks[0]}, not {task}: its {task} suggestions are "
                         "its base pipeline's")
    with engine.begin() as conn:
        require_lead(conn, actor, "choosing the model in use")
        actor = identity.acting(conn, actor)
        before = models.in_use(conn).get(task)
        models.put_in_use(conn, task, name, version, chosen_by=actor)
        events.add(conn, "model_use", before={"task": task, "model": ":".join(before) if before else None},
                   after={"task": task, "model": f"{name}:{version}", "by": actor})
    return name, version


def in_use_on_suggesting(conn: Connection, name: str, version: str, trained_for: tuple[str, ...]) -> list[str]:
    """Put a model that has just suggested in use where it should be; returns those tasks.

    A trained model goes into use for the task it was trained for, unless a lead chose the model in
    use there, or `train` found it worse than the one in use then. A base pipeline goes into use
    for the tasks that have none yet."""
    chosen = models.in_use(conn)
    if not trained_for:
        tasks = [task for task in MODEL_TASKS if task not in chosen]
    else:
        record = models.find(conn, name, version)
        worse = (record is not None and record.score is not None and record.score_in_use is not None
                 and record.score < record.score_in_use)
        leads = models.chosen_by_lead(conn)
        tasks = [task for task in trained_for if chosen.get(task) != (name, version) and task not in leads
                 and not worse]
    for task in tasks:
        models.put_in_use(conn, task, name, version)
    return tasks
