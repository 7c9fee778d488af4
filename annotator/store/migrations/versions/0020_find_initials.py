"""PostgreSQL's find index also holds each word's first character, as a term of its own

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:00:00

Typing one character of a word (`doc-3`) asked the GIN index for `'3':*`: every term starting
with 3, each a posting list of its own, united (111,111 terms among a million ids "doc-N"): 60 to
75 ms a keystroke, and the planner, guessing prefixes rare, never chose the cheaper scan in table
order. The index now also holds '^3' for a text with any word starting with 3 ('^' never comes out
of the word parser: migration 0010 turns what is not a letter or digit into spaces), which find
asks for instead: one posting list, and a count the planner knows (`doc-3` 10 ms at a million
documents). SQLite's FTS5 has kept 1-letter prefixes in an index of their own since 0009.

The column is made again: about 2.5 minutes for a million documents on two cores.
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0020'
down_revision: Union[str, Sequence[str], None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

WORDS = ("to_tsvector('simple'::regconfig, regexp_replace(left(id || ' ' || coalesce(title, '') || ' ' || text, "
         "250000), '[^[:alnum:]]+', ' ', 'g'))")  # as 0010 made them

# A function, so the words are parsed once for both halves (a generated column cannot read another).
# Its body is looked up at each call through the caller's search_path: every name is pg_catalog's,
# so no function or operator another role puts on that path runs in its place.
FIND_TERMS = r"""CREATE FUNCTION find_terms(words tsvector) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT words OPERATOR(pg_catalog.||) pg_catalog.array_to_tsvector(pg_catalog.string_to_array(
    pg_catalog.regexp_replace(pg_catalog.array_to_string(pg_catalog.tsvector_to_array(words), ' '),
                              '(\S)\S*', '^\1', 'g'), ' ')) $$"""


def _search_column(expression: str) -> None:
    op.execute("DROP INDEX ix_document_search")
    op.execute("ALTER TABLE document DROP COLUMN search")
    op.execute(f"ALTER TABLE document ADD COLUMN search tsvector GENERATED ALWAYS AS ({expression}) STORED")
    op.execute("CREATE INDEX ix_document_search ON document USING gin (search)")
    op.execute("ANALYZE document")  # the new terms' counts: without them the planner guesses every match rare


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":  # SQLite: FTS5's prefix indexes do this
        return
    op.execute(FIND_TERMS)
    _search_column(f"find_terms({WORDS})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _search_column(WORDS)
    op.execute("DROP FUNCTION find_terms(tsvector)")
