"""Coders, roles, assignment and each coder's queue."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import ROOT, execute, rows, rule_pipeline
from test_coding_screen import ready

from annotator.domain import coding as edits
from annotator.domain.assignment import plan
from annotator.domain.errors import InputError
from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from annotator.tui.app import CodingApp

DOCS = list(range(1, 101))


def test_overlap_goes_to_every_coder_and_the_rest_to_one_each_balanced():
    queues = plan(DOCS, ["alice", "bob", "carol"], overlap=0.2, seed=7).queues
    holders = Counter(a.document for q in queues.values() for a in q)
    assert sorted(Counter(holders.values()).items()) == [(1, 80), (3, 20)]
    sizes = [len(q) for q in queues.values()]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == 80 + 3 * 20
    for queue in queues.values():
        assert [a.document for a in queue] == sorted(a.document for a in queue)  # the project's order
        assert {a.document for a in queue if a.overlap} == {d for d, n in holders.items() if n == 3}


def test_the_same_seed_gives_the_same_plan_and_another_seed_another():
    first = plan(DOCS, ["alice", "bob"], overlap=0.3, seed=1).queues
    assert plan(DOCS, ["alice", "bob"], overlap=0.3, seed=1).queues == first
    assert plan(DOCS, ["alice", "bob"], overlap=0.3, seed=2).queues != first


def test_per_doc_gives_every_document_to_k_coders_balanced():
    queues = plan(DOCS, ["a", "b", "c", "d"], per_doc=2, seed=3).queues
    holders = Counter(a.document for q in queues.values() for a in q)
    assert set(holders.values()) == {2} and len(holders) == 100
    assert sorted(len(q) for q in queues.values()) == [50, 50, 50, 50]
    assert all(a.overlap for q in queues.values() for a in q)


def test_work_already_done_stays_with_its_coder():
    fresh = plan(DOCS, ["alice", "bob"], overlap=0.0, seed=0)
    bobs = {a.document for a in fresh.queues["bob"]}
    mine = sorted(bobs)[:3]  # alice coded three of what is now bob's
    kept = plan(DOCS, ["alice", "bob"], overlap=0.0, seed=0, kept={"alice": mine, "dora": [5]})
    assert kept.kept == 4
    assert set(mine) <= {a.document for a in kept.queues["alice"]}
    assert [a.document for a in kept.queues["dora"]] == [5]


@pytest.mark.parametrize("kwargs, message", [
    ({"overlap": 1.5}, "not a share"), ({"per_doc": 3}, "needs 1 to 2"),
    ({"overlap": 0.2, "per_doc": 2}, "not both")])
def test_impossible_plans_are_refused_with_what_would_do(kwargs, message):
    with pytest.raises(InputError, match=message):
        plan(DOCS, ["alice", "bob"], **kwargs)


def test_coder_add_list_and_roles(cli, project, monkeypatch, act_as):
    assert cli("coder", "add", "alice").out.splitlines()[0] == "Added alice (coder)."
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    act_as("lee")  # once there is a lead, roles are the lead's to change
    assert "already a coder (lead); nothing changed" in cli("coder", "add", "lee").out  # no --role: kept
    assert "now coder (was lead)" in cli("coder", "add", "lee", "--role", "coder").out
    bad = cli("coder", "add", "zed", "--role", "boss")
    assert bad.code == 1 and "role 'boss' is not one of: coder, lead" in bad.err
    assert rows(project, "SELECT name, role FROM coder ORDER BY name") == [("alice", "coder"), ("lee", "coder")]
    listed = cli("coder", "list").out
    assert "alice" in listed and "lee" in listed


def _assigned(db_path) -> dict[str, list[tuple[int, int, int]]]:
    found: dict[str, list] = {}
    for name, position, doc, overlap in rows(db_path, "SELECT c.name, a.position, a.document_pk, a.overlap FROM "
                                                      "assignment a JOIN coder c ON c.pk = a.coder_pk "
                                                      "ORDER BY c.name, a.position"):
        found.setdefault(name, []).append((position, doc, overlap))
    return found


def _add_coders(cli, *names: str) -> None:
    for name in names:
        assert cli("coder", "add", name).code == 0


def test_assign_stores_each_queue_and_reassigning_keeps_work_done(cli, seeded):
    _add_coders(cli, "alice", "bob")
    result = cli("assign", "--coders", "alice,bob", "--overlap", "0.2", "--seed", "4")
    assert result.code == 0, result.err
    stored = _assigned(seeded)
    assert [p for p, _, _ in stored["alice"]] == list(range(1, len(stored["alice"]) + 1))
    shared = {d for _, d, o in stored["alice"] if o}
    assert shared == {d for _, d, o in stored["bob"] if o} and len(shared) == 5  # 20% of 25
    # alice finishes one of bob's documents, then the lead reassigns with another seed
    next_plan = plan(list(range(1, 26)), ["alice", "bob"], overlap=0.2, seed=5).queues
    not_alices_next = {a.document for a in next_plan["bob"] if not a.overlap}
    bobs_only = next(d for _, d, o in stored["bob"] if not o and d in not_alices_next)
    session = CodingSession(open_project(str(seeded)), "alice", pipeline=rule_pipeline())
    opened = session.open(bobs_only)
    assert session.apply(opened, "status", lambda a: edits.set_status(a, "done"))
    assert rows(seeded, "SELECT status FROM annotation WHERE document_pk = ?", bobs_only) == [("done",)]
    again = cli("assign", "--coders", "alice,bob", "--overlap", "0.2", "--seed", "5")
    assert again.code == 0 and "Kept 1 document" in again.out
    assert bobs_only in {d for _, d, _ in _assigned(seeded)["alice"]}


async def test_a_coder_works_through_their_own_queue_only(cli, seeded):
    _add_coders(cli, "alice", "bob")
    assert cli("assign", "--coders", "alice,bob", "--overlap", "0.2", "--seed", "4").code == 0
    mine = [d for _, d, _ in _assigned(seeded)["alice"]]
    app = CodingApp(CodingSession(open_project(str(seeded)), "alice", pipeline=rule_pipeline()))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        visited = [screen.doc.pk]
        assert str(screen.query_one("#header").line()).count(f"1 of {len(mine)}") == 1
        for _ in range(len(mine) + 1):  # one more than the queue: the last `n` says so and stays
            await pilot.press("n")
            screen = await ready(pilot)
            if screen.doc.pk != visited[-1]:
                visited.append(screen.doc.pk)
        assert visited == mine
        await pilot.press("p")
        assert (await ready(pilot)).doc.pk == mine[-2]


def test_a_coder_without_an_assignment_gets_every_document(cli, seeded):
    _add_coders(cli, "alice", "bob")
    assert cli("assign", "--coders", "alice,bob", "--seed", "4").code == 0
    session = CodingSession(open_project(str(seeded)), "dora", pipeline=rule_pipeline())
    assert session.queue_size() == 25 and session.first_unfinished() == 1 and session.next_pk(1) == 2



def test_once_there_is_a_lead_assigning_gold_coders_links_and_the_codebook_are_theirs(cli, project, monkeypatch, act_as,
                                                                                    tmp_path):
    assert cli("import", str(ROOT / "seeds")).code == 0
    _add_coders(cli, "alice", "bob")
    assert cli("assign", "--coders", "alice,bob").code == 0  # no lead yet: anyone (one person alone)
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    act_as("alice")
    schema = tmp_path / "other.toml"
    schema.write_text((ROOT / "schemas" / "news-stance.toml").read_text("utf-8").replace("version = 1", "version = 2"))
    for args, doing in ((["assign", "--coders", "alice"], "assigning documents"), (["gold"], "deriving gold"),
                        (["coder", "add", "alice", "--role", "lead"], "adding a coder or changing a role"),
                        (["coder", "token", "bob"], "making a coder's link"),
                        (["init", "--schema", str(schema)], "changing the codebook")):
        result = cli(*args)
        assert result.code == 1 and f"{doing} needs the lead role and alice is a coder" in result.err, (args, result.err)
    act_as("lee")
    assert cli("assign", "--coders", "alice").code == 0 and cli("init", "--schema", str(schema)).code == 0
    # alice's refused changes left nothing behind
    assert rows(project, "SELECT role FROM coder WHERE name = 'alice'") == [("coder",)]
    assert rows(project, "SELECT count(*) FROM coder_token") == [(0,)]


def test_assign_refuses_coders_the_project_does_not_know_and_assigns_nothing(cli, seeded):
    _add_coders(cli, "bob")
    for given, unknown in (("bob,typo2", "typo2"), ("bob,Bob", "Bob"), ("phantom,bob,ghost", "phantom, ghost")):
        result = cli("assign", "--coders", given, "--per-doc", "1")
        assert result.code == 1 and len(result.err.strip().splitlines()) == 1, result.err
        assert f"does not know: {unknown};" in result.err and "annotator coder add NAME" in result.err, result.err
    assert rows(seeded, "SELECT name FROM coder") == [("bob",)]
    assert rows(seeded, "SELECT count(*) FROM assignment") == [(0,)]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "https://", "ftp://host/", "127.0.0.1:8000",
                                 "http://[::1", "http://a b", "http://x/?token=y#", "http://x/#here"])
def test_coder_token_takes_only_an_http_or_https_address_and_makes_no_token(cli, project, url):
    _add_coders(cli, "bob")
    result = cli("coder", "token", "bob", "--url", url)
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1, result.err
    assert "is not a web address to build links on" in result.err and "http:// or https://" in result.err
    assert result.out == ""
    assert rows(project, "SELECT count(*) FROM coder_token") == [(0,)]
    made = cli("coder", "token", "bob", "--url", "HTTPS://annotate.example.org/")
    assert made.code == 0 and made.out.startswith("HTTPS://annotate.example.org/?token=")
    served = cli("serve", "--public-url", url, "--port", "1")  # refused before it listens (or checks the port)
    assert served.code == 1 and "--public-url" in served.err and "is not a web address" in served.err, served.err


def test_a_served_address_with_a_trailing_slash_makes_links_with_one(cli, project):
    """`--public-url https://code.example.org/` made pages asking for //static/... and //ws/...: the
    address serve and coder token build on loses its trailing slash."""
    from annotator.cli.shared import web_address

    assert web_address("--public-url", "https://code.example.org/") == "https://code.example.org"
    _add_coders(cli, "bob")
    made = cli("coder", "token", "bob", "--url", "https://code.example.org//")
    assert made.code == 0 and made.out.startswith("https://code.example.org/?token="), made.out


def test_a_superuser_that_does_not_own_the_project_is_refused_as_a_coder(cli, project, postgres_only):
    import uuid

    name = f"su_{uuid.uuid4().hex[:8]}"
    execute(project, f'CREATE ROLE "{name}" SUPERUSER LOGIN')
    try:
        for role in ("coder", "lead"):
            result = cli("coder", "add", name, "--role", role)
            assert result.code == 1 and len(result.err.strip().splitlines()) == 1, result.err
            assert f"{name} is a superuser role" in result.err and "refused as a coder" in result.err
            assert "owns the project" not in result.err
        assert rows(project, "SELECT count(*) FROM coder") == [(0,)]
        owner = cli("coder", "add", "postgres")  # the test cluster's superuser made the project: its owner
        assert owner.code == 0 and "The database role postgres owns the project" in owner.out, owner.err
    finally:
        execute(project, f'DROP ROLE "{name}"')
