"""Coders, roles and assignment (`annotator coder`, `annotator assign`)."""

from __future__ import annotations as _postponed  # the name `annotations` is the store module

from dataclasses import dataclass

from annotator.domain.assignment import choose_blind, plan
from annotator.domain.display import look_alike, name_problem
from annotator.domain.errors import InputError
from annotator.domain.vocabulary import ROLES
from annotator.services.access_rules import require_lead
from annotator.store import annotations, assignments, documents, events, identity, progress, roles, tokens
from annotator.store.assignments import CoderRow
from annotator.store.engine import Connection, Engine


def add_coder(engine: Engine, name: str, role: str | None = None, actor: str | None = None) -> str:
    """Add a coder, or change an existing coder's role; says which it did (a lead's change, once
    the project has a lead). No role: a new coder is a coder, an existing one keeps their role."""
    name = name.strip()
    problem = name_problem(name)
    if problem:
        raise InputError(problem)
    if role is not None and role not in ROLES:
        raise InputError(f"role {role!r} is not one of: {', '.join(ROLES)}")
    with engine.begin() as conn:
        require_lead(conn, actor, "adding a coder or changing a role")
        was = assignments.role_of(conn, name)
        if was is None and (other := look_alike(name, assignments.coder_names(conn))):
            raise InputError(f"{name!r} looks like the coder {other!r} (they differ only in case, width or Unicode "
                             f"form, which a screen does not show): use {other!r}, or a name of its own")
        if role is None and was == "lead" and identity.is_owner(conn):  # the owner's grant makes a lead: said
            raise InputError(f"{name} is a lead in the project's rows; say which rights the database role {name} gets: "
                             f"`annotator coder add {name} --role lead` or `--role coder`")
        role = role or was or "coder"
        if was is None:
            annotations.coder_pk(conn, name, role, actor)
            said = f"Added {name} ({role})."
        elif was == role:
            said = f"{name} is already a coder ({role}); nothing changed."
        else:
            assignments.set_role(conn, name, role)
            events.add(conn, "coder_role", before={"name": name, "role": was}, after={"name": name, "role": role},
                       actor=actor)
            said = f"{name} is now {role} (was {was})."
        if role == "coder":  # links made as a lead end with the role (also a role taken back by hand)
            revoked = tokens.revoke_made_by(conn, name)
            if revoked:
                said += f" The {revoked} coder link(s) {name} made are revoked: a lead makes new ones."
        if identity.enforced(conn):
            said += "\n" + _database_role(conn, name, role)
        return said


RESERVED_ROLES = frozenset({"public", "none", "current_user", "session_user", "current_role", "system_user"})


def _database_role(conn: Connection, name: str, role: str) -> str:
    """On PostgreSQL the coder is the database role of that name: create or map it and grant it
    what its project role needs (what it had before is taken back first)."""
    if name.lower() in RESERVED_ROLES or name.startswith("pg_"):
        raise InputError(f"{name!r} is a name PostgreSQL keeps for itself (public, none, current_user, session_user, "
                         "current_role, and every pg_ name): give the coder another name")
    if len(name.encode()) > 63:  # PostgreSQL would cut it to 63 bytes: another role, or none that logs in
        raise InputError(f"{name!r} is longer than the 63 bytes a PostgreSQL role name may have; give a shorter name")
    held = identity.standing(conn, name) if roles.role_exists(conn, name) else None
    if held == "owner":
        return f"The database role {name} owns the project: the database holds it to nothing; no GRANT made."
    if held == "superuser":  # it would code past every rule the database keeps
        raise InputError(f"{name} is a superuser role on the database server, which the database holds to nothing "
                         "(row-level security included), so it is refused as a coder; give the person a role of "
                         "their own (`annotator coder add NAME` creates it)")
    if not identity.is_owner(conn):  # only the owner grants: a role taken back is then taken back whole
        return (f"The database role {name} gets its rights from the project's owner, who runs "
                f"`annotator coder add {name}{'' if role == 'coder' else ' --role ' + role}` (no GRANT made).")
    create = not roles.role_exists(conn, name)
    if create and not roles.may_create_roles(conn):
        raise InputError(f"there is no database role {name!r} and {identity.acting(conn)} may not create roles: ask "
                         f"the server's administrator to run CREATE ROLE {roles.quoted_name(name)} LOGIN, then run this again")
    statements = roles.grant(conn, name, role, create)
    head = (f"Created the database role {name} (LOGIN, no password: set one with ALTER ROLE {roles.quoted_name(name)} PASSWORD "
            "'...', or let the server trust their login)." if create else f"Mapped to the database role {name}.")
    return "\n".join([head, "GRANTs made:", *(f"  {s};" for s in statements if not s.startswith("CREATE ROLE"))])


def list_coders(engine: Engine) -> list[CoderRow]:
    with engine.connect() as conn:
        return assignments.coders(conn)


def role(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        return assignments.role_of(conn, name)


@dataclass(frozen=True)
class AssignReport:
    documents: int
    per_coder: dict[str, tuple[int, int]]  # coder -> (documents, of which overlap)
    kept: int  # (document, coder) pairs kept because the coder had already worked on them
    rows: int
    blind: int | None = None  # documents shown without suggestions now (None: --blind not given)


def assign(engine: Engine, coders: list[str], *, overlap: float | None = None, per_doc: int | None = None,
           seed: int = 0, blind: float | None = None, actor: str | None = None) -> AssignReport:
    """Replace the assignment with a new plan; documents a coder already worked on stay theirs.
    Every coder must be known already (`coder add`): a misspelt name would otherwise become a coder
    who is dealt documents. With `blind`, that share of the documents is shown without suggestions
    (documents someone already worked on keep how they were shown)."""
    if not -2**63 <= seed < 2**64:  # the event that records it holds 64-bit integers at most
        raise InputError(f"--seed {seed}: give a whole number of at most 64 bits ({-2**63} to {2**64 - 1})")
    if overlap is None and per_doc is None:
        overlap = 0.0
    for name in coders:  # a name no coder could have is said as such, not as an unknown coder
        problem = name_problem(name)
        if problem:
            raise InputError(problem)
    with engine.begin() as conn:
        require_lead(conn, actor, "assigning documents")
        known = assignments.pks_by_name(conn, coders)
        unknown = list(dict.fromkeys(name for name in coders if name not in known))
        if unknown:
            raise InputError(f"--coders names {len(unknown)} coder(s) the project does not know: "
                             f"{', '.join(unknown[:10])}{f' and {len(unknown) - 10} more' if len(unknown) > 10 else ''}; "
                             "`annotator coder add NAME` adds one (`annotator coder list` shows who is known)")
        order = documents.all_pks(conn)
        if not order:
            raise InputError("the project has no documents to assign; import some with `annotator import`")
        chosen = choose_blind(order, blind, seed) if blind is not None else None
        worked = assignments.worked_on(conn)
        planned = plan(order, coders, overlap=overlap, per_doc=per_doc, seed=seed, kept=worked)
        pks = assignments.pks_by_name(conn, list(planned.queues))  # with coders who keep work they did
        queues = {pks[name]: queue for name, queue in planned.queues.items()}
        rows = assignments.replace(conn, queues)
        progress.reset_positions(conn)  # queues renumbered: the coders' position marks start again
        blind_now = None
        if chosen is not None:
            blind_now = documents.set_blind(conn, chosen)
        events.add(conn, "assign", after={"coders": coders, "overlap": overlap, "per_doc": per_doc,
                                          "seed": seed, "rows": rows, "kept": planned.kept, "blind": blind_now})
    return AssignReport(len(order), {name: (len(q), sum(a.overlap for a in q))
                                     for name, q in sorted(planned.queues.items())}, planned.kept, rows, blind_now)
