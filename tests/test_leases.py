"""A single-coded document open in one coder's screen is served to no one else, until they move on
or their lease runs out."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

from conftest import write_jsonl

from annotator.domain import coding as edits
from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from annotator.store import leases


def _project(cli, tmp_path):
    docs = [{"id": f"doc-{i}", "text": f"Report {i} about Kyiv."} for i in range(6)]
    assert cli("import", str(write_jsonl(tmp_path / "docs.jsonl", docs))).code == 0
    for name in ("ana", "bob", "cleo"):  # cleo without an assignment: may code every document
        assert cli("coder", "add", name).code == 0
    assert cli("assign", "--coders", "ana,bob", "--per-doc", "1").code == 0  # every document single-coded


def test_a_leased_document_is_passed_by_in_other_queues_until_it_is_given_up(cli, project, tmp_path):
    _project(cli, tmp_path)
    engine = open_project(str(project))
    ana, cleo = CodingSession(engine, "ana"), CodingSession(engine, "cleo")
    first = ana.first_unfinished()
    doc = ana.open(first)  # ana has it open: leased to her
    assert cleo.first_unfinished() != first and cleo.next_pk(first - 1 if first > 1 else 0) != first
    assert ana.apply(doc, "status", lambda a: edits.set_status(a, "done"))  # a save renews, keeps it
    assert first not in {cleo.first_unfinished(), cleo.next_pk(0)}
    ana.leave(doc)  # on to her next: the document is anyone's again
    assert cleo.first_unfinished() == 1 and cleo.next_pk(0) == 1
    with engine.connect() as conn:
        assert conn.execute(leases.LEASE.select()).all() == []


def test_a_lease_left_behind_runs_out_and_only_single_coded_documents_take_one(cli, project, tmp_path):
    _project(cli, tmp_path)
    engine = open_project(str(project))
    ana, cleo = CodingSession(engine, "ana"), CodingSession(engine, "cleo")
    first = ana.first_unfinished()
    ana.open(first)  # and her screen is killed: no leave
    assert cleo.next_pk(0) != first
    with engine.begin() as conn:
        conn.execute(leases.LEASE.update().values(until=datetime.now(UTC) - timedelta(seconds=1)))
    assert cleo.next_pk(0) == 1  # run out: served again
    cleo.open(first)  # cleo takes over the lease that ran out: now ana's queue passes it by
    assert ana.next_pk(0) != first
    assert cli("assign", "--coders", "ana,bob", "--per-doc", "2").code == 0  # every document to both
    with engine.begin() as conn:
        conn.execute(leases.LEASE.delete())
    CodingSession(engine, "ana").open(2)
    with engine.connect() as conn:
        assert conn.execute(leases.LEASE.select()).all() == []  # coded by two: no lease
