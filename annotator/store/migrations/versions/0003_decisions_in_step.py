"""decisions in step: stance decisions, span provenance, CHECK constraints on the vocabulary

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 22:40:00

Existing rows keep their values; a database holding a value outside the vocabulary fails this
upgrade (inside its transaction) rather than keep a row the code cannot read.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (column types)

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Frozen copies of the vocabulary as of this revision: a migration must not change when the code does.
ORIGINS = ("accepted", "changed", "added", "imported")
DECISIONS = ("accepted", "changed", "rejected")
STATUSES = ("draft", "done", "skipped")
GOLD_HOWS = ("unanimous", "majority", "adjudicated")
ROLES = ("coder", "lead")

CHECKS = [("coder", "role", ROLES), ("annotation", "status", STATUSES), ("annotation_span", "origin", ORIGINS),
          ("annotation_stance", "origin", ORIGINS), ("suggestion_decision", "decision", DECISIONS),
          ("gold_span", "how", GOLD_HOWS), ("gold_stance", "how", GOLD_HOWS)]


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f'"{column}" IN ({", ".join(repr(v) for v in values)})'


def upgrade() -> None:
    op.create_table('stance_decision',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('annotation_pk', sa.Integer(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint(_condition("decision", DECISIONS), name='decision_valid'),
    sa.ForeignKeyConstraint(['annotation_pk'], ['annotation.pk'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk'),
    sa.UniqueConstraint('annotation_pk', 'target', 'label')
    )
    with op.batch_alter_table('annotation_span', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_end', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_label', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    # Spans accepted before this revision came from the suggestion at their own place and label.
    op.execute("UPDATE annotation_span SET source_start = start, source_end = \"end\", source_label = label "
               "WHERE origin = 'accepted'")
    for table, column, values in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(f"{column}_valid", _condition(column, values))


def downgrade() -> None:
    for table, column, _ in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"{column}_valid", type_="check")
    with op.batch_alter_table('annotation_span', schema=None) as batch_op:
        batch_op.drop_column('source_label')
        batch_op.drop_column('source_end')
        batch_op.drop_column('source_start')
    op.drop_table('stance_decision')
