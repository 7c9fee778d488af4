"""gold annotators: the coders a document's gold came from

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 01:15:00

Gold JSONL names the coders behind each document; imported gold has no coders' annotations to ask,
so the names are kept with the gold itself.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('gold', sa.Column('annotators', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('gold', schema=None) as batch_op:
        batch_op.drop_column('annotators')
