"""The coding screen driven with Pilot: every key, checked in the database afterwards."""

from __future__ import annotations

import io
import sqlite3

import pytest

from annotator.services.coding import CodingSession
from annotator.services.inspect import show_document
from annotator.services.project import open_project
from annotator.domain.coding_view import Focus
from annotator.tui.app import CodingApp
from annotator.tui.keys import SCREEN_BINDINGS, codebook_keys
from annotator.tui.screens.coding import CodingScreen
from conftest import rows, rule_pipeline, write_jsonl

pytestmark = pytest.mark.screen  # painting and keys through Pilot: SQLite alone (see conftest)

SEED = "000_e6a2707f4c80d87a"  # first in the queue: "Donald Trump's call to Vladimir Putin has marked ..."


def make_app(db, coder: str = "alice", clock=lambda: 0.0) -> CodingApp:
    """The app on the rule-based pipeline (exact spans), for documents suggested while coding."""
    return CodingApp(CodingSession(open_project(str(db)), coder, clock=clock, pipeline=rule_pipeline()))


async def ready(pilot) -> CodingScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return pilot.app.screen


def annotation(db, doc_id: str = SEED, coder: str = "alice") -> dict | None:
    found = [a for a in show_document(open_project(str(db)), doc_id)["annotations"] if a["coder"] == coder]
    return found[0] if found else None


def spans(db, doc_id: str = SEED, coder: str = "alice") -> list[tuple]:
    a = annotation(db, doc_id, coder)
    return [(s["start"], s["end"], s["label"], s["origin"]) for s in a["spans"]] if a else []


def stances(db, doc_id: str = SEED, coder: str = "alice") -> dict[str, tuple[str, str]]:
    a = annotation(db, doc_id, coder)
    return {s["target"]: (s["label"], s["origin"]) for s in a["stances"]} if a else {}


def decisions(db, coder: str = "alice") -> dict[tuple, str]:
    found = rows(db, "SELECT d.start, d.end, d.label, d.decision FROM suggestion_decision d "
                     "JOIN annotation a ON a.pk = d.annotation_pk JOIN coder c ON c.pk = a.coder_pk "
                     "WHERE c.name = ?", coder)
    return {tuple(r[:3]): r[3] for r in found}


def count(db, sql: str) -> int:
    return rows(db, sql)[0][0]


async def test_opens_at_the_first_document_with_the_cursor_on_the_first_suggestion(seeded):
    app = make_app(seeded)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        assert screen.doc.id == SEED
        assert screen.article.cursor_range == (0, 6)  # "Donald"
        assert screen.focused_item().entity.label == "PERSON"


async def test_a_accepts_the_focused_suggestion(seeded):
    async with make_app(seeded).run_test() as pilot:
        await ready(pilot)
        await pilot.press("a")
    assert spans(seeded) == [(0, 12, "PERSON", "accepted")]
    assert decisions(seeded) == {(0, 12, "PERSON"): "accepted"}
    assert count(seeded, "SELECT count(*) FROM event WHERE kind = 'span.accept'") == 1


async def test_x_rejects_a_suggestion_and_removes_a_coded_span(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("x")  # rejects "Donald Trump" and moves on to "Vladimir Putin"
        assert spans(seeded) == [] and decisions(seeded) == {(0, 12, "PERSON"): "rejected"}
        await pilot.press("a")  # accepts it and moves on to "US"
        assert spans(seeded) == [(23, 37, "PERSON", "accepted")]
        assert screen.focused_item().entity.start == 60
        await pilot.press("shift+tab", "x")  # back on the coded span: x removes it
    assert spans(seeded) == []
    assert decisions(seeded)[(23, 37, "PERSON")] == "rejected"


async def test_shift_a_accepts_every_remaining_suggestion(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("x", "A")
        suggested = screen.doc.suggestion.spans
    stored = spans(seeded)
    assert len(suggested) == 78 and len(stored) == 77  # all but the rejected one
    assert all(origin == "accepted" for *_, origin in stored)
    assert set(stances(seeded)) == {"Ukraine", "Russia", "United States", "NATO"}
    assert all(origin == "accepted" for _, origin in stances(seeded).values())


async def test_label_keys_relabel_a_suggestion_or_a_coded_span(seeded):
    async with make_app(seeded).run_test() as pilot:
        await ready(pilot)
        await pilot.press("2")  # ORG for the suggested PERSON: taken, as changed
        assert spans(seeded) == [(0, 12, "ORG", "changed")]
        assert decisions(seeded) == {(0, 12, "PERSON"): "changed"}
        await pilot.press("1")  # back to the suggestion as it was: accepted again
    assert spans(seeded) == [(0, 12, "PERSON", "accepted")]
    assert decisions(seeded) == {(0, 12, "PERSON"): "accepted"}


async def test_token_cursor_and_shift_arrows_select_a_new_span(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("right", "right", "right")
        assert screen.article.cursor_range == (15, 19)  # "call"
        await pilot.press("shift+right", "6")  # "call to" as EVENT
        assert spans(seeded) == [(15, 22, "EVENT", "added")]
        await pilot.press("down")
        assert screen.article.cursor_range[0] > 40  # the next screen line
        await pilot.press("left", "shift+left", "shift+left", "3")
    # "shift in US" covers the suggested "US": the coder's span answers for it, as changed
    assert spans(seeded) == [(15, 22, "EVENT", "added"), (51, 62, "GPE", "changed")]
    assert decisions(seeded) == {(60, 62, "GPE"): "changed"}


async def test_brackets_move_the_focused_spans_boundaries_by_a_token(seeded):
    async with make_app(seeded).run_test() as pilot:
        await ready(pilot)
        await pilot.press("left_curly_bracket")  # end one token left: "Donald"
        assert spans(seeded) == [(0, 6, "PERSON", "changed")]
        assert decisions(seeded) == {(0, 12, "PERSON"): "changed"}
        await pilot.press("right_curly_bracket")  # end one token right again: the suggestion as it was
        assert spans(seeded) == [(0, 12, "PERSON", "accepted")]
        await pilot.press("right_square_bracket")  # start one token right: "Trump"
        assert spans(seeded) == [(7, 12, "PERSON", "changed")]
        await pilot.press("left_square_bracket")
    assert spans(seeded) == [(0, 12, "PERSON", "accepted")]
    assert decisions(seeded) == {(0, 12, "PERSON"): "accepted"}


async def test_delete_removes_the_focused_span(seeded):
    async with make_app(seeded).run_test() as pilot:
        await ready(pilot)
        await pilot.press("a", "shift+tab")  # accept moves on: back to the coded span
        assert len(spans(seeded)) == 1
        await pilot.press("delete")
    assert spans(seeded) == []
    assert decisions(seeded) == {(0, 12, "PERSON"): "rejected"}  # removing an accepted suggestion rejects it


async def test_stance_keys_g_and_a_x_on_targets(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("minus")  # the focus is on an entity: the key moves it to a target, codes nothing
        assert stances(seeded) == {} and screen.focused_item().target == "Ukraine"
        await pilot.press("minus")  # now it codes the focused target: Ukraine (suggested FAVOR)
        assert stances(seeded) == {"Ukraine": ("AGAINST", "changed")}
        await pilot.press("g")  # the next target: Russia
        assert screen.target == "Russia" and screen.stance_focus
        await pilot.press("a")  # accept Russia's suggestion, and move on to the next target to decide
        assert stances(seeded)["Russia"] == (screen.doc.suggestion.stance("Russia").label, "accepted")
        assert screen.focused_item() == Focus(target="United States")
        await pilot.press("0", "g", "plus")
        assert stances(seeded)["United States"] == ("NONE", "accepted")
        assert stances(seeded)["NATO"] == ("FAVOR", "accepted")
        await pilot.press("x")  # clears NATO's stance
    assert "NATO" not in stances(seeded) and len(stances(seeded)) == 3


async def test_d_marks_done_and_opens_the_next_and_s_skips(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("A", "d")  # nothing left undecided: done at once
        assert annotation(seeded)["status"] == "done"
        assert screen.doc.id == "GUM_news_afghan"
        await pilot.press("s")
        assert annotation(seeded, "GUM_news_afghan")["status"] == "skipped"
        assert screen.doc.id == "GUM_news_asylum"
        header = screen.query_one("#header")
        assert header.position == 3 and header.total == 25 and header.done_today == 1
        await pilot.press("ctrl+z", "ctrl+z")  # the skip, then the done, taken back: on the first again
        await pilot.pause()
        assert screen.doc.id == SEED and annotation(seeded)["status"] == "draft"
        assert header.done_today == 0  # counted again, not the count from before the undo


async def test_n_and_p_move_through_the_queue(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("n", "n")
        assert screen.doc.id == "GUM_news_asylum"
        await pilot.press("p", "p", "p")
        assert screen.doc.id == SEED
    assert count(seeded, "SELECT count(*) FROM annotation") == 0  # looking changes nothing


async def test_undo_and_redo_store_the_earlier_state_even_across_documents(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "a")
        assert len(spans(seeded)) == 2
        await pilot.press("ctrl+z")
        assert spans(seeded) == [(0, 12, "PERSON", "accepted")]
        await pilot.press("ctrl+y")
        assert len(spans(seeded)) == 2
        await pilot.press("d", "d")  # asked once (suggestions undecided), then done
        assert screen.doc.id == "GUM_news_afghan"
        await pilot.press("ctrl+z")  # undoes "done": back on the seed article, a draft again
        assert screen.doc.id == SEED and annotation(seeded)["status"] == "draft"
        await pilot.press("ctrl+z", "ctrl+z")
    assert spans(seeded) == []
    assert count(seeded, "SELECT count(*) FROM event WHERE kind LIKE 'undo %'") == 4


async def test_the_undecided_question_is_taken_down_once_d_again_marked_done(seeded):
    """Left up, "Not done yet" sat over the next document as if the last one were not done."""
    async with make_app(seeded).run_test(notifications=True) as pilot:
        screen = await ready(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert [n.title for n in pilot.app._notifications] == ["Not done yet"]
        await pilot.press("d")
        await pilot.pause()
        assert screen.doc.id == "GUM_news_afghan" and annotation(seeded)["status"] == "done"
        assert list(pilot.app._notifications) == []
        await pilot.press("ctrl+z")  # back on the seed article, a draft again
        await pilot.press("d", "A", "d")  # asked, then every suggestion decided: the next d asks nothing
        await pilot.pause()
        assert annotation(seeded)["status"] == "done" and screen.doc.id == "GUM_news_afghan"
        assert list(pilot.app._notifications) == []


async def test_the_last_document_done_after_the_question_says_the_queue_is_finished(seeded):
    async with make_app(seeded).run_test(notifications=True) as pilot:
        screen = await ready(pilot)
        await pilot.press(*["s"] * (screen.total - 1))
        await pilot.press("d", "d")
        await pilot.pause()
        assert annotation(seeded, screen.doc.id)["status"] == "done"
        assert [n.title for n in pilot.app._notifications] == ["Queue finished"]


async def test_slash_finds_a_document(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("slash")
        await pilot.press(*"korea")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.doc.id == "GUM_news_korea"


async def test_question_mark_shows_keys_and_guidelines(seeded):
    from annotator.tui.screens.help import HelpScreen

    async with make_app(seeded).run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        from rich.console import Console

        console = Console(record=True, width=100, file=io.StringIO())
        for static in pilot.app.screen.query("Static"):
            console.print(static.content if hasattr(static, "content") else static.render())
        shown = console.export_text()
        assert "Accept the focused suggestion" in shown and "Guidelines" in shown
        assert "ctrl+z" in shown.lower() and "the selection GPE" in shown
        assert "code the stance the ARTICLE takes" in shown.replace("\n", " ")
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, CodingScreen)


async def test_command_palette_lists_every_action(seeded):
    from textual.command import CommandPalette

    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        titles = [c.title for c in pilot.app.get_system_commands(screen)]
        descriptions = [b.description for b in SCREEN_BINDINGS] + [k.description for k in codebook_keys(screen.codebook).values()]
        for description in descriptions:
            assert any(title.startswith(description) for title in titles), description
        assert any(title.startswith("label GPE") for title in titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CommandPalette)


async def test_q_quits_and_reopening_shows_the_same_state_and_resumes(seeded):
    app = make_app(seeded)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "tab", "2", "g", "plus", "q")
        await pilot.pause()
        before = (screen.doc, spans(seeded), stances(seeded))
    assert before[0] is None and not app.is_running
    app = make_app(seeded)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        assert screen.doc.id == SEED
        assert [(s.start, s.end, s.label, s.origin) for s in screen.doc.annotation.spans] == before[1]
        assert {s.target: (s.label, s.origin) for s in screen.doc.annotation.stances} == before[2]
        await pilot.press("d", "d", "q")
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        assert screen.doc.id == "GUM_news_afghan"  # where the coder was when they quit
        await pilot.press("n", "n", "q")
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        assert screen.doc.id == "GUM_news_clock"  # browsing with n counts too: the last one open
    async with make_app(seeded, "bob").run_test() as pilot:
        screen = await ready(pilot)
        assert screen.doc.id == SEED  # a new coder starts at the first unfinished document


async def test_two_coders_on_one_document_keep_separate_annotations(seeded):
    async with make_app(seeded, "alice").run_test() as pilot:
        await ready(pilot)
        await pilot.press("a", "g", "plus")
    async with make_app(seeded, "bob").run_test() as pilot:
        screen = await ready(pilot)
        assert screen.doc.annotation.spans == ()  # bob does not see alice's work
        await pilot.press("2", "g", "minus")
    assert spans(seeded, coder="alice") == [(0, 12, "PERSON", "accepted")]
    assert spans(seeded, coder="bob") == [(0, 12, "ORG", "changed")]
    assert stances(seeded, coder="alice")["Ukraine"][0] == "FAVOR"
    assert stances(seeded, coder="bob")["Ukraine"][0] == "AGAINST"


async def test_a_document_without_suggestions_is_suggested_in_a_worker(cli, project, tmp_path):
    cli("import", str(write_jsonl(tmp_path / "d.jsonl", [{"id": "new", "text": "Vladimir Putin met NATO envoys in Kyiv."}])))
    app = make_app(project)
    async with app.run_test() as pilot:
        screen = pilot.app.screen
        await pilot.pause()
        assert screen.doc.id == "new"
        await ready(pilot)
        assert screen.doc.suggestion.model == "ruler"
        assert [(s.start, s.end, s.label) for s in screen.doc.suggestion.spans] == [
            (0, 14, "PERSON"), (19, 23, "ORG"), (34, 38, "GPE")]
        await pilot.press("a")
    assert spans(project, "new") == [(0, 14, "PERSON", "accepted")]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_a_long_article_renders_only_visible_lines(cli, project, tmp_path, size):
    text = "\n\n".join(f"Paragraph {i}: Vladimir Putin spoke to NATO about Ukraine and Kyiv." for i in range(1500))
    assert len(text) > 100_000
    cli("import", str(write_jsonl(tmp_path / "long.jsonl", [{"id": "long", "text": text}])))
    # Suggestions stored directly (the model's speed is not what this test is about): every "Vladimir Putin".
    from annotator.services.suggest import suggest

    suggest(open_project(str(project)), pipeline=rule_pipeline())
    (suggested,) = show_document(open_project(str(project)), "long")["suggestions"]
    assert len(suggested["spans"]) == 6000  # Vladimir Putin, NATO, Ukraine and Kyiv in each paragraph
    app = make_app(project)
    async with app.run_test(size=size) as pilot:
        screen = await ready(pilot)
        view = screen.article
        calls = []
        original = view.render_line
        view.render_line = lambda y: calls.append(y) or original(y)
        await pilot.press("pagedown", "pagedown", "right")
        await pilot.pause()
        assert calls and max(calls) < size[1]  # only screen lines, never the whole document
        assert view.cursor_range[0] > 0 and view.scroll_offset.y > 0
        calls.clear()
        await pilot.press("right")
        await pilot.pause()
        assert 1 <= len(set(calls)) <= 2  # a cursor move repaints the line it left and the one it entered


async def test_tab_and_u_jump_between_entities_and_undecided_suggestions(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("tab")
        assert screen.focused_item().entity.start == 23  # "Vladimir Putin"
        await pilot.press("shift+tab")
        assert screen.focused_item().entity.start == 0
        await pilot.press("a")  # accepted, and on to the next undecided one
        assert screen.focused_item().entity.start == 23 and not screen.focused_item().entity.coded
        await pilot.press("shift+tab", "u")  # from the decided one, u skips to the next undecided one
        assert screen.focused_item().entity.start == 23
        await pilot.press("pagedown")
        assert screen.article.cursor_range[0] > 100


async def test_an_empty_project_says_how_to_import(project):
    async with make_app(project).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert screen.doc is None
        text = "\n".join(str(screen.article.render_line(y).text) for y in range(4))
        assert "No documents yet" in text and "annotator import PATH" in text
        await pilot.press("a", "n", "d", "q")
    assert not pilot.app.is_running


async def test_an_entities_only_codebook_codes_without_stance(cli, database, tmp_path):
    from conftest import ROOT

    cli("init", "--schema", str(ROOT / "schemas" / "news-entities.toml"))
    cli("import", str(write_jsonl(tmp_path / "d.jsonl", [{"id": "e", "text": "The Mona Lisa hangs in Paris."}])))
    db = database
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        screen.article.move_to(0)  # "The"
        await pilot.press("shift+right", "shift+right", "9", "g", "plus")
        keys = str(screen.query_one("#keys").render())
        assert "stance" not in keys and "123456789 label" in keys
    assert [s[:3] for s in spans(db, "e")] == [(0, 13, "WORK_OF_ART")] and stances(db, "e") == {}


async def test_a_locked_database_loses_nothing_and_says_so(seeded, monkeypatch, sqlite_only):  # SQLite's file lock
    """Another process holds the write lock past the busy timeout and the save's patience (a minute,
    here half a second): the key is refused visibly, the screen keeps the stored state, and pressing
    it again once the lock is gone stores it."""
    import annotator.services.coding as coding_module
    import annotator.store.engine as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(coding_module, "SAVE_PATIENCE", 0.5)
    app = make_app(seeded)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        blocker = sqlite3.connect(seeded, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        await pilot.press("a")
        await pilot.pause()
        assert screen.doc.annotation.spans == ()  # the screen shows what is stored, not what failed
        assert any("Not saved" in (n.title or "") for n in app._notifications)
        blocker.execute("ROLLBACK")
        blocker.close()
        await pilot.press("a")
    assert spans(seeded) == [(0, 12, "PERSON", "accepted")]


async def test_a_done_that_is_not_stored_keeps_the_document_open(seeded, monkeypatch, sqlite_only):
    """`d` while another process holds the write lock: the coder stays on the document, told it was
    not saved, rather than moved on as if it were done; `d` again once the lock is gone moves on."""
    import annotator.services.coding as coding_module
    import annotator.store.engine as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(coding_module, "SAVE_PATIENCE", 0.5)
    app = make_app(seeded)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        first = screen.doc.pk
        await pilot.press("A")  # every suggestion decided, so `d` does not ask first
        blocker = sqlite3.connect(seeded, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        await pilot.press("d")
        await pilot.pause()
        assert screen.doc.pk == first and screen.doc.annotation.status != "done"
        assert any("Not saved" in (n.title or "") for n in app._notifications)
        blocker.execute("ROLLBACK")
        blocker.close()
        await pilot.press("d")
        await pilot.pause()
        assert screen.doc.pk != first
    assert rows(seeded, "SELECT status FROM annotation WHERE document_pk = ?", first) == [("done",)]


async def test_a_done_not_stored_after_the_undecided_question_is_not_asked_again(seeded, monkeypatch, sqlite_only):
    """`d` asks about undecided suggestions, `d` again fails to save (locked): once the lock is gone
    the next `d` stores done, without asking the question a second time."""
    import annotator.services.coding as coding_module
    import annotator.store.engine as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(coding_module, "SAVE_PATIENCE", 0.5)
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        first = screen.doc.pk
        await pilot.press("d")  # the question
        blocker = sqlite3.connect(seeded, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        await pilot.press("d")
        await pilot.pause()
        blocker.execute("ROLLBACK")
        blocker.close()
        assert screen.doc.pk == first
        await pilot.press("d")
        await pilot.pause()
        assert screen.doc.pk != first
    assert rows(seeded, "SELECT status FROM annotation WHERE document_pk = ?", first) == [("done",)]


async def test_a_document_fetched_ahead_opens_with_spacys_tokens_in_one_frame(seeded):
    """The next document is tokenized by spaCy while the coder reads this one, so `n` paints once:
    no second frame when tokens arrive."""
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        calls = []
        screen._tokenize = lambda pk, text: calls.append(pk)
        await pilot.press("n")
        await ready(pilot)
        assert screen.doc.id == "GUM_news_afghan" and calls == []
        starts, _ = screen.session.tokens(screen.doc.text)
        text = screen.doc.text
        assert screen.article.starts == [s for s in starts if not text[s].isspace()]


async def test_the_next_document_is_painted_before_its_background_work_starts(seeded):
    """Fetching ahead and tokenizing run in threads that hold Python's lock in 5 ms slices: started
    before the frame, they made `n` and `d` wait for it. The frame comes first, then the work."""
    app = make_app(seeded)
    async with app.run_test() as pilot:
        await ready(pilot)
        first = app.screen.doc.pk
        running_at_paint: list[list[str]] = []
        display = app._display

        def frame_written(screen, update) -> None:
            display(screen, update)
            doc = getattr(app.screen, "doc", None)
            if update is not None and doc is not None and doc.pk != first and not running_at_paint:
                running_at_paint.append([worker.description for worker in app.workers])

        app._display = frame_written
        await pilot.press("n")
        await ready(pilot)
        assert running_at_paint == [[]]
        ahead = app.screen.controller.ahead
        assert ahead is not None and ahead.after_pk == app.screen.doc.pk  # then it ran


async def test_in_the_random_order_the_header_shows_each_documents_place_counted_after_its_paint(seeded):
    """A document's place in the random order is a count of every document before it: the screen
    paints the document, then a worker counts, and the header says it; `d` and `n` carry it on."""
    from annotator.tui.widgets.header_bar import HeaderBar

    session = CodingSession(open_project(str(seeded)), "alice", clock=lambda: 0.0, pipeline=rule_pipeline(),
                            order="random")
    async with CodingApp(session).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        header = screen.query_one(HeaderBar)
        for keys in ((), ("n",), ("n", "d", "d"), ("p",)):
            await pilot.press(*keys)
            await ready(pilot)
            place = session.position(screen.doc.pk)
            assert place > 0 and f"{place} of 25 ·" in str(header.line()), (keys, str(header.line()))
        header.set_progress(None, 25, 0, "draft")
        assert "… of 25 · done today 0" in str(header.line())
