"""PostgreSQL: times with their zone everywhere, and full-text find

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 06:10:00

On PostgreSQL, three columns made by 0005 and 0008 held times without their zone (the code's are
UTC-aware), and find scanned every title; find now searches a GIN index over id, title and text
(a generated column, kept in step by the server). SQLite stores times alike either way, and has
had its FTS5 index since 0009: nothing changes there.
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ZONED = (("coder_token", "created_at"), ("coder_token", "revoked_at"), ("gold_adjudication", "at"))

# Words as SQLite's FTS5 reads them: runs of letters and digits ("doc-29" is "doc" and "29", where
# PostgreSQL's own parser would see "-29"); no stemming, no stop words ('simple'). A text's first
# 250,000 characters are indexed: a tsvector holds at most 1 MB, which 975,000 characters of distinct
# words (a log, a table of hashes) already pass.
SEARCH = ("to_tsvector('simple'::regconfig, regexp_replace(left(id || ' ' || coalesce(title, '') || ' ' || text, "
          "250000), '[^[:alnum:]]+', ' ', 'g'))")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in ZONED:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TIMESTAMP WITH TIME ZONE "
                   f"USING {column} AT TIME ZONE 'UTC'")
    op.execute(f"ALTER TABLE document ADD COLUMN search tsvector GENERATED ALWAYS AS ({SEARCH}) STORED")
    op.execute("CREATE INDEX ix_document_search ON document USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_document_search")
    op.execute("ALTER TABLE document DROP COLUMN search")
    for table, column in ZONED:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TIMESTAMP WITHOUT TIME ZONE "
                   f"USING {column} AT TIME ZONE 'UTC'")
