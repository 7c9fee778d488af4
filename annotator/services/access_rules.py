"""Who may change what: coders write their own annotations; assignments, gold, coders, tokens, the
codebook and another coder's work are the lead's.

On PostgreSQL the acting person is the database role the command connected as, and the database
enforces these rules itself (store/roles.py); the checks here only turn its refusals into a clear
sentence before anything is tried. The role that owns the project (who ran `init`) may do
everything, as the database lets it. On a SQLite file the acting person is ANNOTATOR_USER, else the
login name: the file's permissions are the real boundary, and these checks guard against mistakes.
A SQLite project starts with no lead, and then anyone may do everything (one person alone on a
laptop); once someone is made lead (`annotator coder add NAME --role lead`), these changes need one.
"""

from __future__ import annotations

from annotator.domain.errors import InputError
from annotator.store import assignments, identity
from annotator.store.engine import Connection


def _who(conn: Connection) -> str:
    return ("the database role you connected as" if identity.enforced(conn)
            else "the acting person is ANNOTATOR_USER, else the login name")


def is_lead(conn: Connection, actor: str | None = None) -> bool:
    """Whether the acting person may do a lead's changes."""
    if identity.is_owner(conn):
        return True
    if not identity.enforced(conn) and not assignments.has_lead(conn):
        return True
    return assignments.role_of(conn, identity.acting(conn, actor)) == "lead"


def require_lead(conn: Connection, actor: str | None, doing: str) -> None:
    """Refuse `doing` unless the acting person may do a lead's changes (`actor`: who the caller
    claims to be, which only a SQLite project takes)."""
    if is_lead(conn, actor):
        return
    me = identity.acting(conn, actor)
    role = assignments.role_of(conn, me)
    who = f"{me} is {'not a coder here' if role is None else 'a ' + role}"
    raise InputError(f"{doing} needs the lead role and {who}; a lead does it, or makes them lead with "
                     f"`annotator coder add {me} --role lead` ({_who(conn)})")


def require_self_or_lead(conn: Connection, coder: str, actor: str | None, doing: str) -> None:
    """Acting as another coder (`code --coder X`, `review --coder X`) is a lead's change."""
    if coder != identity.acting(conn, actor):
        require_lead(conn, actor, f"{doing} as {coder}")


def writes_gold(conn: Connection, actor: str | None = None) -> bool:
    """Whether derived gold is written by this connection (everywhere but a coder's PostgreSQL role,
    which the database keeps out of gold: its changes mark gold stale instead)."""
    return not identity.enforced(conn) or is_lead(conn, actor)
