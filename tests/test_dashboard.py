"""The dashboard: progress per coder, agreement charts and the documents the coders agree on least."""

from __future__ import annotations

from conftest import rows, rule_pipeline, write_jsonl
from test_agree_cli import _records
from test_screen_words import shown
from textual.widgets import DataTable, ProgressBar

from annotator.services.coding import CodingSession
from annotator.services.dashboard import who_codes
from annotator.services.project import open_project
from annotator.tui.app import CodingApp
from annotator.tui.screens.coding import CodingScreen
from annotator.store.assignments import CoderRow
from annotator.tui.screens.dashboard import DashboardScreen, suggestion_use_line


async def _shown(pilot) -> DashboardScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen) and screen.data is not None
    return screen


def _pk(db, doc_id: str) -> int:
    return rows(db, "SELECT pk FROM document WHERE id = ?", doc_id)[0][0]


async def test_the_dashboard_shows_the_database_and_opens_a_least_agreed_document(cli, project, tmp_path):
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", _records()))).code == 0
    assert cli("coder", "add", "carol").code == 0  # alice and bob came with the import
    assert cli("assign", "--coders", "alice,bob,carol", "--per-doc", "2").code == 0
    session = CodingSession(open_project(str(project)), "alice", pipeline=rule_pipeline())
    app = CodingApp(session, dashboard_first=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _shown(pilot)
        bars = list(screen.query(ProgressBar))
        assert [(c.name, c.done) for c in screen.data.coders] == [("alice", 6), ("bob", 6), ("carol", 6)]
        assert [b.progress for b in bars] == [6, 6, 6]  # every done document is theirs: work is kept
        table = screen.query_one(DataTable)
        # d0: the entity spans differ (5 of 7 items); d1 and d4: the Ukraine stance differs or is missing
        assert [table.get_row_at(i)[:2] for i in range(table.row_count)] == [
            ["d0", "5 of 7"], ["d1", "1 of 2"], ["d4", "1 of 2"]]
        assert round(screen.data.stance_alpha["Ukraine"], 3) == 0.824
        assert screen.data.stance_alpha["Russia"] is None
        assert "Russia    –" in "\n".join(shown(screen.query_one("#stance")))  # undefined: named, no bar
        assert "– undefined" in screen.query_one("#stance").border_subtitle
        await pilot.press("down", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen) and coding.doc.pk == _pk(project, "d1")


async def test_D_opens_the_dashboard_from_the_coding_screen_and_escape_returns_to_the_same_document(seeded):
    app = CodingApp(CodingSession(open_project(str(seeded)), "alice", pipeline=rule_pipeline()))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("n")
        coding = app.screen
        at = coding.doc.pk
        await pilot.press("D")
        screen = await _shown(pilot)
        assert screen.data.shared_documents == 0 and screen.query_one(DataTable).row_count == 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is coding and coding.doc.pk == at


async def test_at_80x24_the_dashboard_cuts_no_name_lists_no_idle_lead_and_says_least_agreed(cli, project, tmp_path):
    """A chart label was cut to "United Sta", a lead who codes nothing showed as a coder at "0/6",
    and the list was "Most disputed" while `gold` called none of its majority items disputed."""
    records = [{**r, "stance": {"United States" if t == "Ukraine" else t: label for t, label in r["stance"].items()}}
               for r in _records()]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", records))).code == 0
    assert cli("coder", "add", "lena", "--role", "lead").code == 0
    session = CodingSession(open_project(str(project)), "alice", pipeline=rule_pipeline())
    async with CodingApp(session, dashboard_first=True).run_test(size=(80, 24)) as pilot:
        screen = await _shown(pilot)
        chart = "\n".join(shown(screen.query_one("#stance")))
        assert f"United States {screen.data.stance_alpha['United States']:.2f}" in chart, chart
        progress = [str(label.render()) for label in screen.query_one("#progress").query(".who")]
        assert [line.split()[0] for line in progress] == ["alice", "bob", "carol"]
        table = screen.query_one(DataTable)
        assert table.border_title.startswith("Least agreed")
        assert [str(column.label) for column in table.columns.values()] == ["document", "differ", "title"]
        words = " ".join([table.border_title, *(str(c.label) for c in table.columns.values()),
                          *shown(screen.query_one("#keys")), *shown(screen.query_one("#title"))])
        assert "disputed" not in words.lower()


def test_a_lead_shows_in_the_progress_only_with_work_of_their_own():
    rows = [CoderRow("ann", "coder", 0, 0, 0), CoderRow("lena", "lead", 0, 0, 0),
            CoderRow("lou", "lead", 0, 0, 2), CoderRow("lyn", "lead", 5, 0, 0)]
    assert [row.name for row in who_codes(rows)] == ["ann", "lou", "lyn"]


def test_the_suggestion_use_line_folds_whole_phrases_to_the_progress_box():
    use = {"accepted": 1.0, "changed": 0.0, "rejected": 0.0, "decided": 441, "seconds": 4.2}
    assert suggestion_use_line(use, 60) == "  ✓100% ~0% ✗0% of 441 suggestions · 4 s/doc"
    assert suggestion_use_line(use, 35) == "  ✓100% ~0% ✗0% of 441 suggestions\n  4 s/doc"  # 80 columns
    for width in (34, 25, 20):
        lines = suggestion_use_line(use, width).splitlines()
        assert all(len(line) <= width for line in lines) and "441 suggestions" in " ".join(lines)
