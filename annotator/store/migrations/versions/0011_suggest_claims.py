"""suggest claims: runs on several machines share the work instead of each doing all of it

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 06:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'suggest_claim',
        sa.Column('document_pk', sa.Integer(), nullable=False),
        sa.Column('model', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('run', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['document_pk'], ['document.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_pk', 'model', 'version'),
    )


def downgrade() -> None:
    op.drop_table('suggest_claim')
