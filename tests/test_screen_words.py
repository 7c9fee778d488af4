"""The words a coder reads: the find box, the command palette, undo notices, the help's guidelines."""

from __future__ import annotations

import tomllib

import pytest
from textual import events
from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.widgets import Input, OptionList, Static

from annotator.domain import coding as e
from annotator.domain.coding import Annotation
from annotator.domain.describe import describe_change, replay_notice
from annotator.domain.suggestions import SuggestedSpan, SuggestedStance, Suggestion
from annotator.tui.screens.find import FindScreen
from annotator.tui.screens.help import HelpScreen, reflow
from conftest import ROOT, rows
from test_coding_screen import make_app, ready

pytestmark = pytest.mark.screen  # painting and keys through Pilot: SQLite alone (see conftest)


def shown(widget) -> list[str]:
    """The widget's lines as the terminal shows them."""
    return [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, *widget.outer_size))]


async def burst(pilot, *keys: str) -> None:
    """Keys as a terminal delivers them when typed fast: all queued before the first is handled."""
    for key in keys:
        pilot.app.post_message(events.Key(key, key if len(key) == 1 else {"backspace": "\x7f"}.get(key)))
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


# The find box -------------------------------------------------------------------------------------
async def test_the_find_box_keeps_every_key_typed_fast_and_lists_its_matches(seeded):
    async with make_app(seeded).run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash")
        await burst(pilot, *"robot", *["backspace"] * 5, *"news")
        find = pilot.app.screen
        assert isinstance(find, FindScreen)
        assert find.query_one(Input).value == "news"
        options = find.query_one(OptionList)
        matches = screen.session.find("news")
        assert len(matches) > 1
        listed = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert listed == [str(pk) for pk, *_ in matches]
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen is screen and screen.doc.id == matches[0][1]

        await pilot.press("slash")  # enter typed in the same burst opens the match all the same
        await burst(pilot, *"korea", "enter")
        assert pilot.app.screen is screen and screen.doc.id == "GUM_news_korea"


async def test_keys_typed_in_the_same_burst_as_the_slash_go_to_the_find_box(seeded):
    """Typed fast, "/12+" must search for "12+", never code a label or a stance on the article."""
    async with make_app(seeded).run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        await burst(pilot, "slash", *"k1+", "backspace", "backspace", *"orea")
        find = pilot.app.screen
        assert isinstance(find, FindScreen) and find.query_one(Input).value == "korea"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.doc.id == "GUM_news_korea"
    assert rows(seeded, "SELECT count(*) FROM annotation") == [(0,)]


async def test_found_titles_are_whole_and_cut_with_an_ellipsis_to_one_line(seeded):
    async with make_app(seeded).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"robotics")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        options = pilot.app.screen.query_one(OptionList)
        [(pk, doc_id, title)] = screen.session.find("robotics")
        assert len(title) > 70  # "After visa snags, all-girl Afghan team honored for ... robotics competition"
        assert str(options.get_option_at_index(0).prompt) == f"{doc_id}  {title}"
        [line] = [text for text in (line.strip("▊▎▔▁ ") for line in shown(options)) if text]  # not wrapped
        assert line.startswith(f"{doc_id}  After visa snags") and line.endswith("…")


async def test_the_find_box_and_the_help_say_it_searches_the_text_too(seeded):
    """Both said "id or title", yet a word only in an article's body finds it."""
    async with make_app(seeded).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"daughters")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        find = pilot.app.screen
        assert "(id, title or text)" in shown(find.query_one("Vertical"))[0]
        assert "text" in find.query_one(Input).placeholder
        options = find.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            str(pk) for pk, doc_id, title in screen.session.find("daughters") if doc_id == "GUM_news_afghan"]
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        keys = "\n".join(shown(list(pilot.app.screen.query(Static))[0]))
        assert "Find a document by words of its id, title or text" in " ".join(keys.split())


# The command palette ------------------------------------------------------------------------------
async def test_the_palette_lists_the_projects_actions_with_keys_as_typed_and_nothing_of_textuals(seeded):
    async with make_app(seeded).run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = pilot.app.screen
        assert isinstance(palette, CommandPalette)
        commands = palette.query_one(CommandList)
        for _ in range(50):  # the palette gathers its commands in a task of its own
            if commands.option_count:
                break
            await pilot.pause(0.02)
        titles = [str(commands.get_option_at_index(i).prompt).splitlines()[0] for i in range(commands.option_count)]
    for title in ["end left ({)", "end right (})", "start left ([)", "find (/)", "help (?)", "accept (a)",
                  "stance FAVOR (+)", "stance AGAINST (-)", "label PERSON (1)", "undo (ctrl+z)", "quit (q)"]:
        assert title in titles
    assert not [t for t in titles if "_bracket" in t or "question_mark" in t or "slash" in t]
    assert not [t for t in titles if t.split()[0] in ("Theme", "Keys", "Screenshot", "Maximize", "Minimize")]


# Undo notices -------------------------------------------------------------------------------------
TEXT = "Donald Trump's call to Vladimir Putin has marked a shift in US policy on Ukraine."
TRUMP, PUTIN, US = SuggestedSpan(0, 12, "PERSON"), SuggestedSpan(23, 37, "PERSON"), SuggestedSpan(60, 62, "GPE")
UKRAINE, RUSSIA = SuggestedStance("Ukraine", "FAVOR", 0.6), SuggestedStance("Russia", "AGAINST", 0.7)
SUGGESTION = Suggestion("m", "1", (TRUMP, PUTIN, US), (UKRAINE, RUSSIA))
EMPTY = Annotation()
ACCEPTED = e.accept(EMPTY, TRUMP)


def trump(annotation: Annotation):
    return next(s for s in annotation.spans if s.start == 0)


@pytest.mark.parametrize("before, edit, said", [
    (EMPTY, lambda a: e.accept(a, TRUMP), "PERSON 'Donald Trump' accepted"),
    (EMPTY, lambda a: e.accept(a, TRUMP, "ORG"), "PERSON 'Donald Trump' accepted as ORG"),
    (EMPTY, lambda a: e.reject(a, TRUMP), "PERSON 'Donald Trump' rejected"),
    (EMPTY, lambda a: e.add_span(a, 15, 22, "EVENT"), "EVENT 'call to' added"),
    (EMPTY, lambda a: e.add_span(a, 0, 6, "PERSON", SUGGESTION), "PERSON 'Donald Trump' accepted as PERSON 'Donald'"),
    (ACCEPTED, lambda a: e.relabel(a, trump(a), "ORG"), "PERSON 'Donald Trump' relabelled ORG"),
    (ACCEPTED, lambda a: e.resize(a, trump(a), 0, 6), "PERSON 'Donald Trump' resized to 'Donald'"),
    (ACCEPTED, lambda a: e.remove(a, trump(a)), "PERSON 'Donald Trump' removed"),
    (ACCEPTED, lambda a: e.reject(a, TRUMP), "PERSON 'Donald Trump' removed"),
    (EMPTY, lambda a: e.set_stance(a, "Ukraine", "AGAINST", UKRAINE), "stance Ukraine AGAINST"),
    (EMPTY, lambda a: e.set_stance(a, "NATO", "NONE", None), "stance NATO NONE"),
    (EMPTY, lambda a: e.accept_stance(a, UKRAINE), "stance Ukraine FAVOR accepted"),
    (EMPTY, lambda a: e.reject_stance(a, "Ukraine", UKRAINE), "stance Ukraine FAVOR rejected"),
    (e.accept_stance(EMPTY, UKRAINE), lambda a: e.set_stance(a, "Ukraine", "NONE", UKRAINE),
     "stance Ukraine NONE (was FAVOR)"),
    (e.accept_stance(EMPTY, UKRAINE), lambda a: e.reject_stance(a, "Ukraine", UKRAINE), "stance Ukraine FAVOR cleared"),
    (EMPTY, lambda a: e.set_status(a, "done"), "marked done"),
    (EMPTY, lambda a: e.set_status(a, "skipped"), "marked skipped"),
    (e.set_status(EMPTY, "done"), lambda a: e.set_status(a, "draft"), "back to draft"),
    (EMPTY, lambda a: e.accept_all(a, SUGGESTION), "5 suggestions accepted"),
    (e.add_span(EMPTY, 0, 14, "PERSON"), lambda a: e.accept(a, TRUMP), "2 changes"),  # accepting drops the overlap
    (ACCEPTED, lambda a: a, "no change"),
])
def test_a_change_in_a_few_words(before, edit, said):
    assert describe_change(before, edit(before), TEXT) == said


def test_undo_and_redo_notices_name_the_change_as_it_was_made():
    assert replay_notice(True, EMPTY, ACCEPTED, TEXT) == "Undid: PERSON 'Donald Trump' accepted"
    stance = e.set_stance(EMPTY, "Ukraine", "AGAINST", UKRAINE)
    assert replay_notice(False, EMPTY, stance, TEXT) == "Redid: stance Ukraine AGAINST"


def test_a_long_or_broken_span_text_is_quoted_on_one_short_line():
    text = "The\nNorth Atlantic   Treaty Organization and its members, acting together as one alliance"
    said = describe_change(EMPTY, e.add_span(EMPTY, 0, len(text), "ORG"), text)
    assert said.startswith("ORG 'The North Atlantic Treaty Organization") and said.endswith("…' added")
    assert "\n" not in said and len(said) < 60


async def test_a_notice_replaces_the_one_before(seeded):
    async with make_app(seeded).run_test(size=(100, 30), notifications=True) as pilot:
        await ready(pilot)
        pilot.app.say("Undid: PERSON 'Donald Trump' accepted")
        pilot.app.say("Redid: [bold]stance[/bold] Ukraine AGAINST", title="Undo")
        await pilot.pause()
        toasts = list(pilot.app.screen.query("Toast"))
        assert len(toasts) == 1
        assert "Redid: [bold]stance[/bold] Ukraine AGAINST" in "\n".join(shown(toasts[0]))  # plain text


async def test_a_notice_reaches_the_right_edge_so_nothing_below_shows_beside_it(seeded):
    """Toasts left two columns free for a scrollbar never drawn: the side panel's last character
    ("," of a wrapped codebook line) flickered there, beside the notice."""
    async with make_app(seeded).run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        pilot.app.say("12 suggestions undecided: d again to mark done without them, u to go to the first.")
        await pilot.pause()
        [toast] = pilot.app.screen.query("Toast")
        assert toast.region.right == 80 and toast.region.width >= 38


# The help's guidelines ----------------------------------------------------------------------------
def test_guidelines_reflow_as_paragraphs_and_keep_list_items():
    assert reflow("\nOne paragraph\nwrapped by hand.\n\n- an item\n  going on\n- another\n") == (
        "One paragraph wrapped by hand.\n\n- an item going on\n- another")


async def test_the_help_wraps_the_guidelines_to_the_screen_not_at_the_tomls_breaks(seeded):
    guidelines = tomllib.loads((ROOT / "schemas" / "news-stance.toml").read_text("utf-8"))["guidelines"]
    assert "toward it, not the\nstance of a single quoted speaker" in guidelines  # a hard break mid-sentence
    async with make_app(seeded).run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        static = list(pilot.app.screen.query(Static))[-1]
        lines = shown(static)
        width = static.size.width
    start = lines.index("Guidelines") + 1
    paragraph = lines[start + lines[start:].index("") + 1:]
    paragraph = paragraph[:paragraph.index("")]
    assert paragraph[0].startswith("Stance: for each target")
    assert "toward it, not the stance of a single quoted speaker" in " ".join(paragraph)
    for line, following in zip(paragraph, paragraph[1:]):  # each line as full as the next word allows
        assert len(line) + 1 + len(following.split()[0]) > width, (line, following)
