"""What a PostgreSQL role may write, enforced by the database: table privileges say which tables a
coder's role writes at all, and row-level security which rows (their own annotations, their own
lease, their own row of `coder`, events that name them). A lead's role writes everything; the
project's owner (who ran `init`) is not held to the policies, as PostgreSQL never holds an owner.

Two functions answer the policies' one question each, `annotator_is_lead()` and
`annotator_coder_pk()`: they read `coder` as its owner (SECURITY DEFINER), so a policy on `coder`
does not recurse into itself and no role can answer them for itself."""

from __future__ import annotations

from sqlalchemy import Connection, text

# Tables a coder's role writes, row by row under the policies below.
OWN_ANNOTATION = ("annotation", "annotation_span", "annotation_stance", "suggestion_decision", "stance_decision")
CODER_WRITES = {
    **{name: "INSERT, UPDATE, DELETE" for name in OWN_ANNOTATION[1:]},
    # an annotation never moves to another document or coder (its spans were checked against its text)
    "annotation": "INSERT, DELETE, UPDATE (status, seconds, suggestions_shown, updated_at, entity_model, stance_model)",
    "document_lease": "INSERT, UPDATE, DELETE",
    "event": "INSERT",
    "gold_stale": "INSERT",  # a saved change marks the document's derived gold for a lead to derive again
    "coder": "UPDATE (last_document_pk, finished_through_pk, finished_through_position)",  # where they are
}
HIDDEN_FROM_CODERS = ("coder_token",)
# Written by triggers alone, as the owner: no role writes a count by hand, a lead's neither.
COUNTED_BY_TRIGGERS = ("tally",)

# search_path names the project's schema and pg_temp last, and `coder` is qualified: a caller's
# temporary table named coder would otherwise be read first, and answer the question for them.
# A lead is a lead's row and the owner's grant of a lead's rights (a coder never holds INSERT on
# gold): a lead who is not the owner cannot make another lead by a row alone.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION annotator_is_lead() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS
$$ SELECT EXISTS (SELECT 1 FROM {schema}.coder WHERE name = session_user AND role = 'lead')
   AND pg_catalog.has_table_privilege(session_user, '{schema}.gold', 'INSERT') $$;
CREATE OR REPLACE FUNCTION annotator_coder_pk() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS
$$ SELECT pk FROM {schema}.coder WHERE name = session_user $$;
"""

_MINE = "annotator_coder_pk()"
_LEAD = "annotator_is_lead()"
_OF_MY_ANNOTATION = f"EXISTS (SELECT 1 FROM annotation a WHERE a.pk = annotation_pk AND a.coder_pk = {_MINE})"
# A coder's span lies inside its document's text, in order (PostgreSQL's length() counts characters,
# as the tool's offsets do): a span written by hand in SQL cannot reach gold out of the text.
_IN_TEXT = ('start >= 0 AND "end" > start AND "end" <= (SELECT length(d.text) FROM annotation a JOIN document d '
            "ON d.pk = a.document_pk WHERE a.pk = annotation_pk)")
_I_ANNOTATED = f"EXISTS (SELECT 1 FROM annotation a WHERE a.document_pk = gold_stale.document_pk AND a.coder_pk = {_MINE})"
# A lease: one of the coder's own assigned documents, for at most the screen's lease and a margin.
_MY_LEASE = (f"coder_pk = {_MINE} AND until <= now() + interval '1 hour' AND EXISTS (SELECT 1 FROM assignment s "
             f"WHERE s.document_pk = document_lease.document_pk AND s.coder_pk = {_MINE})")
# (table, command, USING, WITH CHECK): what a role that is not the owner may see and write.
POLICIES: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("annotation", "ALL", f"{_LEAD} OR coder_pk = {_MINE}", f"{_LEAD} OR (coder_pk = {_MINE} AND seconds >= 0 AND seconds < 1e9)"),
    ("annotation_span", "ALL", f"{_LEAD} OR {_OF_MY_ANNOTATION}", f"{_LEAD} OR ({_OF_MY_ANNOTATION} AND {_IN_TEXT})"),
    *((name, "ALL", f"{_LEAD} OR {_OF_MY_ANNOTATION}", f"{_LEAD} OR {_OF_MY_ANNOTATION}")
      for name in OWN_ANNOTATION[2:]),
    ("document_lease", "ALL", f"{_LEAD} OR coder_pk = {_MINE} OR until <= now()", f"{_LEAD} OR ({_MY_LEASE})"),
    ("coder", "ALL", f"{_LEAD} OR name = session_user",
     f"{_LEAD} OR (name = session_user AND role = 'coder')"),
    ("event", "INSERT", None, f"actor = session_user AND ({_LEAD} OR ((coder_pk IS NULL OR coder_pk = {_MINE}) AND "
                              f"(annotation_pk IS NULL OR EXISTS (SELECT 1 FROM annotation a WHERE a.pk = annotation_pk "
                              f"AND a.coder_pk = {_MINE}))))"),
    ("event", "UPDATE", _LEAD, _LEAD),
    ("event", "DELETE", _LEAD, None),
    ("gold_stale", "INSERT", None, f"{_LEAD} OR {_I_ANNOTATED}"),
    ("gold_stale", "UPDATE", _LEAD, _LEAD),
    ("gold_stale", "DELETE", _LEAD, None),
)
# Everyone reads every row (a coder's screen shows the codebook, documents and suggestions); the
# tables not listed above are written by a lead alone.
LEAD_ONLY = ("codebook", "document", "suggestion", "gold", "gold_adjudication", "gold_span", "gold_stance",
             "assignment", "coder_token", "suggest_progress", "suggest_claim", "model_version", "model_in_use")


def install(conn: Connection) -> None:
    """Turn on the policies (idempotent: a migration and a test may both run it)."""
    schema = '"' + conn.scalar(text("SELECT current_schema()")).replace('"', '""') + '"'
    conn.exec_driver_sql(FUNCTIONS.format(schema=schema))
    for name in {p[0] for p in POLICIES} | set(LEAD_ONLY):
        conn.exec_driver_sql(f'ALTER TABLE "{name}" ENABLE ROW LEVEL SECURITY')
        conn.exec_driver_sql(f'DROP POLICY IF EXISTS annotator_read ON "{name}"')
        conn.exec_driver_sql(f'CREATE POLICY annotator_read ON "{name}" FOR SELECT USING (true)')
    for name in LEAD_ONLY:
        conn.exec_driver_sql(f'DROP POLICY IF EXISTS annotator_lead ON "{name}"')
        conn.exec_driver_sql(f'CREATE POLICY annotator_lead ON "{name}" FOR ALL USING ({_LEAD}) WITH CHECK ({_LEAD})')
    # A link names the lead who made it, truly: demoting them revokes what they made.
    conn.exec_driver_sql('DROP POLICY IF EXISTS annotator_token_maker ON "coder_token"')
    conn.exec_driver_sql('CREATE POLICY annotator_token_maker ON "coder_token" AS RESTRICTIVE FOR INSERT '
                         "WITH CHECK (made_by = session_user)")
    for number, (name, command, using, check) in enumerate(POLICIES):
        policy = f"annotator_{number}"
        conn.exec_driver_sql(f'DROP POLICY IF EXISTS {policy} ON "{name}"')
        conn.exec_driver_sql(f'CREATE POLICY {policy} ON "{name}" FOR {command}'
                             + (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else ""))


def uninstall(conn: Connection) -> None:
    """Back to no policies (a downgrade by hand)."""
    for name in {p[0] for p in POLICIES} | set(LEAD_ONLY):
        for policy in ["annotator_read", "annotator_lead", "annotator_token_maker",
                       *(f"annotator_{n}" for n in range(len(POLICIES)))]:
            conn.exec_driver_sql(f'DROP POLICY IF EXISTS {policy} ON "{name}"')
        conn.exec_driver_sql(f'ALTER TABLE "{name}" DISABLE ROW LEVEL SECURITY')
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS annotator_is_lead(); DROP FUNCTION IF EXISTS annotator_coder_pk()")


def grant_again(conn: Connection) -> None:
    """Give every coder's existing role its project role's rights again (a migration that adds a
    table, or changes what a role may do): grants are table by table, so older roles lack new ones.
    The owner and superusers hold everything already."""
    for name, role in conn.execute(text("SELECT name, role FROM coder")).all():
        if role_exists(conn, name) and not _owner_or_superuser(conn, name):
            grant(conn, name, role, create=False)


def _owner_or_superuser(conn: Connection, name: str) -> bool:
    return bool(conn.scalar(text(
        "SELECT r.rolsuper OR pg_catalog.pg_get_userbyid(c.relowner) = r.rolname FROM pg_catalog.pg_roles r, "
        "pg_catalog.pg_class c WHERE r.rolname = :n AND c.oid = pg_catalog.to_regclass('document')"), {"n": name}))


def quoted_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def role_exists(conn: Connection, name: str) -> bool:
    return conn.scalar(text("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :n"), {"n": name}) is not None


def may_create_roles(conn: Connection) -> bool:
    return bool(conn.scalar(text("SELECT rolcreaterole OR rolsuper FROM pg_catalog.pg_roles "
                                 "WHERE rolname = session_user")))


def _tables(conn: Connection) -> list[str]:
    return list(conn.scalars(text("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                                  "ORDER BY tablename")))


def grant(conn: Connection, name: str, role: str, create: bool) -> list[str]:
    """Give the database role `name` what the project role `role` needs (creating it, without a
    password, when `create`), after taking back what it had; returns the statements it ran."""
    who = '"' + name.replace('"', '""') + '"'
    done: list[str] = []

    def run(statement: str) -> None:
        conn.exec_driver_sql(statement)
        done.append(statement)

    if create:
        run(f"CREATE ROLE {who} LOGIN")
    tables = [t for t in _tables(conn) if t != "alembic_version"]
    quoted = ", ".join(f'"{t}"' for t in tables)
    conn.exec_driver_sql(f"REVOKE ALL ON {quoted} FROM {who}")  # a demoted lead keeps nothing
    run(f"GRANT CONNECT ON DATABASE \"{conn.scalar(text('SELECT current_database()'))}\" TO {who}")
    run(f"GRANT USAGE ON SCHEMA \"{conn.scalar(text('SELECT current_schema()'))}\" TO {who}")
    run('GRANT SELECT ON "alembic_version" TO ' + who)  # opening a project checks its schema's revision
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \"{conn.scalar(text('SELECT current_schema()'))}\" TO {who}")
    if role == "lead":  # no grant option: only the owner grants, so taking a role back takes it all
        run(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(f'{chr(34)}{t}{chr(34)}' for t in tables if t not in ('coder_token', 'coder', *COUNTED_BY_TRIGGERS))} "
            f"TO {who}")
        for counted in (t for t in COUNTED_BY_TRIGGERS if t in tables):  # (not yet there before migration 0019)
            run(f"GRANT SELECT ON {quoted_name(counted)} TO {who}")
        # a coder's name is their database role: never renamed, so a role taken back is found by it
        run(f'GRANT SELECT, INSERT, DELETE, UPDATE (role, last_document_pk, finished_through_pk, '
            f'finished_through_position) ON "coder" TO {who}')
        if "coder_token" in tables:  # a link is revoked, never rewritten: its maker and hash stay as made
            run(f'GRANT SELECT, INSERT, DELETE, UPDATE (revoked_at) ON "coder_token" TO {who}')
        return done
    readable = ", ".join(f'"{t}"' for t in tables if t not in HIDDEN_FROM_CODERS)
    run(f"GRANT SELECT ON {readable} TO {who}")
    for table, rights in CODER_WRITES.items():
        if table in tables:
            run(f'GRANT {rights} ON "{table}" TO {who}')
    return done
