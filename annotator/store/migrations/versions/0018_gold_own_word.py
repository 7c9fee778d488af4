"""gold keeps the word its import gave the document (gold JSONL's "adjudication")

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 14:30:00

A gold record's "adjudication" summarises its items, and each item keeps its word; a document
whose gold has no item (nothing to mark, adjudicated so) had nowhere to keep it, and was exported
as "unanimous". The column holds imported gold's own word; derived gold leaves it empty.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('gold') as table:
        table.add_column(sa.Column('adjudication', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('gold') as table:
        table.drop_column('adjudication')
