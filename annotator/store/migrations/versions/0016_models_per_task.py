"""models per task: the versions `train` saved, with their held-out scores, the one in use for each task, and whose suggestions each annotation decided on

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 06:20:00

Suggestions from an entity model used to hide a stance model's (the screen showed the newest
suggestion whole); now the screen takes entities from the entity model in use and stances from the
stance model in use, and `train` puts a new model in use only when it scores at least as well as
the one in use on the same held-out documents.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TASK_VALID = "\"task\" IN ('stance', 'entities')"


def upgrade() -> None:
    op.create_table(
        'model_version',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('task', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('base', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('train_documents', sa.Integer(), nullable=False),
        sa.Column('held_out_documents', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('score_in_use', sa.Float(), nullable=True),
        sa.Column('in_use_then', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(TASK_VALID, name='task_valid'),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('name', 'version'),
    )
    op.create_table(
        'model_in_use',
        sa.Column('task', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('chosen_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('chosen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(TASK_VALID, name='task_valid'),
        sa.PrimaryKeyConstraint('task'),
    )
    with op.batch_alter_table('annotation') as table:
        table.add_column(sa.Column('entity_model', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        table.add_column(sa.Column('stance_model', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('annotation') as table:
        table.drop_column('stance_model')
        table.drop_column('entity_model')
    op.drop_table('model_in_use')
    op.drop_table('model_version')
