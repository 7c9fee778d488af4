"""queue orders and blind documents: document.shuffle, document.certainty, document.blind

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 03:10:00

`annotator code --order random|uncertain` seeks on (shuffle, pk) and (certainty, pk), so moving on
costs the same in any project. Existing documents get their keys here: the hash of their id, and
the lowest stance score of their newest suggestion. `blind` marks documents coders see without
suggestions (`annotator assign --blind`).
"""
from typing import Any, Sequence, Union

from alembic import op
import sqlalchemy as sa

from annotator.domain.queue_order import NO_CERTAINTY, shuffle_key

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('document', sa.Column('shuffle', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('document', sa.Column('certainty', sa.Float(), nullable=False, server_default='2.0'))
    op.add_column('document', sa.Column('blind', sa.Boolean(), nullable=False, server_default='0'))
    op.create_index('ix_document_shuffle', 'document', ['shuffle', 'pk'])
    op.create_index('ix_document_certainty', 'document', ['certainty', 'pk'])
    conn = op.get_bind()
    keys = [{"k": shuffle_key(doc_id), "p": pk} for pk, doc_id in conn.execute(sa.text("SELECT pk, id FROM document"))]
    if keys:
        conn.execute(sa.text("UPDATE document SET shuffle = :k WHERE pk = :p"), keys)
    newest: dict[int, list[Any]] = {}
    for doc, stances in conn.execute(sa.text("SELECT document_pk, stances FROM suggestion ORDER BY pk")):
        newest[doc] = _json(stances)
    scores = [{"c": min((s["score"] for s in stances if s.get("score") is not None), default=NO_CERTAINTY), "p": doc}
              for doc, stances in newest.items()]
    if scores:
        conn.execute(sa.text("UPDATE document SET certainty = :c WHERE pk = :p"), scores)


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def downgrade() -> None:
    op.drop_index('ix_document_certainty', table_name='document')
    op.drop_index('ix_document_shuffle', table_name='document')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('blind')
        batch_op.drop_column('certainty')
        batch_op.drop_column('shuffle')
