"""Snapshots of the coding screen and its help, as a person sees them (update only after looking)."""

from __future__ import annotations

import pytest

from test_coding_screen import make_app


@pytest.fixture
def snapshot(snapshot, backend):
    """Both backends must paint the very same screen: each compares with the one SVG, named without
    the backend (test_coding_screen[size0].svg, not test_coding_screen[sqlite-size0].svg)."""
    location = snapshot.test_location
    location.testname = location.testname.replace(f"[{backend}-", "[").replace(f"[{backend}]", "")
    return snapshot


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_coding_screen(snap_compare, seeded, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("a", "tab", "tab", "right", "shift+right", "4", "g", "g", "minus")
        await settle(pilot)

    assert snap_compare(make_app(seeded), terminal_size=size, run_before=run_before)


def test_help_screen(snap_compare, seeded):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(seeded), terminal_size=(80, 24), run_before=run_before)
