"""the find index merges its segments sixteen at a time instead of four

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 14:00:00

FTS5 keeps its index as levels of segments and merges a level once it holds `automerge` of them,
so each word of an imported document is written again once per level it climbs. With four per
merge, a project of a million documents has about five levels above a batch, an empty one about
two: 20,000 documents imported at half the empty project's rate, with some batches waiting seconds
for a merge. Sixteen per merge halves the levels (20,000 documents into a million, alternated with
an empty project: 0.50 x its rate before, median of 5 rounds; 0.70 x after, median of 9); find
reads a few more segments, which its keystrokes do not show (p95 5 to 7 ms).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _automerge(segments: int) -> None:
    if op.get_bind().dialect.name == "sqlite":  # a server's find is a GIN index of its own
        op.execute(f"INSERT INTO document_fts(document_fts, rank) VALUES ('automerge', {segments})")


def upgrade() -> None:
    _automerge(16)


def downgrade() -> None:
    _automerge(4)
