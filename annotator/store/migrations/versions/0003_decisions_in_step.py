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
import sqlmodel.sql.sqltypes  # column types

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


# Before this revision a decision could fall out of step with its span: a relabelled or resized
# accepted span kept "accepted", a removed changed span kept "changed" or "accepted". Each coded item
# is given the suggestion it came from (an accepted span: the one at its own place; a changed span:
# the taken suggestion it overlaps), and every decision on a taken suggestion is then set from the span
# that answers for it, "rejected" where none does. Stances had no decisions: an accepted one gets its
# own label as source and an "accepted" decision; for a changed one the suggested label is unknown.
_TAKEN = "d.annotation_pk = {t}.annotation_pk AND d.decision IN ('accepted', 'changed')"
BRING_IN_STEP = [
    "UPDATE annotation_span SET source_start = start, source_end = \"end\", source_label = label "
    "WHERE origin = 'accepted'",
    "UPDATE annotation_span SET (source_start, source_end, source_label) = ("
    " SELECT d.start, d.\"end\", d.label FROM suggestion_decision d WHERE " + _TAKEN.format(t="annotation_span") +
    " AND d.start < annotation_span.\"end\" AND annotation_span.start < d.\"end\" ORDER BY d.start, d.pk LIMIT 1)"
    " WHERE origin = 'changed'",
    "UPDATE suggestion_decision SET decision = COALESCE(("
    " SELECT s.origin FROM annotation_span s WHERE s.annotation_pk = suggestion_decision.annotation_pk"
    " AND s.source_start = suggestion_decision.start AND s.source_end = suggestion_decision.\"end\""
    " AND s.source_label = suggestion_decision.label LIMIT 1), 'rejected')"
    " WHERE decision IN ('accepted', 'changed')",
    "UPDATE annotation_stance SET source_label = label WHERE origin = 'accepted'",
    "INSERT INTO stance_decision (annotation_pk, target, label, decision)"
    " SELECT annotation_pk, target, label, 'accepted' FROM annotation_stance WHERE origin = 'accepted'",
]


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
    with op.batch_alter_table('annotation_stance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_label', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('coder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_document_pk', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_coder_last_document', 'document', ['last_document_pk'], ['pk'],
                                    ondelete='SET NULL')
    for statement in BRING_IN_STEP:
        op.execute(statement)
    for table, column, values in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(f"{column}_valid", _condition(column, values))


def downgrade() -> None:
    for table, column, _ in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"{column}_valid", type_="check")
    with op.batch_alter_table('coder', schema=None) as batch_op:
        batch_op.drop_constraint('fk_coder_last_document', type_='foreignkey')
        batch_op.drop_column('last_document_pk')
    with op.batch_alter_table('annotation_stance', schema=None) as batch_op:
        batch_op.drop_column('source_label')
    with op.batch_alter_table('annotation_span', schema=None) as batch_op:
        batch_op.drop_column('source_label')
        batch_op.drop_column('source_end')
        batch_op.drop_column('source_start')
    op.drop_table('stance_decision')
