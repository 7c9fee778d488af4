"""Writes store/tables.py, the SQLAlchemy Core copy of the SQLModel tables in store/schema.py.

    python -m annotator.store.schema_code        (after changing schema.py, with its migration)

schema.py is the definition (Alembic's migrations are compared with it); building its SQLModel
classes takes a quarter of a second of every command's start, so the store's SQL runs on the Core
tables this writes, which take milliseconds. A test fails when tables.py is not what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, MetaData, Table, UniqueConstraint

TABLES = Path(__file__).with_name("tables.py")
# The column types schema.py uses, as tables.py names them (SQLModel's own types are copied in
# column_types.py: importing them loads all of SQLModel).
TYPES = {"Integer": "sa.Integer()", "BigInteger": "sa.BigInteger()", "AutoString": "sa.String()", "UTCDateTime": "UTCDateTime()", "JSON": "sa.JSON()",
         "Float": "sa.Float()", "Boolean": "sa.Boolean()"}
CALLABLE_DEFAULTS = {"utcnow"}

HEADER = '''"""The project database's tables as SQLAlchemy Core: the store's SQL is written with these.

Written by `python -m annotator.store.schema_code` from the SQLModel classes of schema.py (the
definition migrations are compared with): do not edit by hand; a test fails when they differ.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from annotator.store.column_types import UTCDateTime

metadata = sa.MetaData()


def utcnow() -> datetime:
    return datetime.now(UTC)
'''


def _column(column: Column[Any]) -> str:
    parts = [repr(column.name), TYPES[type(column.type).__name__]]
    parts += [f"sa.ForeignKey({fk.target_fullname!r}" + (f", ondelete={fk.ondelete!r}" if fk.ondelete else "") + ")"
              for fk in sorted(column.foreign_keys, key=lambda fk: fk.target_fullname)]
    if column.primary_key:
        parts.append("primary_key=True")
    parts.append(f"nullable={column.nullable}")
    if column.unique:
        parts.append("unique=True")
    if column.default is not None:
        arg = column.default.arg  # type: ignore[attr-defined]
        if callable(arg):
            assert arg.__name__ in CALLABLE_DEFAULTS, f"{column}: a default of {arg.__name__} has no name here"
            parts.append(f"default={arg.__name__}")
        else:
            parts.append(f"default={arg!r}")
    if column.server_default is not None:
        parts.append(f"server_default={column.server_default.arg!r}")  # type: ignore[attr-defined]
    return f"    sa.Column({', '.join(parts)}),"


def _table(table: Table) -> list[str]:
    lines = [f"{_name(table)} = sa.Table(", f"    {table.name!r}, metadata,"]
    lines += [_column(column) for column in table.columns]
    for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
        if isinstance(constraint, CheckConstraint):
            lines.append(f"    sa.CheckConstraint({str(constraint.sqltext)!r}, name={constraint.name!r}),")
        elif isinstance(constraint, UniqueConstraint) and not _single_unique_column(constraint):
            columns = ", ".join(repr(c.name) for c in constraint.columns)
            lines.append(f"    sa.UniqueConstraint({columns}" + (f", name={constraint.name!r}" if constraint.name else "")
                         + "),")
    for index in sorted(table.indexes, key=lambda i: str(i.name)):
        lines.append(_index(index))
    lines.append(")")
    return lines


def _single_unique_column(constraint: UniqueConstraint) -> bool:
    """A column's own unique=True (written on the column) rather than a constraint of the table."""
    columns = list(constraint.columns)
    return len(columns) == 1 and bool(columns[0].unique) and constraint.name is None


def _index(index: Index) -> str:
    columns = ", ".join(repr(c.name) for c in index.columns)
    assert len(index.columns) == len(index.expressions), f"{index.name}: an index on an expression"
    options = "".join(f", {key}={value!r}" for key, value in sorted(index.dialect_kwargs.items()))
    return f"    sa.Index({index.name!r}, {columns}, unique={bool(index.unique)}{options}),"


def _name(table: Table) -> str:
    """The SQLModel class's name: what store modules call the table."""
    from annotator.store import schema

    for name, value in vars(schema).items():
        if getattr(value, "__table__", None) is table:
            return name
    raise LookupError(table.name)


def source(metadata: MetaData) -> str:
    body = ["\n".join(_table(table)) for table in metadata.sorted_tables]
    return HEADER + "\n\n" + "\n\n\n".join(body) + "\n"


def main() -> None:
    from sqlmodel import SQLModel

    from annotator.store import schema  # noqa: F401  (registers the tables on SQLModel's metadata)

    TABLES.write_text(source(SQLModel.metadata), "utf-8")
    print(f"wrote {TABLES}", file=sys.stderr)


if __name__ == "__main__":
    main()
