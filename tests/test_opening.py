"""The command line's app paints its first frame before the database layer loads, then opens."""

from __future__ import annotations

import threading

from conftest import rule_pipeline
from test_coding_screen import annotation, ready

from annotator.domain.errors import InputError
from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from annotator.tui.app import CodingApp, OpeningScreen, make_app
from annotator.tui.screens.coding import CodingScreen


async def test_the_opening_screen_shows_until_the_project_is_open_and_keys_there_do_nothing(seeded):
    may_open = threading.Event()

    def opener() -> CodingSession:
        may_open.wait(10)
        return CodingSession(open_project(str(seeded)), "alice", pipeline=rule_pipeline())

    app = CodingApp(opener=opener, opening="annotator.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OpeningScreen)
        assert "opening annotator.db" in str(app.screen.query_one("Static").render())
        await pilot.press("a", "d", "d")  # nothing on screen to act on: nothing stored
        may_open.set()
        await app.workers.wait_for_complete()
        screen = await ready(pilot)
        assert isinstance(screen, CodingScreen)
        assert screen.doc is not None
    assert annotation(seeded) is None


async def test_an_error_while_opening_ends_the_app_and_is_kept_for_the_command_line(tmp_path):
    def opener() -> CodingSession:
        raise InputError(f"no project database at {tmp_path / 'x.db'}")

    app = CodingApp(opener=opener, opening="x.db")
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert isinstance(app.open_error, InputError)
    assert app.return_code == 1


def test_a_server_password_never_reaches_the_opening_screen():
    app = make_app("postgresql+psycopg://ann:s3cret@db.example.org/news", "alice")
    assert "s3cret" not in app._opening
    assert app._opening == "postgresql+psycopg://…@db.example.org/news"
