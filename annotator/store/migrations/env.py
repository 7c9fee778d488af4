"""Alembic environment: runs on the connection the application hands over (see store/migrate.py)."""

from alembic import context

from annotator.store import schema  # noqa: F401  (registers the tables on the metadata)
from sqlmodel import SQLModel

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
