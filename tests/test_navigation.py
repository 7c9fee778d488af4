"""Moving through an article with the arrows and pages: the cursor never sticks and never leaves the view."""

from __future__ import annotations

import pytest

from conftest import write_jsonl
from test_coding_screen import SEED, make_app, ready

pytestmark = pytest.mark.screen  # painting and keys through Pilot: SQLite alone (see conftest)

# Paragraphs, a run of blank lines, and a word too long for a narrow view (cut over several lines).
SHORT = ("Putin spoke to NATO.\n\nKyiv answered at once, citing https://example.org/a-long-address today.\n\n\n\n"
         "Ukraine waits.\n")


@pytest.fixture
def short_article(cli, project, tmp_path):
    cli("import", str(write_jsonl(tmp_path / "short.jsonl", [{"id": "short", "text": SHORT}])))
    return project


# The seed article at 80x24; a short article at 20x6 (the side panel gives way below 60 columns),
# where it runs to more lines than the screen holds.
CASES = [("seeded", (80, 24)), ("short_article", (20, 6))]


def token_lines(view) -> list[int]:
    """The screen lines (header included) on which a token starts, in order."""
    return sorted({view.line_of(start) for start in view.starts})


def check_cursor(view) -> int:
    """The cursor's line is inside the view and the cursor is drawn there; returns that line."""
    start, end = view.cursor_range
    line = view.line_of(start)
    top, height = view.scroll_offset.y, view.scrollable_content_region.height
    assert top <= line < top + height, (line, top, height)
    strip = view.render_line(line - top)
    drawn = "".join(segment.text for segment in strip if segment.style and segment.style.reverse)
    assert drawn and view.doc.text[start:end].startswith(drawn), (drawn, view.doc.text[start:end])
    return line


async def walk(pilot, view, key: str, direction: int, presses: int) -> list[int]:
    """Press `key` until the cursor stops, checking it after each press: every press moves it on,
    except the last. Returns the lines the cursor was on."""
    lines = [check_cursor(view)]
    for _ in range(presses):
        before = view.cursor_range[0]
        await pilot.press(key)
        lines.append(check_cursor(view))
        after = view.cursor_range[0]
        if after == before:
            return lines
        assert (after - before) * direction > 0, (key, before, after)
    raise AssertionError(f"{key} still moving after {presses} presses")


@pytest.mark.parametrize("db, size", CASES)
async def test_down_and_up_visit_every_line_through_blank_lines(request, db, size):
    async with make_app(request.getfixturevalue(db)).run_test(size=size) as pilot:
        view = (await ready(pilot)).article
        assert "\n\n" in view.doc.text  # paragraphs with blank lines between them
        lines = token_lines(view)
        assert len(lines) > size[1]  # more lines than the screen: the view has to scroll
        down = await walk(pilot, view, "down", 1, len(lines) + 5)
        assert down[:-1] == lines  # each line holding a token once, in order; blank lines passed over
        up = await walk(pilot, view, "up", -1, len(lines) + 5)
        assert up[:-1] == lines[::-1]


@pytest.mark.parametrize("db, size", CASES)
async def test_pages_keep_the_cursor_in_view_to_the_end_and_back(request, db, size):
    async with make_app(request.getfixturevalue(db)).run_test(size=size) as pilot:
        view = (await ready(pilot)).article
        lines = token_lines(view)
        await walk(pilot, view, "pagedown", 1, len(lines))
        assert view.line_of(view.cursor_range[0]) == lines[-1]
        await walk(pilot, view, "pageup", -1, len(lines))
        assert view.line_of(view.cursor_range[0]) == lines[0]


async def test_down_keeps_the_column_through_short_and_blank_lines(seeded):
    async with make_app(seeded).run_test(size=(80, 24)) as pilot:
        view = (await ready(pilot)).article
        await pilot.press("right", "right", "right")
        assert view.cursor_range == (15, 19)  # "call", 15 cells in
        for line in token_lines(view)[1:16]:  # through the first paragraphs and the blank lines between
            await pilot.press("down")
            assert view.line_of(view.cursor_range[0]) == line
            on_line = [(s, e) for s, e in zip(view.starts, view.ends) if view.line_of(s) == line]
            column = on_line[0][0] + 15
            expected = next((t for t in on_line if column < t[1]), on_line[-1])  # under that column, else after it
            assert view.cursor_range == expected


async def test_right_at_a_paragraphs_end_goes_to_the_next_paragraphs_first_word(seeded):
    async with make_app(seeded).run_test(size=(80, 24)) as pilot:
        view = (await ready(pilot)).article
        assert view.doc.id == SEED
        text = view.doc.text
        paragraph_end = text.index("\n\n")
        visited = [view.cursor_range]
        while view.cursor_range[0] < paragraph_end:
            await pilot.press("right")
            check_cursor(view)
            visited.append(view.cursor_range)
        assert text[slice(*visited[-2])] == "." and visited[-2][1] == paragraph_end
        assert view.cursor_range == (paragraph_end + 2, paragraph_end + 7)  # "Since"
        await pilot.press("left")
        assert view.cursor_range == visited[-2]


async def test_resizing_keeps_the_cursor_on_its_token_and_in_view(seeded):
    async with make_app(seeded).run_test(size=(80, 24)) as pilot:
        view = (await ready(pilot)).article
        while view.line_of(view.cursor_range[0]) < 30:  # an entity well below the first screen
            await pilot.press("tab")
        token = view.cursor_range
        for width, height in [(80, 10), (40, 10), (120, 40), (40, 8), (80, 24)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            assert view.cursor_range == token, (width, height)
            check_cursor(view)
        await pilot.press("down", "up")
        check_cursor(view)
