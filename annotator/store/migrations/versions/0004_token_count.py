"""document token counts, kept for token-level agreement

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 00:20:00

Token-level alpha counts every token of every document coded twice. Tokenizing whole texts on
each `annotator agree` costs ~1 s per 8 MB of text; the count is kept once known, and only the
stretches of text under some coder's span are tokenized again.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('document', sa.Column('token_count', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('token_count')
