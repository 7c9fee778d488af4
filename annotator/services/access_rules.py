"""Who may change what: coders write their own annotations (the coding screen writes only its
coder's); assignments, gold, coders, tokens and the codebook are the lead's.

A project starts with no lead, and then anyone may do everything (one person alone on a laptop);
once someone is made lead (`annotator coder add NAME --role lead`), those changes need a lead. The
acting person is named by the caller: the command line passes ANNOTATOR_USER, else the login name.
"""

from __future__ import annotations

from annotator.domain.errors import InputError
from annotator.store import assignments
from annotator.store.engine import Connection


def require_lead(conn: Connection, actor: str | None, doing: str) -> None:
    """Refuse `doing` unless the project has no lead yet or `actor` is one."""
    if not assignments.has_lead(conn):
        return
    role = assignments.role_of(conn, actor) if actor else None
    if role != "lead":
        who = f"{actor} is {'not a coder here' if role is None else 'a ' + role}" if actor else "nobody is named"
        raise InputError(f"{doing} needs the lead role and {who}; a lead does it, or makes them lead with "
                         f"`annotator coder add {actor or 'NAME'} --role lead` (the acting person is ANNOTATOR_USER, "
                         "else the login name)")
