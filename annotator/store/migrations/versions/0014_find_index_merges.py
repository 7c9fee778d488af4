"""the find index merges its segments sixteen at a time instead of four, and never all at once

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 14:00:00

FTS5 keeps its index as levels of segments and merges a level once it holds `automerge` of them,
so each word of an imported document is written again once per level it climbs. With four per
merge, a project of a million documents has about five levels above a batch, an empty one about
two: 20,000 documents imported at half the empty project's rate, with some batches waiting seconds
for a merge. Sixteen per merge halves the levels. `crisismerge` (a whole level merged at once, in
the writing transaction, when it holds that many) goes from 16 to 64, above `automerge`: equal to
it, merges ran whole instead of a little per write. Measured importing 20,000 documents into a
million, alternated with an empty project: 0.50 x its rate before (median of 5 rounds); 0.75 x
after (median of 5), the slowest batch 0.9 s instead of 2.5 s with `crisismerge` left at 16. Find
reads a few more segments, which its keystrokes do not show (p95 5 to 7 ms).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # a server's find is a GIN index of its own
        op.execute("INSERT INTO document_fts(document_fts, rank) VALUES ('automerge', 16)")
        op.execute("INSERT INTO document_fts(document_fts, rank) VALUES ('crisismerge', 64)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # FTS5's defaults again
        op.execute("DELETE FROM document_fts_config WHERE k IN ('automerge', 'crisismerge')")
