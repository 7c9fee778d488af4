"""Gold end to end: derived from imported coder JSONL, kept in step, settled in the review screen."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import rows, rule_pipeline, write_jsonl
from test_agree_cli import PUTIN, SCHOLZ, _records

from annotator.domain import coding as edits
from annotator.domain.errors import InputError
from annotator.domain.gold import Dispute
from annotator.services.coding import CodingSession
from annotator.services.gold import ReviewSession
from annotator.services.project import open_project
from annotator.tui.review_app import ReviewApp
from annotator.tui.screens.review import ReviewScreen


def _gold(db, doc_id: str) -> tuple[set, set]:
    spans = set(rows(db, "SELECT s.start, s.\"end\", s.label, s.how, c.name FROM gold_span s JOIN gold g "
                         "ON g.pk = s.gold_pk JOIN document d ON d.pk = g.document_pk LEFT JOIN coder c "
                         "ON c.pk = s.by_coder_pk WHERE d.id = ?", doc_id))
    stances = set(rows(db, "SELECT s.target, s.label, s.how, c.name FROM gold_stance s JOIN gold g "
                           "ON g.pk = s.gold_pk JOIN document d ON d.pk = g.document_pk LEFT JOIN coder c "
                           "ON c.pk = s.by_coder_pk WHERE d.id = ?", doc_id))
    return spans, stances


@pytest.fixture
def three_coders(cli, project, tmp_path, monkeypatch, act_as):
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", _records()))).code == 0
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    act_as("lee")  # gold is the lead's
    return project


def test_three_coders_give_majority_gold_item_by_item(cli, three_coders):
    result = cli("gold")
    assert result.code == 0 and "Gold for 6 document(s): 6 settled" in result.out
    spans, stances = _gold(three_coders, "d0")
    # alice and bob: PERSON Putin and Scholz; alice and carol: GPE Berlin; carol's "Putin" and
    # "Ukraine" are outvoted (two of three coders left them out)
    assert spans == {(*PUTIN, "PERSON", "majority", None), (*SCHOLZ, "PERSON", "majority", None),
                     (39, 45, "GPE", "majority", None)}
    assert stances == {("Russia", "AGAINST", "unanimous", None), ("Ukraine", "FAVOR", "unanimous", None)}
    # d1: Ukraine FAVOR, AGAINST, FAVOR: majority; d4: carol left Ukraine undecided: FAVOR by two of three
    assert ("Ukraine", "FAVOR", "majority", None) in _gold(three_coders, "d1")[1]
    assert ("Ukraine", "FAVOR", "majority", None) in _gold(three_coders, "d4")[1]


def test_two_coders_leave_disputes_and_a_target_only_one_coded(cli, project, tmp_path):
    records = [r for r in _records() if r["coder"] in ("alice", "carol")]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "two.jsonl", records))).code == 0
    result = cli("gold")
    # Ukraine: five alike, d4 carol left undecided; Russia: six alike; d0: Berlin alike, and three
    # disputes: "Vladimir Putin" against "Putin", Scholz (alice alone), Ukraine (carol alone)
    assert "Items: 12 unanimous, 0 majority, 4 disputed" in result.out, result.out
    spans, stances = _gold(project, "d0")
    assert spans == {(39, 45, "GPE", "unanimous", None)}  # Berlin only: the rest differ
    assert stances == {("Russia", "AGAINST", "unanimous", None), ("Ukraine", "FAVOR", "unanimous", None)}
    assert ("Ukraine", "FAVOR", "unanimous", None) not in _gold(project, "d4")[1]  # carol did not code it
    assert rows(project, "SELECT d.id, g.disputed FROM gold g JOIN document d ON d.pk = g.document_pk "
                         "WHERE g.disputed > 0 ORDER BY d.pk") == [("d0", 3), ("d4", 1)]


def test_a_non_lead_is_refused_with_what_to_do(cli, three_coders):
    result = cli("review", "--coder", "alice")
    assert result.code == 1
    assert "alice is a coder: only a lead reviews" in result.err and "--role lead" in result.err
    with pytest.raises(InputError, match="not a coder here"):
        ReviewSession(open_project(str(three_coders)), "nobody")


async def test_each_pick_in_the_review_screen_stores_its_gold_item_and_undo_takes_it_back(cli, three_coders):
    assert cli("gold", "--min-agreement", "3").code == 0  # all three must agree: d0 has four disputes
    app = ReviewApp(ReviewSession(open_project(str(three_coders)), "lee"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.current.document.id == "d0"
        assert [d.key for d in screen.current.derived.disputes] == ["span:0-14", "span:24-35", "span:39-45", "span:52-59"]
        await pilot.press("3")  # carol's "Putin"
        assert (9, 14, "PERSON", "adjudicated", "lee") in _gold(three_coders, "d0")[0]
        assert [d.key for d in screen.current.derived.disputes] == ["span:24-35", "span:39-45", "span:52-59"]
        await pilot.press("ctrl+z")  # taken back: the dispute is open again, nothing adjudicated
        assert not {s for s in _gold(three_coders, "d0")[0] if s[3] == "adjudicated"}
        await pilot.press("m")  # alice's and bob's "Vladimir Putin"
        await pilot.press("x")  # "Olaf Scholz": none
        await pilot.press("tab", "2")  # past Berlin to "Ukraine": bob's version there, which is nothing
        spans = _gold(three_coders, "d0")[0]
        assert (0, 14, "PERSON", "adjudicated", "lee") in spans
        assert not {s for s in spans if s[0] == 24}  # Scholz settled as nothing
        assert not {s for s in spans if s[0] == 52}  # Ukraine: bob had nothing there
        assert [d.key for d in screen.current.derived.disputes] == ["span:39-45"]
    # derived again with the default bar, adjudicated items stay as the lead left them
    assert cli("gold").code == 0
    spans = _gold(three_coders, "d0")[0]
    assert (0, 14, "PERSON", "adjudicated", "lee") in spans and not {s for s in spans if s[0] in (24, 52)}
    assert (39, 45, "GPE", "majority", None) in spans
    shown = json.loads(cli("show", "d0", "--json").out)["gold"]
    assert {"item": "span 0-14 PERSON", "how": "adjudicated", "by": "lee"} in shown["items"]
    assert {"item": "span 39-45 GPE", "how": "majority", "by": None} in shown["items"]


def test_gold_follows_a_coder_who_changes_a_done_annotation_and_status_counts_what_is_stale(cli, three_coders):
    assert cli("gold").code == 0
    review = ReviewSession(open_project(str(three_coders)), "lee")
    ((d1,),) = rows(three_coders, "SELECT pk FROM document WHERE id = 'd1'")
    ((d0,),) = rows(three_coders, "SELECT pk FROM document WHERE id = 'd0'")
    assert ("Ukraine", "FAVOR", "majority", None) in _gold(three_coders, "d1")[1]
    carol = CodingSession(open_project(str(three_coders)), "carol", pipeline=rule_pipeline())
    opened = carol.open(d1)
    assert carol.apply(opened, "stance.set", lambda a: edits.set_stance(a, "Ukraine", "AGAINST", None))
    # d1 now FAVOR (alice), AGAINST (bob), AGAINST (carol): derived again at once
    assert ("Ukraine", "AGAINST", "majority", None) in _gold(three_coders, "d1")[1]
    status = json.loads(cli("status", "--json").out)["gold_items"]
    assert status["stale"] == 0
    # a lead's decision on d0, then a coder changes d0: the decision stays, and counts as stale
    dispute_free = review.load(d0)
    assert not dispute_free.derived.disputes
    review.pick(d0, Dispute("stance", 0, 0, "Ukraine", {"alice": "FAVOR", "bob": "NONE"}), "bob")
    assert ("Ukraine", "NONE", "adjudicated", "lee") in _gold(three_coders, "d0")[1]
    alice = CodingSession(open_project(str(three_coders)), "alice", pipeline=rule_pipeline())
    opened = alice.open(d0)
    assert alice.apply(opened, "stance.set", lambda a: edits.set_stance(a, "Ukraine", "AGAINST", None))
    assert ("Ukraine", "NONE", "adjudicated", "lee") in _gold(three_coders, "d0")[1]
    assert json.loads(cli("status", "--json").out)["gold_items"]["stale"] == 1
    assert "1 adjudicated decision(s) stale" in cli("status").out


async def test_a_lead_edits_a_span_and_sets_a_stance_of_their_own(cli, three_coders, tmp_path):
    assert cli("gold", "--min-agreement", "3").code == 0
    app = ReviewApp(ReviewSession(open_project(str(three_coders)), "lee"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.dispute.key == "span:0-14"
        await pilot.press("e")  # from the longest version: "Vladimir Putin" (0-14), PERSON
        assert screen.edit == (0, 14, "PERSON")
        await pilot.press("right_square_bracket", "2")  # start one token on: "Putin", then ORG
        assert screen.edit == (9, 14, "ORG")
        await pilot.press("enter")
        assert (9, 14, "ORG", "adjudicated", "lee") in _gold(three_coders, "d0")[0]
        assert screen.edit is None and screen.dispute.key == "span:24-35"
        await pilot.press("n")  # d1: the Ukraine stance; the lead says NONE with the stance key 0
        assert screen.current.document.id == "d1" and screen.dispute.kind == "stance"
        await pilot.press("0")
    assert ("Ukraine", "NONE", "adjudicated", "lee") in _gold(three_coders, "d1")[1]


def test_imported_gold_is_never_derived_over(cli, project, tmp_path):
    gold_line = {"id": "g1", "text": "Vladimir Putin spoke.", "meta": {}, "annotators": ["elsewhere"],
                 "spans": [{"start": 0, "end": 14, "label": "PERSON"}], "stance": {"Russia": "FAVOR"},
                 "adjudication": "majority", "schema": "news-stance@000000"}
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "gold.jsonl", [gold_line]))).code == 0
    coders = [{"id": "g1", "text": "Vladimir Putin spoke.", "coder": c, "stance": {"Russia": "AGAINST"}}
              for c in ("alice", "bob")]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", coders))).code == 0
    assert cli("gold").code == 0
    ((pk,),) = rows(project, "SELECT pk FROM document WHERE id = 'g1'")
    alice = CodingSession(open_project(str(project)), "alice", pipeline=rule_pipeline())
    assert alice.apply(alice.open(pk), "stance.set", lambda a: edits.set_stance(a, "Russia", "NONE", None))
    assert _gold(project, "g1") == ({(0, 14, "PERSON", "majority", None)}, {("Russia", "FAVOR", "majority", None)})


def test_majority_counts_marking_nothing_as_a_version_and_a_huge_bar_is_refused(cli, project, tmp_path, monkeypatch, act_as):
    records = [{"id": "m1", "text": "Donald Trump called.", "coder": c,
                "spans": [{"start": 0, "end": 12, "label": "PERSON"}] if c == "alice" else []}
               for c in ("alice", "bob", "carol")]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "m.jsonl", records))).code == 0
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    act_as("lee")
    assert cli("gold", "--min-agreement", "3").code == 0
    review = ReviewSession(open_project(str(project)), "lee")
    ((pk,),) = rows(project, "SELECT pk FROM document WHERE id = 'm1'")
    (dispute,) = review.load(pk).derived.disputes
    assert review.majority(pk, dispute) is None  # bob and carol marked nothing: two of three
    assert not _gold(project, "m1")[0]
    huge = cli("gold", "--min-agreement", "99999999999999999999999")
    assert huge.code == 1 and "from 1 to 1000" in huge.err


def test_a_document_whose_coders_all_take_back_done_leaves_gold(cli, three_coders, tmp_path):
    assert cli("gold").code == 0
    ((pk,),) = rows(three_coders, "SELECT pk FROM document WHERE id = 'd2'")
    for coder in ("alice", "bob", "carol"):
        session = CodingSession(open_project(str(three_coders)), coder, pipeline=rule_pipeline())
        assert session.apply(session.open(pk), "status", lambda a: edits.set_status(a, "skipped"))
    assert _gold(three_coders, "d2") == (set(), set())
    exported = tmp_gold = tmp_path / "after.jsonl"
    assert cli("export", "--out", str(tmp_gold)).code == 0
    assert "d2" not in {json.loads(line)["id"] for line in exported.read_text().splitlines()}


def _all_gold(db) -> list[tuple]:
    return sorted(rows(
        db, "SELECT d.id, g.disputed, g.derived_digest, g.annotators, s.start, s.\"end\", s.label, s.how, NULL, NULL "
            "FROM gold g JOIN document d ON d.pk = g.document_pk LEFT JOIN gold_span s ON s.gold_pk = g.pk UNION ALL "
            "SELECT d.id, g.disputed, g.derived_digest, g.annotators, NULL, NULL, NULL, t.how, t.target, t.label "
            "FROM gold g JOIN document d ON d.pk = g.document_pk JOIN gold_stance t ON t.gold_pk = g.pk"),
        key=repr)


def test_slices_derived_in_worker_processes_store_the_same_gold_as_one_process(three_coders):
    from annotator.services.gold import derive_all

    engine = open_project(str(three_coders))
    alone = derive_all(engine, workers=1, slice_size=2, actor="lee")
    expected = _all_gold(three_coders)
    assert len(expected) > 12 and alone.documents == 6
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM gold")  # items go with it (ON DELETE CASCADE)
    pooled = derive_all(engine, workers=2, slice_size=2, actor="lee")  # three slices over two spawned processes
    assert _all_gold(three_coders) == expected
    assert (pooled.documents, pooled.settled, pooled.items, pooled.outvoted) == \
        (alone.documents, alone.settled, alone.items, alone.outvoted)
    stamps = rows(three_coders, "SELECT pk, updated_at FROM gold ORDER BY pk")
    derive_all(engine, workers=2, slice_size=2, actor="lee")  # nothing changed: nothing rewritten
    assert rows(three_coders, "SELECT pk, updated_at FROM gold ORDER BY pk") == stamps


def test_deriving_holds_the_write_lock_from_its_start_so_worker_reads_match_its_writes(three_coders, sqlite_only):
    # about SQLite's database-wide write lock, seen by a second sqlite3 connection with no busy timeout
    from annotator.store import gold as gold_store

    engine = open_project(str(three_coders))
    with engine.begin() as conn:
        gold_store.hold_writes(conn)  # before any row is written
        other = sqlite3.connect(three_coders, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("UPDATE document SET meta = meta")
        assert other.execute("SELECT count(*) FROM document").fetchone()[0] == 6  # readers go on
        other.close()


def test_worker_processes_derive_again_over_changed_bars_and_keep_what_a_lead_adjudicated(three_coders, clone):
    """The workers' rows are copied in from a packed database: gold rows updated, derived items
    replaced, adjudicated ones kept, exactly as one process stores them."""
    from annotator.services.gold import derive_all

    engine = open_project(str(three_coders))
    derive_all(engine, 3, workers=2, slice_size=2, actor="lee")  # all three must agree: d0 has disputes
    review = ReviewSession(engine, "lee")
    d0 = review.load(review.disputed_after())
    review.pick(d0.document.pk, d0.derived.disputes[0], "carol")  # carol's "Putin"
    engine.dispose()  # nothing connected to it while it is copied
    copy = clone(three_coders)
    pooled = derive_all(engine, 2, workers=2, slice_size=2, actor="lee")  # every bar changes
    alone = derive_all(open_project(str(copy)), 2, workers=1, actor="lee")
    assert _all_gold(three_coders) == _all_gold(copy)
    assert (pooled.items, pooled.adjudicated_kept) == (alone.items, alone.adjudicated_kept) and alone.adjudicated_kept == 1
    spans = _gold(three_coders, "d0")[0]
    assert (9, 14, "PERSON", "adjudicated", "lee") in spans and (39, 45, "GPE", "majority", None) in spans
    assert rows(three_coders, "SELECT DISTINCT min_agreement FROM gold") == [(2,)]


BUSY_POOL = """
import sys, time
from concurrent.futures import ProcessPoolExecutor
from annotator.processes import die_with_parent
from annotator.services.gold import _worker_context

if __name__ == "__main__":
    pool = ProcessPoolExecutor(2, mp_context=_worker_context(), initializer=die_with_parent)
    busy = [pool.submit(time.sleep, 60) for _ in range(2)]
    print("ready", flush=True)
    time.sleep(60)
"""


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        children = Path(f"/proc/{todo[0]}/task/{todo.pop(0)}/children")
        for child in (children.read_text().split() if children.exists() else []):
            found.add(int(child))
            todo.append(int(child))
    return found


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "zombie" not in status.read_text().lower()
    except OSError:
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel's parent-death signal is Linux's")
def test_sigkill_of_a_gold_derivation_leaves_no_worker_or_worker_server_behind(tmp_path):
    """Gold's workers are forked from a server process, not from the command: both end with it."""
    script = tmp_path / "busy_pool.py"
    script.write_text(BUSY_POOL)
    run = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert run.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 30
    while len(spawned := _descendants(run.pid)) < 4:  # server, two workers, resource tracker
        assert time.monotonic() < deadline, f"only {spawned} started"
        time.sleep(0.1)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10  # (ending a process can take a while on a loaded machine; a survivor stays)
    while left := {pid for pid in spawned if _alive(pid)}:
        assert time.monotonic() < deadline, f"{left} outlived the command"
        time.sleep(0.1)


def test_the_review_controller_maps_keys_by_what_is_focused_and_says_why_a_key_decides_nothing(cli, three_coders):
    """The review screen's rules without an app: a number picks a coder's version (one past the
    coders says how many there are), a label key relabels only while editing, the edge keys need an
    edit, and an undo with nothing to take back says so."""
    from annotator.services.review_controller import ReviewController

    assert cli("gold", "--min-agreement", "3").code == 0
    review = ReviewController(ReviewSession(open_project(str(three_coders)), "lee"))
    assert review.start() and review.current.document.id == "d0" and review.dispute.key == "span:0-14"
    assert "Nothing to undo" in review.handle("undo")[0].text
    assert review.character_action("1") == ("pick", 1) and review.character_action("0") is None
    assert "There are 3 coders here: 1 to 3" in review.handle("pick", 9)[0].text
    assert "Press e first" in review.handle("boundary", "start", 1)[0].text
    assert review.character_action("2") == ("pick", 2)  # not editing: a number picks, never relabels
    assert review.handle("edit") == [] and review.edit == (0, 14, "PERSON")
    assert review.character_action("2") == ("relabel", review.entity_keys["2"])  # editing: keys relabel
    assert review.handle("drop_edit") == [] and review.edit is None
    assert "No edit to drop" in review.handle("drop_edit")[0].text
    assert review.handle("pick", 3) == [] and review.dispute.key == "span:24-35"
    assert (9, 14, "PERSON", "adjudicated", "lee") in _gold(three_coders, "d0")[0]
    assert review.handle("undo") == [] and review.dispute.key == "span:0-14"
    assert not {s for s in _gold(three_coders, "d0")[0] if s[3] == "adjudicated"}
