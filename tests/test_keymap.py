"""Keys a coder remaps: the [keys] table of the user's config file, checked like the codebook, laid
over the screen's key table; the help, the palette and Textual's bindings show the keys in force."""

from __future__ import annotations

import io
import string
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App
from textual.keys import _character_to_key, format_key

from annotator.domain.codebook import parse_codebook
from annotator.domain.errors import ConfigError
from annotator.domain.keymap import DEFAULT_KEYS, key_character, key_name, keys_in_force, parse_config
from annotator.services.config import config_path, load_keys
from annotator.tui.keys import SCREEN_BINDINGS, bar_key, key_table, screen_key_actions
from annotator.tui.screens.help import HelpScreen
from conftest import in_process

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = parse_codebook((ROOT / "schemas" / "news-stance.toml").read_text("utf-8"))


def problem(table: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        keys_in_force(table, "config.toml")
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


# The [keys] table --------------------------------------------------------------------------------
def test_a_remap_replaces_the_default_and_leaves_the_other_keys_alone():
    keys = keys_in_force({"accept": "y", "next-target": "ctrl+g,G", "help": "h", "reject": "?"})
    assert keys.keys["accept"] == ("y",) and keys.keys["next-target"] == ("ctrl+g", "G")
    assert keys.keys["reject"] == ("question_mark",)  # ? is free once help is remapped; in Textual's name
    assert keys.keys["done"] == ("d",) and keys.keys["undo"] == ("ctrl+z",)
    assert dict(keys.remapped) == {"accept": "y", "next-target": "ctrl+g,G", "help": "h", "reject": "question_mark"}
    assert keys_in_force({"accept": "a"}).remapped == {}  # the default given again remaps nothing
    assert keys_in_force({"accept": ["y", ","]}).keys["accept"] == ("y", "comma")  # a list may name a comma


def test_keys_are_named_as_textual_names_them():
    assert keys_in_force({"accept": "shift+ctrl+y"}).keys["accept"] == ("ctrl+shift+y",)  # the terminal's order
    assert "clashes with next-entity, which has 'tab'" in problem({"accept": "ctrl+i"})  # one key, two names
    for character in string.printable.strip():
        assert key_name(character) == _character_to_key(character), character
        assert key_character(key_name(character)) == character, character


def test_an_unknown_binding_is_named_with_the_valid_ones():
    line = problem({"acept": "y"})
    assert line.startswith("config.toml: unknown key binding 'acept'")
    assert "accept reject all done" in line and "next-target" in line


def test_a_key_given_to_two_bindings_names_both():
    line = problem({"accept": "x"})
    assert "accept = 'x' clashes with reject, which has 'x' (its default)" in line
    assert "or remap reject too" in line
    line = problem({"accept": "y", "reject": "y"})
    assert "reject = 'y' clashes with accept, which has 'y'; give reject another key" in line
    assert keys_in_force({"accept": "x", "reject": "a"}).keys["reject"] == ("a",)  # a swap is no clash


def test_a_remapped_key_the_codebook_binds_names_the_key_the_binding_and_the_label():
    keys = keys_in_force({"accept": "1", "done": "+"}, "config.toml", '[keys]\naccept = "1"\ndone = "+"\n')
    with pytest.raises(ConfigError) as caught:
        keys.check_codebook(CODEBOOK)
    assert caught.value.problems == [
        "config.toml:2: accept = '1' is the codebook's key for entity label 'PERSON'; give accept another key",
        "config.toml:3: done = '+' is the codebook's key for stance 'FAVOR'; give done another key"]
    keys_in_force({"accept": "y", "reject": "ctrl+1"}).check_codebook(CODEBOOK)  # no character: no clash


@pytest.mark.parametrize("value, words", [
    ("Ctrl+y", "'Ctrl+y' is not a key"), ("hyper+", "'hyper+' is not a key"), ("f25", "'f25' is not a key"),
    ("", "an empty key"), ("y,,z", "an empty key (the comma key is written comma)"), (3, "give its keys as a string"),
    ("ctrl+p", "ctrl+p is the app's key for the command palette"), ("ctrl+q", "the app's key for quit")])
def test_a_key_that_is_no_key_is_refused(value, words):
    line = problem({"accept": value})
    assert line.startswith("config.toml: accept = ") and words in line, line


def test_the_file_names_its_line_and_a_toml_mistake_its_line_and_column():
    with pytest.raises(ConfigError) as caught:
        parse_config('# mine\n[keys]\nnext = "y"\naccept = "x"\n', "config.toml")
    assert caught.value.problems[0].startswith("config.toml:4: accept = 'x' clashes with reject")
    with pytest.raises(ConfigError) as caught:
        parse_config('[keys]\naccept = "y\n', "config.toml")
    assert caught.value.problems[0].startswith("config.toml:2:")
    assert "not valid TOML" in caught.value.problems[0]
    with pytest.raises(ConfigError, match="unknown setting 'key'"):
        parse_config('[key]\naccept = "y"\n', "config.toml")


# The file ----------------------------------------------------------------------------------------
def test_the_config_file_is_read_from_xdg_config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "annotator" / "config.toml"
    assert load_keys() is DEFAULT_KEYS  # no file: the defaults
    (tmp_path / "annotator").mkdir()
    config_path().write_text('[keys]\naccept = "y"\n', encoding="utf-8")
    assert load_keys().keys["accept"] == ("y",)
    config_path().write_bytes(b'[keys]\naccept = "\xff"\n')
    with pytest.raises(ConfigError, match=f"^{config_path()}: not UTF-8"):
        load_keys()
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/folder")  # ignored, as the XDG spec says
    assert config_path() == Path.home() / ".config" / "annotator" / "config.toml"


def test_a_clash_in_the_config_is_one_line_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "annotator").mkdir()
    (tmp_path / "annotator" / "config.toml").write_text('[keys]\naccept = "x"\n', encoding="utf-8")
    result = in_process(capsys)("code")
    assert result.code == 1 and result.out == ""
    assert result.err.strip().splitlines() == [
        f"error: {tmp_path}/annotator/config.toml:2: accept = 'x' clashes with reject, which has 'x' (its default); "
        "give accept another key, or remap reject too"]
    assert not (tmp_path / "annotator.db").exists()  # said before anything opened


# The screen's side -------------------------------------------------------------------------------
def test_the_screen_dispatches_and_lists_the_keys_in_force():
    keys = keys_in_force({"accept": "y", "help": "h,f1"})
    actions = screen_key_actions(keys)
    assert actions["y"] == "accept" and "a" not in actions and actions["f1"] == actions["h"] == "help"
    assert screen_key_actions() == {b.key: b.action for b in SCREEN_BINDINGS}  # the defaults, as before
    table = key_table(CODEBOOK, keys)
    assert table[0][:2] == ("y", "accept") and ("h,f1", "help") in [row[:2] for row in table]
    assert [row[1] for row in table[3:6]] == ["label PERSON", "label ORG", "label GPE"]
    assert table[-1][3] == "app.command_palette"
    assert bar_key(keys, "accept") == "y" and bar_key(keys, "undo") == "^z" and bar_key(keys, "help") == "h"
    assert format_key("question_mark") == "?"


async def test_the_help_lists_a_remapped_key(tmp_path):
    keys = keys_in_force({"accept": "y"})

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(HelpScreen(CODEBOOK, [(k, tip) for k, _, tip, _ in key_table(CODEBOOK, keys)]))

    async with Host().run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        shown = rendered(pilot.app.screen)
    accept = next(line for line in shown.splitlines() if "Accept the focused suggestion" in line)
    assert accept.split()[0] == "y"


def rendered(screen) -> str:
    console = Console(record=True, width=100, file=io.StringIO())
    for static in screen.query("Static"):
        console.print(static.content if hasattr(static, "content") else static.render())
    return console.export_text()


# The app -----------------------------------------------------------------------------------------
def coding_app(db, keys):
    from annotator.services.coding import CodingSession
    from annotator.services.project import open_project
    from annotator.tui.app import CodingApp
    from conftest import rule_pipeline

    return CodingApp(CodingSession(open_project(str(db)), "alice", clock=lambda: 0.0, pipeline=rule_pipeline()),
                     keys=keys)


async def test_a_remap_onto_a_codebook_key_ends_the_app_with_the_error_the_command_line_prints(project):
    app = coding_app(project, keys_in_force({"accept": "1"}, "config.toml", '[keys]\naccept = "1"\n'))
    async with app.run_test() as pilot:
        await pilot.pause()
    assert isinstance(app.open_error, ConfigError)
    assert str(app.open_error) == ("config.toml:2: accept = '1' is the codebook's key for entity label 'PERSON'; "
                                   "give accept another key")


async def test_textuals_bindings_agree_with_the_keys_in_force(project):
    from annotator.tui.screens.coding import CodingScreen

    app = coding_app(project, keys_in_force({"accept": "y"}))
    async with app.run_test() as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        bindings = dict(app.screen._binding_chain)[app.screen].key_to_bindings  # with the keymap applied
        assert [b.action for b in bindings["y"]] == ["accept"] and "a" not in bindings


async def test_a_remap_of_a_to_y_works_in_the_screen_and_in_the_help(seeded):
    from conftest import rows

    app = coding_app(seeded, keys_in_force({"accept": "y"}))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert not rows(seeded, "SELECT pk FROM suggestion_decision")  # `a` is no key now
        await pilot.press("y")
        await pilot.pause()
        assert [r[0] for r in rows(seeded, "SELECT decision FROM suggestion_decision")] == ["accepted"]
        await pilot.press("question_mark")
        await pilot.pause()
        accept = next(line for line in rendered(app.screen).splitlines() if "Accept the focused suggestion" in line)
        assert accept.split()[0] == "y"


def test_the_readmes_example_is_a_valid_config():
    readme = (ROOT / "README.md").read_text("utf-8")
    example = readme.split("#### Remapping keys", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    keys = parse_config(example, "README.md")
    keys.check_codebook(CODEBOOK)
    assert keys.keys["reject"] == ("n", "ctrl+x") and keys.keys["previous"] == ("k",)
    names = readme.split("The names: ", 1)[1].split(". ", 1)[0].replace("`", "").split()
    assert names == list(DEFAULT_KEYS.keys)  # every binding id, in the screen's order
