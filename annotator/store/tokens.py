"""Coders' access tokens for the served screen, by hash."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from annotator.store import tables as t
from annotator.store.tables import utcnow

TOKEN = t.CoderToken
CODER = t.Coder


def add(conn: Connection, coder_pk: int, token_hash: str, made_by: str) -> None:
    """`made_by`: the lead who made it (on PostgreSQL a policy holds it to session_user)."""
    conn.execute(insert(TOKEN).values(coder_pk=coder_pk, token_hash=token_hash, created_at=utcnow(), made_by=made_by))


def revoke_made_by(conn: Connection, lead: str) -> int:
    """Revoke every live token a lead made (they are no longer one); returns how many."""
    return conn.execute(update(TOKEN).where(TOKEN.c.made_by == lead, TOKEN.c.revoked_at.is_(None))
                        .values(revoked_at=utcnow())).rowcount


def coder_of(conn: Connection, token_hash: str) -> str | None:
    """The coder a live (not revoked) token belongs to: one seek on the unique hash."""
    return conn.scalar(select(CODER.c.name).join(TOKEN, TOKEN.c.coder_pk == CODER.c.pk)
                       .where(TOKEN.c.token_hash == token_hash, TOKEN.c.revoked_at.is_(None)))


def revoke(conn: Connection, coder_pk: int) -> int:
    """Revoke every live token of the coder; returns how many."""
    return conn.execute(update(TOKEN).where(TOKEN.c.coder_pk == coder_pk, TOKEN.c.revoked_at.is_(None))
                        .values(revoked_at=utcnow())).rowcount
