"""Who may use the served coding screen: per-coder tokens, shown once and kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets

from annotator.domain.errors import InputError
from annotator.services.access_rules import require_lead
from annotator.store import assignments, events, identity, tokens
from annotator.store.engine import Connection, Engine


def _hash(token: str) -> str:
    # A token is 192 random bits: a plain hash cannot be reversed, and lookups stay one seek.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(engine: Engine, coder: str, actor: str | None = None) -> str:
    """A fresh token for an existing coder (their older tokens stay valid until revoked)."""
    with engine.begin() as conn:
        require_lead(conn, actor, "making a coder's link")
        coder_pk = _known(conn, coder)
        token = secrets.token_urlsafe(24)
        tokens.add(conn, coder_pk, _hash(token), identity.acting(conn, actor))
        events.add(conn, "token_new", after={"coder": coder})
    return token


def revoke_tokens(engine: Engine, coder: str, actor: str | None = None) -> int:
    with engine.begin() as conn:
        require_lead(conn, actor, "revoking a coder's links")
        coder_pk = _known(conn, coder)
        revoked = tokens.revoke(conn, coder_pk)
        events.add(conn, "token_revoke", after={"coder": coder, "revoked": revoked})
    return revoked


def _known(conn: Connection, coder: str) -> int:
    coder_pk = assignments.coder_pk_of(conn, coder)
    if coder_pk is None:
        raise InputError(f"no coder named {coder!r}; add them first: annotator coder add {coder}")
    return coder_pk


def coder_for_token(engine: Engine, token: str | None) -> str | None:
    """The coder a token admits, or None (no token, unknown, or revoked)."""
    if not token or len(token) > 200:
        return None
    with engine.connect() as conn:
        return tokens.coder_of(conn, _hash(token))
