"""Identity and roles: who may write what. On PostgreSQL the database enforces it (a coder's role,
in plain SQL, can write nothing but its own annotations); on a SQLite file the same rules guard
against mistakes; imports follow them; every event names its actor."""

from __future__ import annotations

import json

import pytest
from conftest import ServerDatabase, as_role, execute, rows, write_jsonl
from test_agree_cli import _records

from annotator.domain import coding as edits
from annotator.domain.errors import InputError
from annotator.services.coding import CodingSession
from annotator.services.gold import ReviewSession
from annotator.services.project import open_project


@pytest.fixture
def team(cli, project, tmp_path, act_as):
    """Three coders' work on six documents (alice, bob, carol), gold derived by the lead, lee."""
    for name in ("alice", "bob", "carol"):
        assert cli("coder", "add", name).code == 0
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    act_as("lee")
    assert cli("import", str(write_jsonl(tmp_path / "coders.jsonl", _records()))).code == 0
    assert cli("gold").code == 0
    return project


def _pk(db, table_sql: str, *args) -> int:
    ((pk,),) = rows(db, table_sql, *args)
    return pk


def test_a_coders_role_can_write_nothing_but_their_own_annotations_in_plain_sql(team, postgres_only):
    import psycopg
    from psycopg import errors

    db = team
    bob_annotation = _pk(db, "SELECT a.pk FROM annotation a JOIN coder c ON c.pk = a.coder_pk "
                             "JOIN document d ON d.pk = a.document_pk WHERE c.name = 'bob' AND d.id = 'd1'")
    bob, lee = _pk(db, "SELECT pk FROM coder WHERE name = 'bob'"), _pk(db, "SELECT pk FROM coder WHERE name = 'lee'")
    d1 = _pk(db, "SELECT pk FROM document WHERE id = 'd1'")
    gold_pk = _pk(db, "SELECT pk FROM gold WHERE document_pk = ?", d1)
    before = {table: rows(db, f'SELECT * FROM "{table}" ORDER BY 1') for table in
              ("annotation", "annotation_span", "annotation_stance", "coder", "gold", "gold_span", "gold_stance",
               "assignment", "codebook", "event", "document", "suggestion", "coder_token")}
    refused = [  # each raises: no privilege, or a row the policy does not allow
        f"INSERT INTO annotation (document_pk, coder_pk, status, seconds, created_at, updated_at, suggestions_shown) "
        f"VALUES ({d1}, {lee}, 'done', 0, now(), now(), false)",
        f"UPDATE annotation SET coder_pk = {bob} WHERE coder_pk = (SELECT pk FROM coder WHERE name = 'alice')",
        f"INSERT INTO annotation_stance (annotation_pk, target, label, origin) VALUES ({bob_annotation}, 'Nato', "
        "'FAVOR', 'typed')",
        "UPDATE coder SET role = 'lead' WHERE name = 'alice'",
        "INSERT INTO coder (name, role, created_at) VALUES ('mallory', 'lead', now())",
        f"INSERT INTO gold_stance (gold_pk, target, label, how) VALUES ({gold_pk}, 'Nato', 'FAVOR', 'unanimous')",
        f"UPDATE gold_stance SET label = 'FAVOR' WHERE gold_pk = {gold_pk}",
        f"DELETE FROM gold WHERE pk = {gold_pk}",
        f"INSERT INTO assignment (document_pk, coder_pk, position, overlap, created_at) VALUES ({d1}, {bob}, 1, "
        "false, now())",
        "DELETE FROM assignment",
        "UPDATE codebook SET name = 'forged'",
        "INSERT INTO event (at, kind, before, after, actor) VALUES (now(), 'gold_derive', '{}', '{}', 'lee')",
        "UPDATE event SET actor = 'bob'",
        "DELETE FROM event",
        "SELECT * FROM coder_token",
        "INSERT INTO document (id, title, text, meta, text_hash, created_at, shuffle, seq) VALUES "
        "('x', 'x', 'x', '{}', 'x', now(), 0, 999)",
        "UPDATE document SET text = 'forged'",
        "ALTER TABLE annotation DISABLE ROW LEVEL SECURITY",
        "SET ROLE lee",
        # what a coder's role was once let write beyond its own work
        f"INSERT INTO suggestion (document_pk, model, version, spans, stances, created_at) VALUES ({d1}, "
        "'en_core_web_sm', '9.9', '[]', '[]', now())",
        "UPDATE document SET certainty = -1000",
        "UPDATE document SET token_count = 0",
        "INSERT INTO gold_stale (document_pk) SELECT pk FROM document WHERE id = 'd1' AND false = true "
        "UNION SELECT 999999",
        f"INSERT INTO document_lease (document_pk, coder_pk, until) VALUES ({d1}, "
        "(SELECT pk FROM coder WHERE name = 'alice'), 'infinity')",
        f"INSERT INTO event (at, kind, before, after, actor, coder_pk) VALUES (now(), 'x', '{{}}', '{{}}', 'alice', {bob})",
        f"INSERT INTO event (at, kind, before, after, actor, annotation_pk) VALUES (now(), 'x', '{{}}', '{{}}', "
        f"'alice', {bob_annotation})",
        "INSERT INTO coder (name, role, created_at) VALUES ('alice2', 'coder', now())",
    ]
    hidden = [  # the policy hides the rows: nothing is touched
        f"UPDATE annotation SET status = 'skipped' WHERE pk = {bob_annotation}",
        f"DELETE FROM annotation WHERE pk = {bob_annotation}",
        f"DELETE FROM annotation_span WHERE annotation_pk = {bob_annotation}",
        "UPDATE coder SET last_document_pk = NULL WHERE name = 'bob'",
    ]
    with psycopg.connect(as_role(db, "alice").replace("+psycopg", ""), autocommit=True) as alice:
        for sql in refused:
            try:
                alice.execute(sql)
            except errors.InsufficientPrivilege:
                continue
            pytest.fail(f"allowed: {sql}")
        for sql in hidden:
            assert alice.execute(sql).rowcount == 0, sql
    with psycopg.connect(as_role(db, "alice").replace("+psycopg", ""), autocommit=True) as alice:
        # A temporary table named coder, read first unless the policies' functions say where coder is
        alice.execute("CREATE TEMP TABLE coder (pk int, name text, role text)")
        alice.execute(f"INSERT INTO pg_temp.coder VALUES ({bob}, 'alice', 'lead')")
        assert alice.execute("SELECT annotator_is_lead(), annotator_coder_pk() = %s", (bob,)).fetchone() \
            == (False, False)
        with pytest.raises(errors.InsufficientPrivilege):
            alice.execute(f"INSERT INTO annotation_stance (annotation_pk, target, label, origin) VALUES "
                          f"({bob_annotation}, 'Nato', 'AGAINST', 'typed')")
    after = {table: rows(db, f'SELECT * FROM "{table}" ORDER BY 1') for table in before}
    assert after == before


def test_a_coders_own_saves_pass_and_mark_gold_for_the_lead_to_derive_again(team, postgres_only):
    db = team
    alice = CodingSession(open_project(as_role(db, "alice")), "alice")
    doc = alice.open(_pk(db, "SELECT pk FROM document WHERE id = 'd1'"))
    assert alice.apply(doc, "stance.set", lambda a: edits.set_stance(a, "Ukraine", "NONE", None))
    assert rows(db, "SELECT count(*) FROM gold_stale") == [(1,)]
    assert rows(db, "SELECT e.actor FROM event e ORDER BY e.pk DESC LIMIT 1") == [("alice",)]
    ReviewSession(open_project(as_role(db, "lee")), "lee")  # a lead's review derives it first
    assert rows(db, "SELECT count(*) FROM gold_stale") == [(0,)]


def test_a_leads_export_derives_again_what_a_coders_save_made_stale(cli, team, act_as, tmp_path, postgres_only):
    db = team
    alice = CodingSession(open_project(as_role(db, "alice")), "alice")
    doc = alice.open(_pk(db, "SELECT pk FROM document WHERE id = 'd1'"))
    assert alice.apply(doc, "stance.set", lambda a: edits.set_stance(a, "Ukraine", "NONE", None))
    assert rows(db, "SELECT count(*) FROM gold_stale") == [(1,)]
    act_as("lee")
    assert cli("export", "--out", str(tmp_path / "gold.jsonl")).code == 0
    assert rows(db, "SELECT count(*) FROM gold_stale") == [(0,)]  # derived before the export read it


def test_on_postgresql_the_identity_is_the_database_role_whatever_annotator_user_says(cli, team, act_as,
                                                                                       monkeypatch, postgres_only):
    act_as("alice")
    monkeypatch.setenv("ANNOTATOR_USER", "lee")
    for args, doing in ((["gold"], "deriving gold"), (["coder", "add", "alice", "--role", "lead"],
                                                       "adding a coder or changing a role")):
        result = cli(*args)
        assert result.code == 1 and f"{doing} needs the lead role and alice is a coder" in result.err, result.err
        assert "the database role you connected as" in result.err
    assert rows(team, "SELECT role FROM coder WHERE name = 'alice'") == [("coder",)]


def test_coder_add_creates_the_database_role_and_says_what_it_granted(cli, project, postgres_only):
    said = cli("coder", "add", "dana_x7").out
    assert "Created the database role dana_x7" in said or "Mapped to the database role dana_x7" in said
    assert 'GRANT INSERT, UPDATE, DELETE ON "annotation_span" TO "dana_x7"' in said
    assert "WITH GRANT OPTION" not in said
    lead = cli("coder", "add", "dana_x7", "--role", "lead").out
    assert "Mapped to the database role dana_x7" in lead and "WITH GRANT OPTION" not in lead
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON "alembic_version"' not in lead


def test_coding_or_reviewing_as_someone_else_needs_the_lead_role(cli, team, act_as):
    act_as("alice")
    engine = open_project(str(team) if isinstance(team, ServerDatabase) else str(team))
    if isinstance(team, ServerDatabase):
        engine = open_project(as_role(team, "alice"))
    with pytest.raises(InputError, match="coding as bob needs the lead role and alice is a coder"):
        CodingSession.for_coder(engine, "bob")
    assert CodingSession.for_coder(engine, None).coder == "alice"  # oneself: no --coder needed
    refused = cli("review", "--coder", "lee")
    assert refused.code == 1 and "reviewing as lee needs the lead role and alice is a coder" in refused.err
    act_as("lee")
    lead_engine = open_project(as_role(team, "lee")) if isinstance(team, ServerDatabase) else engine
    assert CodingSession.for_coder(lead_engine, "bob").coder == "bob"  # a lead may code for someone


def test_an_import_brings_in_another_coders_work_or_gold_only_for_a_lead(cli, team, act_as, tmp_path):
    act_as("alice")
    text = "Putin met Scholz in Berlin on Tuesday. (forged)"
    forged = write_jsonl(tmp_path / "forged.jsonl", [
        {"id": "f1", "text": "Putin met Scholz in Berlin on Monday. (1)", "coder": "alice", "stance": {}},
        {"id": "f2", "text": text, "coder": "bob", "stance": {"Russia": "FAVOR"}}])
    before = rows(team, "SELECT count(*) FROM annotation")
    result = cli("import", str(forged))
    assert result.code == 1 and f"{forged}:2: the record is bob's work" in result.err and "lead role" in result.err
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "g1", "text": text, "stance": {"Russia": "FAVOR"},
                                                  "annotators": ["bob"], "adjudication": "adjudicated"}])
    result = cli("import", str(gold))
    assert result.code == 1 and f"{gold}:1: importing gold needs the lead role and alice is a coder" in result.err
    assert rows(team, "SELECT count(*) FROM annotation") == before
    assert rows(team, "SELECT count(*) FROM document WHERE id IN ('f1', 'f2', 'g1')") == [(0,)]
    act_as("lee")
    assert cli("import", str(forged)).code == 0  # the lead's to bring in


def test_a_coders_role_importing_documents_on_postgresql_is_told_it_is_a_leads(cli, team, act_as, tmp_path,
                                                                              postgres_only):
    """The database refuses the write ("permission denied for table document"); the message says whose it is."""
    act_as("alice")
    result = cli("import", str(write_jsonl(tmp_path / "docs.jsonl", [{"id": "n1", "text": "A new article."}])))
    assert result.code == 1 and "writing the project's document rows is a lead's" in result.err, result.err
    assert rows(team, "SELECT count(*) FROM document WHERE id = 'n1'") == [(0,)]


def test_an_unknown_coder_is_added_only_with_create_coders_and_listed(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "work.jsonl", [
        {"id": "w1", "text": "Putin met Scholz in Berlin.", "coder": "zoe", "stance": {}},
        {"id": "w2", "text": "Scholz met Putin in Moscow.", "coder": "yan", "stance": {}}])
    refused = cli("import", str(path))
    assert refused.code == 1 and f"zoe ({path}:1), yan ({path}:2)" in refused.err and "--create-coders" in refused.err
    assert rows(project, "SELECT count(*) FROM document") == [(0,)]
    added = cli("import", str(path), "--create-coders")
    assert added.code == 0 and "Added 2 coder(s) the file named: zoe, yan" in added.out
    assert rows(project, "SELECT name FROM coder ORDER BY name") == [("yan",), ("zoe",)]


def test_each_coder_added_leaves_one_event_naming_them_their_role_and_who_added_them(cli, team, act_as, tmp_path):
    act_as("lee")
    assert cli("coder", "add", "mallory", "--role", "lead").code == 0
    assert cli("coder", "add", "mallory", "--role", "lead").code == 0  # already there: no second event
    path = write_jsonl(tmp_path / "work.jsonl", [
        {"id": "w1", "text": "Putin met Scholz in Berlin.", "coder": "zoe", "stance": {}},
        {"id": "w2", "text": "Scholz met Putin in Moscow.", "coder": "yan", "stance": {}}])
    assert cli("import", str(path), "--create-coders").code == 0
    added = [(actor, after if isinstance(after, dict) else json.loads(after))
             for actor, after in rows(team, "SELECT actor, after FROM event WHERE kind = 'coder_add' ORDER BY pk")]
    assert added[-3:] == [("lee", {"name": "mallory", "role": "lead"}), ("lee", {"name": "zoe", "role": "coder"}),
                          ("lee", {"name": "yan", "role": "coder"})]
    assert sorted(after["name"] for _, after in added) == sorted(name for name, in rows(team, "SELECT name FROM coder"))


def test_every_event_names_its_actor(cli, team, act_as):
    act_as("lee")
    assert cli("assign", "--coders", "alice,bob").code == 0
    actors = rows(team, "SELECT kind, actor FROM event WHERE kind IN ('gold_derive', 'assign') ORDER BY pk")
    assert actors and all(actor == "lee" for _, actor in actors), actors
    assert rows(team, "SELECT count(*) FROM event WHERE actor IS NULL") == [(0,)]


def test_an_upgrade_takes_back_what_the_old_readme_granted_a_coders_role(cli, team, postgres_only):
    """Before 0017 the README granted a coder's role every table; the upgrade leaves it a coder's rights."""
    import psycopg
    from psycopg import errors

    from annotator.store.engine import make_engine
    from annotator.store.migrate import downgrade, upgrade

    engine = make_engine(str(team))
    downgrade(engine, "0016")
    with psycopg.connect(str(team).replace("+psycopg", ""), autocommit=True) as owner:
        owner.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO alice")
    upgrade(engine)
    engine.dispose()
    with psycopg.connect(as_role(team, "alice").replace("+psycopg", ""), autocommit=True) as alice:
        with pytest.raises(errors.InsufficientPrivilege):
            alice.execute("UPDATE coder SET role = 'lead' WHERE name = 'alice'")
        with pytest.raises(errors.InsufficientPrivilege):
            alice.execute("DELETE FROM gold")
    assert rows(team, "SELECT role FROM coder WHERE name = 'alice'") == [("coder",)]


def test_coder_add_refuses_the_names_postgresql_keeps(cli, project, postgres_only):
    for name in ("public", "pg_monitor", "CURRENT_USER"):
        result = cli("coder", "add", name)
        assert result.code == 1 and "a name PostgreSQL keeps for itself" in result.err, result.err
        assert "Traceback" not in result.err
    assert rows(project, "SELECT count(*) FROM coder") == [(0,)]


def test_once_there_is_a_lead_nobody_else_adds_themselves(cli, team, act_as, tmp_path):
    act_as("newbie")  # their own work, and themselves as a new coder
    path = write_jsonl(tmp_path / "me.jsonl", [{"id": "n1", "text": "Scholz met Putin.", "coder": "newbie"}])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and "adding coders (newbie) needs the lead role and newbie is not a coder" in result.err
    act_as("alice")
    engine = open_project(as_role(team, "alice")) if isinstance(team, ServerDatabase) else open_project(str(team))
    act_as("stranger")
    if isinstance(team, ServerDatabase):
        engine = open_project(as_role(team, "stranger"))
    with pytest.raises(InputError, match="stranger is not a coder of this project; a lead adds them"):
        CodingSession.for_coder(engine, None)
    assert rows(team, "SELECT count(*) FROM coder WHERE name IN ('newbie', 'stranger')") == [(0,)]


def test_no_output_replaces_the_project_or_its_wal(cli, team, act_as, sqlite_only, tmp_path):
    act_as("lee")
    for args in (["export", "--out", str(team), "--force"], ["export", "--out", f"{team}-wal", "--force"],
                 ["backup", f"{team}-wal", "--force"], ["backup", f"{team}-shm", "--force"]):
        result = cli(*args)
        assert result.code == 1 and "would destroy coders' work" in result.err, (args, result.err)
    assert cli("status").code == 0 and rows(team, "SELECT count(*) FROM annotation") == [(18,)]


def test_a_lead_taken_back_to_coder_keeps_no_lead_rights_and_only_the_owner_grants(cli, team, act_as, monkeypatch,
                                                                                      postgres_only):
    import psycopg
    from psycopg import errors

    act_as("lee")  # a lead who is not the owner: the coder is added, the owner grants the role
    said = cli("coder", "add", "carl_q2")
    assert said.code == 0 and "gets its rights from the project's owner" in said.out and "GRANTs made" not in said.out
    monkeypatch.setenv("ANNOTATOR_DB", str(team))  # the owner (the test cluster's superuser)
    assert cli("coder", "add", "lee", "--role", "coder").code == 0  # demoted, by the owner: no traceback, nothing left over
    with psycopg.connect(as_role(team, "lee").replace("+psycopg", ""), autocommit=True) as lee:
        for sql in ("SELECT * FROM coder_token", "DELETE FROM gold", "GRANT SELECT ON coder_token TO alice"):
            with pytest.raises((errors.InsufficientPrivilege, errors.InvalidGrantOperation)):
                lee.execute(sql)
    too_long = "b" * 64
    result = cli("coder", "add", too_long)
    assert result.code == 1 and "longer than the 63 bytes" in result.err


def test_a_coders_span_written_by_hand_must_lie_in_its_text(team, postgres_only):
    import psycopg
    from psycopg import errors

    mine = _pk(team, "SELECT a.pk FROM annotation a JOIN coder c ON c.pk = a.coder_pk JOIN document d "
                     "ON d.pk = a.document_pk WHERE c.name = 'alice' AND d.id = 'd1'")
    with psycopg.connect(as_role(team, "alice").replace("+psycopg", ""), autocommit=True) as alice:
        for start, end in ((-3, 5), (10, 10), (50, 10), (0, 99_999_999)):
            with pytest.raises(errors.InsufficientPrivilege):
                alice.execute(f'INSERT INTO annotation_span (annotation_pk, start, "end", label, origin, aligned) '
                              f"VALUES ({mine}, {start}, {end}, 'PERSON', 'added', true)")
        with pytest.raises(errors.InsufficientPrivilege):
            alice.execute(f"UPDATE annotation SET seconds = -5 WHERE pk = {mine}")
        alice.execute(f'INSERT INTO annotation_span (annotation_pk, start, "end", label, origin, aligned) '
                      f"VALUES ({mine}, 0, 5, 'PERSON', 'added', true)")  # inside the text: hers to write


def test_a_lead_row_alone_is_no_lead_and_an_annotation_never_moves(cli, team, act_as, postgres_only):
    import psycopg
    from psycopg import errors

    act_as("lee")  # a lead who is not the owner makes alice lead in the project's rows only
    assert cli("coder", "add", "alice", "--role", "lead").code == 0
    bob_annotation = _pk(team, "SELECT a.pk FROM annotation a JOIN coder c ON c.pk = a.coder_pk "
                               "JOIN document d ON d.pk = a.document_pk WHERE c.name = 'bob' AND d.id = 'd1'")
    with psycopg.connect(as_role(team, "alice").replace("+psycopg", ""), autocommit=True) as alice:
        assert alice.execute("SELECT annotator_is_lead()").fetchone() == (False,)
        assert alice.execute(f"UPDATE annotation SET status = 'draft' WHERE pk = {bob_annotation}").rowcount == 0
        with pytest.raises(errors.InsufficientPrivilege):
            alice.execute("UPDATE annotation SET document_pk = document_pk + 1 WHERE coder_pk = annotator_coder_pk()")
        with pytest.raises(errors.InsufficientPrivilege):
            alice.execute("INSERT INTO coder_token (coder_pk, token_hash, created_at, made_by) "
                          "VALUES (annotator_coder_pk(), 'x', now(), 'lee')")
    # a link always names who made it
    with (psycopg.connect(as_role(team, "lee").replace("+psycopg", ""), autocommit=True) as lee,
          pytest.raises(errors.InsufficientPrivilege)):
        lee.execute("INSERT INTO coder_token (coder_pk, token_hash, created_at, made_by) "
                    "VALUES ((SELECT pk FROM coder WHERE name = 'bob'), 'y', now(), 'carol')")


def test_demoting_a_lead_revokes_the_links_they_made(cli, team, act_as):
    from annotator.services.access import coder_for_token

    act_as("lee")
    assert cli("coder", "add", "boss", "--role", "lead").code == 0
    link = cli("coder", "token", "alice").out
    token = link.split("token=")[1].split()[0] if "token=" in link else link.split()[-1]
    engine = open_project(str(team))
    assert coder_for_token(engine, token) == "alice"
    act_as("boss")
    said = cli("coder", "add", "lee", "--role", "coder")
    assert said.code == 0 and "The 1 coder link(s) lee made are revoked" in said.out, said.out + said.err
    assert coder_for_token(engine, token) is None


def test_a_lead_cannot_rewrite_a_link_and_the_owner_says_which_rights_a_lead_row_gets(cli, team, act_as,
                                                                                        monkeypatch, postgres_only):
    import psycopg
    from psycopg import errors

    act_as("lee")
    assert cli("coder", "token", "bob").code == 0
    with psycopg.connect(as_role(team, "lee").replace("+psycopg", ""), autocommit=True) as lee:
        for sql in ("UPDATE coder_token SET made_by = 'postgres'", "UPDATE coder_token SET token_hash = 'x'"):
            with pytest.raises(errors.InsufficientPrivilege):
                lee.execute(sql)
        lee.execute("UPDATE coder SET role = 'coder' WHERE name = 'lee'")  # taken back by hand, links kept?
    monkeypatch.setenv("ANNOTATOR_DB", str(team))  # the owner
    said = cli("coder", "add", "lee", "--role", "coder")
    assert "The 1 coder link(s) lee made are revoked" in said.out, said.out + said.err
    assert rows(team, "SELECT count(*) FROM coder_token WHERE revoked_at IS NULL") == [(0,)]
    assert cli("coder", "add", "carol", "--role", "lead").code == 0
    plain = cli("coder", "add", "carol")
    assert plain.code == 1 and "say which rights the database role carol gets" in plain.err


def test_labels_outside_the_codebook_written_by_hand_never_become_gold(cli, team, act_as, postgres_only):
    import psycopg

    mine = _pk(team, "SELECT a.pk FROM annotation a JOIN coder c ON c.pk = a.coder_pk JOIN document d "
                     "ON d.pk = a.document_pk WHERE c.name = 'alice' AND d.id = 'd2'")
    with psycopg.connect(as_role(team, "alice").replace("+psycopg", ""), autocommit=True) as alice:
        alice.execute(f'INSERT INTO annotation_span (annotation_pk, start, "end", label, origin, aligned) '
                      f"VALUES ({mine}, 0, 5, 'NOT_A_LABEL', 'added', true)")
        alice.execute(f"UPDATE annotation_stance SET label = 'BOGUS' WHERE annotation_pk = {mine}")
    act_as("lee")
    assert cli("gold", "--min-agreement", "1").code == 0
    labels = rows(team, "SELECT label FROM gold_span UNION ALL SELECT label FROM gold_stance")
    assert labels and not {("NOT_A_LABEL",), ("BOGUS",)} & set(labels)


def test_review_shows_no_version_with_labels_outside_the_codebook(team, act_as):
    """A done annotation written around the tool (here straight into the store) with labels the
    codebook lacks: review offers nothing of them to pick."""
    from annotator.domain.coding import Annotation
    from annotator.domain.spans import Span, Stance
    from annotator.store import annotations as stored

    act_as("lee")
    engine = open_project(str(team))
    d3 = _pk(team, "SELECT pk FROM document WHERE id = 'd3'")
    with engine.begin() as conn:
        stored.write(conn, d3, stored.coder_pk(conn, "carol"),
                     Annotation(status="done", spans=(Span(0, 5, "EVIL"),), stances=(Stance("Ukraine", "HATE"),)))
    review = ReviewSession(engine, "lee")
    loaded = review.load(d3)
    assert all("EVIL" not in str(v) and "HATE" not in str(v) for v in loaded.versions.values())


def test_a_lead_cannot_rename_a_coder_row(team, act_as, postgres_only):
    import psycopg
    from psycopg import errors

    act_as("lee")
    with (psycopg.connect(as_role(team, "lee").replace("+psycopg", ""), autocommit=True) as lee,
          pytest.raises(errors.InsufficientPrivilege)):
        lee.execute("UPDATE coder SET name = 'lee2' WHERE name = 'lee'")


def test_gold_says_which_coded_items_it_left_out_for_a_label_outside_the_codebook(cli, team, act_as):
    """A coder's role may write any label into its own annotation in plain SQL (the codebook is data,
    no CHECK holds it); gold leaves those out, and says so."""
    around_the_tool = [
        "UPDATE annotation_stance SET label = 'MAYBE' WHERE target = 'Russia' AND annotation_pk IN (SELECT a.pk "
        "FROM annotation a JOIN coder c ON c.pk = a.coder_pk JOIN document d ON d.pk = a.document_pk "
        "WHERE c.name = 'alice' AND d.id IN ('d2', 'd3'))",
        "UPDATE annotation_span SET label = 'WEAPON' WHERE annotation_pk IN (SELECT a.pk FROM annotation a "
        "JOIN coder c ON c.pk = a.coder_pk JOIN document d ON d.pk = a.document_pk "
        "WHERE c.name = 'alice' AND d.id = 'd0')"]
    if isinstance(team, ServerDatabase):
        import psycopg

        with psycopg.connect(as_role(team, "alice").replace("+psycopg", "")) as alice:  # as alice herself
            for statement in around_the_tool:
                assert alice.execute(statement).rowcount > 0
    else:
        execute(team, *around_the_tool)
    act_as("lee")
    result = cli("gold")
    assert result.code == 0, result.err
    assert ("Left out 5 coded item(s) whose label is not in the codebook (written around the tool), on 3 "
            "document(s): d0, d2, d3;") in result.out, result.out
    assert "MAYBE" not in str(rows(team, "SELECT label FROM gold_stance"))
    assert "WEAPON" not in str(rows(team, "SELECT label FROM gold_span"))
