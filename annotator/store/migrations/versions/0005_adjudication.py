"""adjudication: what a lead settled, and the bar gold was derived with

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 01:00:00

A lead settles a region of text (overlapping disputed spans) or a target at once, possibly by
choosing nothing; derivation must leave that region or target alone afterwards, so the decision
itself is kept, not only the gold items it produced.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # column types


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('gold', sa.Column('min_agreement', sa.Integer(), nullable=True))
    op.add_column('gold', sa.Column('disputed', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('gold', sa.Column('derived_digest', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table('gold_adjudication',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('gold_pk', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('by_coder_pk', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('"kind" IN (\'span\', \'stance\')', name='kind_valid'),
    sa.ForeignKeyConstraint(['by_coder_pk'], ['coder.pk'], ),
    sa.ForeignKeyConstraint(['gold_pk'], ['gold.pk'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk')
    )
    with op.batch_alter_table('gold_adjudication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gold_adjudication_gold_pk'), ['gold_pk'], unique=False)


def downgrade() -> None:
    op.drop_table('gold_adjudication')
    with op.batch_alter_table('gold', schema=None) as batch_op:
        batch_op.drop_column('derived_digest')
        batch_op.drop_column('disputed')
        batch_op.drop_column('min_agreement')
