"""document leases: a single-coded document open in one coder's screen is served to no one else

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 07:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'document_lease',
        sa.Column('document_pk', sa.Integer(), nullable=False),
        sa.Column('coder_pk', sa.Integer(), nullable=False),
        sa.Column('until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['coder_pk'], ['coder.pk'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_pk'], ['document.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_pk'),
    )


def downgrade() -> None:
    op.drop_table('document_lease')
