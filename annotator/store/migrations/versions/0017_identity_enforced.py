"""identity the database enforces: each event names its actor; on PostgreSQL, row-level security holds each role to its rights

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 08:20:00

On PostgreSQL a coder's role used to write whatever the command line was told (another coder's
annotations, gold, roles): now table privileges and row-level security allow a coder's role its own
annotations and nothing of anyone else's, and `annotator_is_lead()` decides the lead's rights from
the coder table. Roles already named in `coder` get the privileges of their project role again
(those that followed the old README's grants of every table lose what a coder may not do).
A coder's change to a document whose gold a coder may not derive marks it in `gold_stale`.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('event') as table:
        table.add_column(sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('coder_token') as table:
        table.add_column(sa.Column('made_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        'gold_stale',
        sa.Column('document_pk', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['document_pk'], ['document.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_pk'),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        from annotator.store import roles

        roles.install(conn)
        roles.grant_again(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        from annotator.store import roles

        roles.uninstall(conn)
    op.drop_table('gold_stale')
    with op.batch_alter_table('coder_token') as table:
        table.drop_column('made_by')
    with op.batch_alter_table('event') as table:
        table.drop_column('actor')
