"""The dashboard: progress per coder, agreement charts and the most disputed documents."""

from __future__ import annotations

from conftest import rows, rule_pipeline, write_jsonl
from test_agree_cli import _records
from textual.widgets import DataTable, ProgressBar

from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from annotator.tui.app import CodingApp
from annotator.tui.screens.coding import CodingScreen
from annotator.tui.screens.dashboard import DashboardScreen


async def _shown(pilot) -> DashboardScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen) and screen.data is not None
    return screen


def _pk(db, doc_id: str) -> int:
    return rows(db, "SELECT pk FROM document WHERE id = ?", doc_id)[0][0]


async def test_the_dashboard_shows_the_database_and_opens_a_disputed_document(cli, project, tmp_path):
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
        assert "undefined: Russia" in screen.query_one("#stance").border_subtitle
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
