"""Escape sequences in a document, a title, a coder name or a label never reach the terminal raw:
names and labels holding control characters are refused at every way in (the rule `coder add` has
always applied, for import, assign, `code --coder` and codebooks alike), and whatever is already
stored is printed (CLI) and painted (screen) without them. Tabs and newlines in a text are content.
Invisible format characters (bidi controls, zero-width ones) are refused in names, labels and ids;
a text keeps them, and only the bidi controls are left out of what is printed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, execute, rows, write_jsonl

from annotator.domain.codebook import parse_codebook
from annotator.domain.display import json_for_terminal, name_problem, one_line, printable
from annotator.domain.errors import CodebookError
from annotator.resources import default_schema
from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from annotator.tui.app import CodingApp

RETITLE = "\x1b]2;PWNED\x07"  # sets the terminal's (tmux pane's) title
CLEAR = "\x1b[2J"
CSI = "\x9b"  # C1 control: CSI on terminals that read 8-bit controls
RAW = ("\x1b", "\x07", "\x9b", "\x7f", "\r")

HOSTILE = {"id": "esc-1", "title": f"Title{RETITLE} here{CSI}",
           "text": f"Vladimir Putin spoke.{CLEAR}\tTabbed\nSecond line\r with\x7f DEL.",
           "meta": {"source": f"AFP{RETITLE}", "date": "2025-02-13"}}


# The rule, pure ------------------------------------------------------------------------------
def test_printable_strips_c0_c1_esc_and_del_but_keeps_tabs_and_newlines():
    assert printable(f"a{RETITLE}b{CLEAR}c{CSI}d\x7fe\rf\tg\nh") == "a]2;PWNEDb[2Jcdef\tg\nh"
    assert one_line("a\tb\nc\x1bd") == "abcd"
    text = "plain text, no controls"
    assert printable(text) is text  # nothing copied when there is nothing to strip


def test_json_for_terminal_escapes_what_json_dumps_leaves_raw():
    value = {"t": f"x\x7fy{CSI}z\x1b"}
    shown = json_for_terminal(json.dumps(value, ensure_ascii=False))
    assert not any(c in shown for c in RAW) and json.loads(shown) == value


@pytest.mark.parametrize("name", ["ev\x1b[2Jil", "a\tb", "a\nb", f"x{CSI}y", "a,b", " padded", ""])
def test_name_problem_refuses_what_coder_add_refuses_and_control_characters(name):
    assert name_problem(name) is not None


def test_name_problem_lets_ordinary_names_through():
    assert all(name_problem(n) is None for n in ("alice", "Zoë Ödegaard", "lead-1", "j.doe@example.org"))


# Refused at the door -------------------------------------------------------------------------
def test_import_refuses_a_coder_name_coder_add_would_refuse(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "work.jsonl", [
        {"id": "ok", "text": "Fine text.", "coder": "alice", "stance": {}},
        {"id": "bad", "text": "Other text.", "coder": f"ev{CLEAR}il", "stance": {}},
        {"id": "gold", "text": "Third text.", "annotators": [f"bob{RETITLE}"], "adjudication": "majority",
         "spans": [], "stance": {}}])
    result = cli("import", str(path))
    assert result.code == 1 and "Nothing was imported" in result.err
    assert f"{path}:2: 'coder'" in result.err and f"{path}:3: 'annotators' name" in result.err
    assert "control characters" in result.err and not any(c in result.err for c in RAW)
    assert rows(project, "SELECT name FROM coder") == [] and rows(project, "SELECT id FROM document") == []


def test_coder_add_assign_and_code_refuse_control_characters(cli, project):
    for args in (["coder", "add", "bad\x1bname"], ["assign", "--coders", f"x{CSI}y"],
                 ["code", "--coder", f"q{RETITLE}"]):
        result = cli(*args)
        assert result.code == 1 and "control characters" in result.err, (args, result.err)
        assert not any(c in result.out + result.err for c in RAW)
    assert rows(project, "SELECT name FROM coder") == []


def test_a_session_never_creates_a_coder_with_a_control_character(project):
    from annotator.domain.errors import InputError

    with pytest.raises(InputError, match="control characters"):
        CodingSession(open_project(str(project)), "lead\x1b]2;x\x07")


def _codebook_with(old: str, new: str) -> str:
    source = default_schema().read_text("utf-8")
    assert old in source
    return source.replace(old, new, 1)


@pytest.mark.parametrize("old, new, where", [
    ('label = "PERSON"', 'label = "PER\\u009bSON"', "[entities.0.label]"),  # C1: refused like C0 always was
    ('name = "news-stance"', 'name = "news\\u001b]2;x\\u0007"', "[name]"),
    ('aliases = ["Ukraine"', 'aliases = ["Ukr\\u001b[2Jaine"', "[targets.0.aliases.0]"),
])
def test_a_codebook_with_control_characters_in_a_name_label_or_alias_is_refused(old, new, where):
    with pytest.raises(CodebookError) as caught:
        parse_codebook(_codebook_with(old, new), "cb.toml")
    assert any(where in line and line.startswith("cb.toml:") for line in caught.value.problems), caught.value.problems


# Stripped on display: what an older version let in, or a document's own text -----------------
@pytest.fixture
def hostile(cli, project, tmp_path):
    """A document with escape sequences in its title, text and meta, coded by a coder whose name
    holds one (as imports let in before): the name is set in the database directly."""
    work = {**HOSTILE, "coder": "mallory", "spans": [{"start": 0, "end": 14, "label": "PERSON"}], "stance": {}}
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "h.jsonl", [work]))).code == 0
    execute(project, ("UPDATE coder SET name = ? WHERE name = 'mallory'", f"mal{RETITLE}lory{CSI}"))
    return project


def test_show_and_status_print_no_control_characters(cli, hostile):
    shown = cli("show", "esc-1")
    assert shown.code == 0, shown.err
    assert not any(c in shown.out for c in RAW), repr(shown.out)
    assert "Title]2;PWNED here" in shown.out and "AFP]2;PWNED" in shown.out and "mal]2;PWNEDlory" in shown.out
    assert "spoke.[2J        Tabbed\nSecond line with DEL." in shown.out  # the tab as Rich expands it, the newline kept
    status = cli("status")
    assert status.code == 0 and "mal]2;PWNEDlory" in status.out and not any(c in status.out for c in RAW)


def test_show_json_keeps_the_data_exact_and_prints_no_raw_control_character(cli, hostile):
    result = cli("show", "esc-1", "--json")
    assert not any(c in result.out for c in RAW)
    data = json.loads(result.out)
    assert data["title"] == HOSTILE["title"] and data["text"] == HOSTILE["text"]
    assert json.loads(cli("status", "--json").out)["annotations"] == {f"mal{RETITLE}lory{CSI}": {
        "draft": 0, "done": 1, "skipped": 0}}


async def test_the_coding_screen_paints_no_control_characters(hostile):
    coder = rows(hostile, "SELECT name FROM coder")[0][0]
    app = CodingApp(CodingSession(open_project(str(hostile)), coder))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.notify(f"notice{RETITLE}{CLEAR}", markup=False)
        for _ in range(20):  # a toast is mounted and laid out over a few frames
            await pilot.pause(0.05)
            painted = app.screen._compositor.render_update(full=True).render_segments(app.console)
            if "notice" in painted:
                break
    for raw in (RETITLE, CLEAR, "\x07", "\x9b", "\x7f", "\r", "\x1b]"):
        assert raw not in painted, raw
    visible = re.sub(r"\x1b\[[0-9;]*[mH]", "", painted)  # Textual's own colours and cursor moves
    assert "Title]2;PWNED here" in visible and "mal]2;PWNEDlory" in visible
    assert "spoke.[2J Tabbed" in visible and "notice]2;PWNED[" in visible  # the tab as one cell


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_in_a_real_terminal_the_pane_keeps_its_title_and_its_screen(hostile, sqlite_only, tmp_path):
    """`annotator code` in tmux (a server of its own): the document's ESC ] 2 ; would retitle the
    pane, and ESC [ 2 J clear it, were they painted raw."""
    socket = f"annotator-ctl-{tmp_path.name}"

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], check=True, capture_output=True, text=True).stdout

    coder = "ann"  # the hostile coder's name is refused on the command line now; the title and text remain
    command = f"{sys.executable} -m annotator code --coder {coder} --db {hostile}"
    tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", "-e", f"PYTHONPATH={ROOT}", command)
    try:
        tmux("select-pane", "-t", "t", "-T", "before")
        deadline, shown = time.monotonic() + 30, ""
        while time.monotonic() < deadline and "Tabbed" not in shown:
            time.sleep(0.2)
            shown = tmux("capture-pane", "-t", "t", "-p")
        assert "Title]2;PWNED here" in shown and "spoke.[2J Tabbed" in shown, shown
        time.sleep(0.5)  # a frame or two more, had anything been left to arrive
        assert tmux("display-message", "-t", "t", "-p", "#{pane_title}").strip() == "before"
        assert "Title]2;PWNED here" in tmux("capture-pane", "-t", "t", "-p")  # not cleared
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)


# Invisible format characters: refused in names, labels and ids; bidi controls not printed -------
RLO, LRI, PDI, ZWSP, WJ, ZWJ = "\u202e", "\u2066", "\u2069", "\u200b", "\u2060", "\u200d"
BIDI = ("\u202a", "\u202b", "\u202c", "\u202d", RLO, LRI, "\u2067", "\u2068", PDI)


def test_printable_drops_bidi_controls_and_keeps_zero_width_characters_of_a_text():
    assert printable(f"{RLO}ecila {LRI}x{PDI} a{ZWJ}b c{ZWSP}d") == f"ecila x a{ZWJ}b c{ZWSP}d"
    assert one_line(f"{RLO}ecila") == "ecila"
    value = {"t": "".join(BIDI) + ZWJ}
    shown = json_for_terminal(json.dumps(value, ensure_ascii=False))
    assert not any(c in shown for c in BIDI) and json.loads(shown) == value


@pytest.mark.parametrize("name, character", [(f"{RLO}ecila", "U+202E"), (f"zw{ZWSP}sp", "U+200B"),
                                             (f"a{WJ}b", "U+2060"), (f"bo{ZWJ}b", "U+200D"), ("x\u00ady", "U+00AD")])
def test_name_problem_refuses_invisible_format_characters_naming_them(name, character):
    problem = name_problem(name)
    assert problem is not None and character in problem and "invisible" in problem


def test_coder_add_assign_and_code_refuse_format_characters_and_make_no_role(cli, project):
    for args, character in ((["coder", "add", f"{RLO}ecila"], "U+202E"), (["coder", "add", f"zw{ZWSP}sp"], "U+200B"),
                            (["coder", "add", f"m{WJ}allory", "--role", "lead"], "U+2060"),
                            (["assign", "--coders", f"bob,{RLO}ecila"], "U+202E"),
                            (["code", "--coder", f"a{ZWSP}"], "U+200B")):
        result = cli(*args)
        assert result.code == 1 and len(result.err.strip().splitlines()) == 1, (args, result.err)
        assert character in result.err and not any(c in result.err for c in BIDI), (args, result.err)
    assert rows(project, "SELECT name FROM coder") == []
    if not isinstance(project, Path):  # no database role made for them either
        assert rows(project, "SELECT rolname FROM pg_roles WHERE rolname LIKE ?", "%ecila") == []


def test_import_refuses_ids_and_coder_names_with_format_characters(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "work.jsonl", [
        {"id": "ok", "text": "Fine text."},
        {"id": f"doc{ZWSP}2", "text": "Other text."},
        {"id": "three", "text": "Third text.", "coder": f"{RLO}ecila", "stance": {}}])
    result = cli("import", "--create-coders", str(path))
    assert result.code == 1 and "Nothing was imported" in result.err
    assert f"{path}:2: 'id'" in result.err and "U+200B" in result.err
    assert f"{path}:3: 'coder'" in result.err and "U+202E" in result.err
    table = tmp_path / "a.csv"
    table.write_text(f"id,text\nx{RLO}1,Some text.\n", "utf-8")
    refused = cli("import", str(table), "--text-column", "text")
    assert refused.code == 1 and "U+202E" in refused.err, refused.err
    assert rows(project, "SELECT count(*) FROM document") == [(0,)] and rows(project, "SELECT name FROM coder") == []


@pytest.mark.parametrize("old, new, where, character", [
    ('label = "PERSON"', 'label = "PER\\u202eSON"', "[entities.0.label]", "U+202E"),
    ('name = "Ukraine"', 'name = "Ukr\\u200baine"', "[targets.0.name]", "U+200B"),
    ('label = "FAVOR"', 'label = "FA\\u2060VOR"', "[stances.0.label]", "U+2060"),
    ('name = "news-stance"', 'name = "news\\u2066-stance"', "[name]", "U+2066"),
])
def test_a_codebook_with_format_characters_in_a_name_or_label_is_refused(old, new, where, character):
    with pytest.raises(CodebookError) as caught:
        parse_codebook(_codebook_with(old, new), "cb.toml")
    assert any(where in line and character in line for line in caught.value.problems), caught.value.problems


def test_show_status_and_coder_list_print_no_bidi_control_and_the_text_stays_as_stored(cli, project, tmp_path):
    document = {"id": "bidi-1", "title": f"Title {RLO}desrever{PDI} here",
                "text": f"Vladimir Putin spoke{ZWSP}.{RLO} Reversed{LRI} tail{PDI}. Emoji 👩{ZWJ}💻 and a{WJ}b.",
                "coder": "mallory", "stance": {}}
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "b.jsonl", [document]))).code == 0
    execute(project, ("UPDATE coder SET name = ? WHERE name = 'mallory'", f"{RLO}yrollam"))  # as an older version let in
    shown = cli("show", "bidi-1")
    assert shown.code == 0, shown.err
    assert not any(c in shown.out for c in BIDI), repr(shown.out)
    assert "Title desrever here" in shown.out and "yrollam" in shown.out and f"👩{ZWJ}💻" in shown.out
    assert f"spoke{ZWSP}." in shown.out and f"a{WJ}b" in shown.out  # only the bidi controls go
    for args in (["status"], ["coder", "list"], ["show", "bidi-1", "--json"], ["status", "--json"]):
        result = cli(*args)
        assert result.code == 0 and "yrollam" in result.out and not any(c in result.out for c in BIDI), args
    data = json.loads(cli("show", "bidi-1", "--json").out)
    assert data["title"] == document["title"] and data["text"] == document["text"]
