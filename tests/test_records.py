"""What the database records of a coder's work: decisions as they happened, whether suggestions
were shown, active seconds, and values the vocabulary allows; read back through `show` and `status`."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import event

from annotator.domain import coding as edits
from annotator.domain.errors import InputError
from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from conftest import ServerDatabase, dump, execute, rows, write_jsonl
from test_coding_screen import SEED, annotation, make_app, ready


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def session(db, clock=lambda: 0.0, coder: str = "alice") -> CodingSession:
    return CodingSession(open_project(str(db)), coder, clock=clock)


def test_show_json_lists_every_decision_span_and_stance(cli, seeded):
    s = session(seeded)
    doc = s.open(s.first_unfinished())
    first, second = doc.suggestion.spans[:2]
    russia, ukraine = doc.suggestion.stance("Russia"), doc.suggestion.stance("Ukraine")
    s.apply(doc, "span.accept", lambda a: edits.accept(a, first))
    s.apply(doc, "span.label", lambda a: edits.relabel(a, a.spans[0], "ORG"))
    s.apply(doc, "span.reject", lambda a: edits.reject(a, second))
    s.apply(doc, "stance.accept", lambda a: edits.accept_stance(a, russia))
    s.apply(doc, "stance.reject", lambda a: edits.reject_stance(a, "Ukraine", ukraine))
    shown = json.loads(cli("show", SEED, "--json").out)
    (coded,) = shown["annotations"]
    assert coded["decisions"] == [
        {"on": "span", "start": 0, "end": 12, "label": "PERSON", "decision": "changed"},
        {"on": "span", "start": 23, "end": 37, "label": "PERSON", "decision": "rejected"},
        {"on": "stance", "target": "Russia", "label": russia.label, "decision": "accepted"},
        {"on": "stance", "target": "Ukraine", "label": ukraine.label, "decision": "rejected"},
    ]
    assert coded["spans"] == [{"start": 0, "end": 12, "label": "ORG", "text": "Donald Trump", "origin": "changed",
                               "aligned": True}]
    assert coded["stances"] == [{"target": "Russia", "label": russia.label, "origin": "accepted"}]


async def test_x_on_an_undecided_stance_rejects_it_and_a_leaves_it_rejected(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("g", "x")  # Ukraine's suggestion, rejected; the focus moves on to Russia
        assert screen.focused_item().target == "Russia"
        await pilot.press("A")
    coded = annotation(seeded)
    assert "Ukraine" not in {s["target"] for s in coded["stances"]}
    assert {"on": "stance", "target": "Ukraine", "label": "FAVOR", "decision": "rejected"} in coded["decisions"]
    assert {s["target"] for s in coded["stances"]} == {"Russia", "United States", "NATO"}


def test_suggestions_shown_only_when_there_were_suggestions(cli, project, tmp_path):
    cli("import", "--create-coders", str(write_jsonl(tmp_path / "d.jsonl", [{"id": "bare", "text": "Joe Biden spoke in Kyiv."}])))
    s = session(project)
    doc = s.open(s.first_unfinished())
    assert doc.suggestion is None
    s.apply(doc, "span.add", lambda a: edits.add_span(a, 0, 9, "PERSON"))
    assert annotation(project, "bare")["suggestions_shown"] is False
    cli("import", "--create-coders", str(write_jsonl(tmp_path / "c.jsonl", [
        {"id": "bare", "text": "Joe Biden spoke in Kyiv.", "coder": "bob", "spans": []}])))
    assert annotation(project, "bare", "bob")["suggestions_shown"] is False


def test_suggestions_shown_when_the_coder_saw_them(seeded):
    s = session(seeded)
    doc = s.open(s.first_unfinished())
    s.apply(doc, "span.accept", lambda a: edits.accept(a, doc.suggestion.spans[0]))
    assert annotation(seeded)["suggestions_shown"] is True


async def test_seconds_count_active_time_and_leaving_stores_the_rest(seeded):
    clock = Clock()
    async with make_app(seeded, clock=clock).run_test() as pilot:
        await ready(pilot)
        clock.now += 20
        await pilot.press("a")  # 20 s of work, stored with the accept
        assert annotation(seeded)["seconds"] == 20
        clock.now += 600  # ten minutes away: two count
        await pilot.press("right")
        clock.now += 15
        await pilot.press("n")  # leaving stores the 135 s not stored yet
        assert annotation(seeded)["seconds"] == 20 + 120 + 15
        clock.now += 50
        await pilot.press("p")  # the next document has no annotation: its time is not stored anywhere
        clock.now += 5
        await pilot.press("q")
    assert annotation(seeded)["seconds"] == 20 + 120 + 15 + 5


class RunningClock(Clock):
    """A clock that moves on a little each time it is read, as time passes while the tool works."""

    def __call__(self) -> float:
        self.now += 0.01
        return self.now


async def test_d_stores_status_and_time_in_one_write_and_leaving_adds_nothing(seeded):
    """The milliseconds between the store and moving on are the tool's, not the coder's: writing
    them cost a second commit, and its fsync, on every `d`."""
    clock = RunningClock()
    app = make_app(seeded, clock=clock)
    async with app.run_test() as pilot:
        await ready(pilot)
        written: list[str] = []
        event.listen(app.session.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *rest: written.append(" ".join(statement.split()[:3])))
        clock.now += 20
        await pilot.press("d", "d")  # the second marks it done with its suggestions undecided
        await pilot.pause()
        assert app.screen.doc.id != SEED
        assert [w for w in written if w.startswith(("INSERT INTO annotation", "UPDATE annotation"))] == \
            ["INSERT INTO annotation"]
    assert annotation(seeded)["status"] == "done" and 20 <= annotation(seeded)["seconds"] < 21


async def test_time_in_the_find_box_counts_for_the_document_left(seeded):
    """Its keys never reach the coding screen: leaving from it counts up to the moment of leaving."""
    clock = Clock()
    async with make_app(seeded, clock=clock).run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        clock.now += 20
        await pilot.press("a")  # 20 s, stored with the accept
        clock.now += 10
        await pilot.press("slash", *"korea")
        clock.now += 30
        await pilot.press("enter")
        await pilot.pause()
        assert screen.doc.id == "GUM_news_korea"
    assert annotation(seeded)["seconds"] == 20 + 10 + 30


async def test_an_app_told_to_exit_keeps_the_time_and_the_place_as_q_does(seeded):
    """A closed browser tab ends the app without `q`: textual-serve's quit reaches it as ExitApp."""
    from textual.messages import ExitApp

    clock = Clock()
    app = make_app(seeded, clock=clock)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("n")
        opened = screen.doc
        clock.now += 20
        await pilot.press("a")  # 20 s, stored with the accept
        clock.now += 30
        await pilot.press("right")
        clock.now += 5
        app.post_message(ExitApp())
        await pilot.pause()
    assert not app.is_running
    assert annotation(seeded, opened.id)["seconds"] == 20 + 30 + 5
    assert rows(seeded, "SELECT last_document_pk FROM coder WHERE name = 'alice'") == [(opened.pk,)]


async def test_an_app_told_to_exit_reopens_where_it_was_left(seeded):
    """Only stores remembered the place: moved on with `n` and then closed from the browser, the
    next start opened the document before."""
    from textual.messages import ExitApp

    app = make_app(seeded)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("n", "n")
        await pilot.pause()
        left = screen.doc.pk
        app.post_message(ExitApp())
        await pilot.pause()
    assert rows(seeded, "SELECT last_document_pk FROM coder WHERE name = 'alice'") == [(left,)]
    async with make_app(seeded).run_test() as pilot:
        assert (await ready(pilot)).doc.pk == left


async def test_ctrl_q_and_the_palettes_quit_store_the_time_as_q_does(seeded):
    clock = Clock()
    async with make_app(seeded, clock=clock).run_test() as pilot:
        await ready(pilot)
        clock.now += 20
        await pilot.press("a")
        clock.now += 30
        await pilot.press("right")
        clock.now += 5
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not pilot.app.is_running
    assert annotation(seeded)["seconds"] == 55


def test_a_label_not_in_the_codebook_is_refused_and_nothing_is_stored(seeded):
    s = session(seeded)
    doc = s.open(s.first_unfinished())
    before = dump(seeded)
    with pytest.raises(InputError, match="stance label 'PRO' is not in the codebook"):
        s.apply(doc, "stance.set", lambda a: edits.set_stance(a, "Ukraine", "PRO", None))
    assert dump(seeded) == before and doc.annotation.stances == ()


@pytest.mark.parametrize("table, column, value", [
    ("annotation", "status", "finished"), ("annotation_span", "origin", "guessed"),
    ("annotation_stance", "origin", "guessed"), ("suggestion_decision", "decision", "maybe"),
    ("stance_decision", "decision", "maybe"), ("coder", "role", "boss")])
def test_the_database_refuses_values_outside_the_vocabulary(seeded, table, column, value):
    s = session(seeded)
    doc = s.open(s.first_unfinished())
    s.apply(doc, "accept all", lambda a: edits.reject_stance(edits.accept_all(a, doc.suggestion), "NATO",
                                                               doc.suggestion.stance("NATO")))
    if isinstance(seeded, ServerDatabase):
        import psycopg

        refused = pytest.raises(psycopg.errors.CheckViolation, match=f'violates check constraint "{column}_valid"')
    else:
        refused = pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed")
    with refused:
        execute(seeded, (f'UPDATE {table} SET "{column}" = ?', value))


def test_status_and_show_report_gold_rows(cli, seeded):
    assert json.loads(cli("status", "--json").out)["gold"] == 0
    assert json.loads(cli("show", SEED, "--json").out)["gold"] is None
    execute(seeded,
            "INSERT INTO coder (name, role, created_at) VALUES ('lea', 'lead', '2025-01-01')",
            "INSERT INTO gold (document_pk, created_at, updated_at) VALUES (1, '2025-01-01', '2025-01-01'), "
            "(2, '2025-01-01', '2025-01-01')",
            "INSERT INTO gold_span (gold_pk, start, \"end\", label, how, by_coder_pk) "
            "VALUES (1, 0, 12, 'PERSON', 'adjudicated', 1)",
            "INSERT INTO gold_stance (gold_pk, target, label, how) VALUES (1, 'Russia', 'AGAINST', 'majority')")
    assert json.loads(cli("status", "--json").out)["gold"] == 2
    gold = json.loads(cli("show", SEED, "--json").out)["gold"]
    assert gold["spans"] == [{"start": 0, "end": 12, "label": "PERSON", "text": "Donald Trump"}]
    assert gold["stances"] == [{"target": "Russia", "label": "AGAINST"}]
    assert gold["items"] == [{"item": "span 0-12 PERSON", "how": "adjudicated", "by": "lea"},
                             {"item": "stance Russia", "how": "majority", "by": None}]
