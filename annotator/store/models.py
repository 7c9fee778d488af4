"""Model versions and the model in use per task: small tables, read whole."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from annotator.store import tables as t
from annotator.store.tables import utcnow

VERSION = t.ModelVersion
IN_USE = t.ModelInUse
PROGRESS = t.SuggestProgress


@dataclass(frozen=True)
class TrainedModel:
    name: str
    version: str
    task: str
    base: str
    path: str
    train_documents: int
    held_out_documents: int
    score: float | None
    score_in_use: float | None
    in_use_then: str | None
    created_at: datetime | None = None


def record(conn: Connection, model: TrainedModel) -> None:
    """A trained version; training a name's version again (after its folder was removed) replaces it."""
    conn.execute(delete(VERSION).where(VERSION.c.name == model.name, VERSION.c.version == model.version))
    values = {k: v for k, v in model.__dict__.items() if k != "created_at"}
    conn.execute(insert(VERSION).values(**values, created_at=utcnow()))


def trained(conn: Connection) -> list[TrainedModel]:
    rows = conn.execute(select(*[VERSION.c[f] for f in TrainedModel.__dataclass_fields__]).order_by(VERSION.c.pk))
    return [TrainedModel(*row) for row in rows]


def find(conn: Connection, name: str, version: str) -> TrainedModel | None:
    return next((m for m in trained(conn) if (m.name, m.version) == (name, version)), None)


def suggested(conn: Connection) -> list[tuple[str, str]]:
    """Every (model, version) that has suggested here: each run of `suggest` records its progress."""
    return [tuple(row) for row in conn.execute(select(PROGRESS.c.model, PROGRESS.c.version).order_by(
        PROGRESS.c.model, PROGRESS.c.version))]


def in_use(conn: Connection) -> dict[str, tuple[str, str]]:
    """task -> (model, version), for the tasks that have one chosen."""
    return {task: (name, version) for task, name, version in conn.execute(
        select(IN_USE.c.task, IN_USE.c.name, IN_USE.c.version))}


def chosen_by_lead(conn: Connection) -> set[str]:
    """The tasks whose model in use a lead chose with `models use`."""
    return {task for task, in conn.execute(select(IN_USE.c.task).where(IN_USE.c.chosen_by.is_not(None)))}


def put_in_use(conn: Connection, task: str, name: str, version: str, chosen_by: str | None = None) -> None:
    conn.execute(delete(IN_USE).where(IN_USE.c.task == task))
    conn.execute(insert(IN_USE).values(task=task, name=name, version=version, chosen_by=chosen_by,
                                       chosen_at=utcnow()))
