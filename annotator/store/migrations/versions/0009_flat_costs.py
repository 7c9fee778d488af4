"""flat costs: document.seq, coders' finished-through marks, suggest progress, full-text find

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 03:40:00

A coder's place in the queue, the next unfinished document, "done today", the first document a
model has not suggested for, and find were counts or walks over everything behind them; each is now
a seek. On SQLite, find searches an FTS5 index over id, title and text, kept in step by triggers.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FTS = [
    # prefix: words typed one letter at a time look up 1- to 3-letter prefixes in an index of their own
    "CREATE VIRTUAL TABLE document_fts USING fts5(id, title, text, content='document', content_rowid='pk', "
    "prefix='1 2 3')",
    "CREATE TRIGGER document_fts_insert AFTER INSERT ON document BEGIN "
    "INSERT INTO document_fts(rowid, id, title, text) VALUES (new.pk, new.id, new.title, new.text); END",
    "CREATE TRIGGER document_fts_delete AFTER DELETE ON document BEGIN "
    "INSERT INTO document_fts(document_fts, rowid, id, title, text) VALUES ('delete', old.pk, old.id, old.title, old.text); END",
    "CREATE TRIGGER document_fts_update AFTER UPDATE OF id, title, text ON document BEGIN "
    "INSERT INTO document_fts(document_fts, rowid, id, title, text) VALUES ('delete', old.pk, old.id, old.title, old.text); "
    "INSERT INTO document_fts(rowid, id, title, text) VALUES (new.pk, new.id, new.title, new.text); END",
]


def upgrade() -> None:
    op.add_column('document', sa.Column('seq', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE document SET seq = r.n FROM (SELECT pk, row_number() OVER (ORDER BY pk) AS n FROM document) AS r "
               "WHERE r.pk = document.pk")
    op.create_index('ix_document_seq', 'document', ['seq'], unique=True)
    op.add_column('coder', sa.Column('finished_through_pk', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('coder', sa.Column('finished_through_position', sa.Integer(), nullable=False, server_default='0'))
    op.drop_index('ix_annotation_coder_status', table_name='annotation')
    op.create_index('ix_annotation_coder_status_updated', 'annotation', ['coder_pk', 'status', 'updated_at'])
    op.create_index('ix_suggestion_model_document', 'suggestion', ['model', 'version', 'document_pk'])
    op.create_table(
        'suggest_progress',
        sa.Column('model', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('through', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('model', 'version'),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS:
            op.execute(statement)
        op.execute("INSERT INTO document_fts(document_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("document_fts_update", "document_fts_delete", "document_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS document_fts")
    op.drop_table('suggest_progress')
    op.drop_index('ix_suggestion_model_document', table_name='suggestion')
    op.drop_index('ix_annotation_coder_status_updated', table_name='annotation')
    op.create_index('ix_annotation_coder_status', 'annotation', ['coder_pk', 'status'])
    with op.batch_alter_table('coder', schema=None) as batch_op:
        batch_op.drop_column('finished_through_position')
        batch_op.drop_column('finished_through_pk')
    op.drop_index('ix_document_seq', table_name='document')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('seq')
