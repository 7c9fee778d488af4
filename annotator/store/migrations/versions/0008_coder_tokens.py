"""coder tokens: who a browser session of `annotator serve` codes as

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 03:30:00

Each coder gets links with a token (`annotator coder token NAME`); only a hash of it is kept, and a
revoked token admits no one.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'coder_token',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('coder_pk', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['coder_pk'], ['coder.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f('ix_coder_token_coder_pk'), 'coder_token', ['coder_pk'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_coder_token_coder_pk'), table_name='coder_token')
    op.drop_table('coder_token')
