"""What the command line says: progress a person can follow, `show` as a coder left the document,
user data printed as text (never as Rich markup), and --help that names what each option takes."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from annotator.services.project import open_project
from annotator.services.suggest import suggest
from conftest import write_jsonl

SEED = "000_e6a2707f4c80d87a"  # "Donald Trump's call to Vladimir Putin has marked ..."
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def counting_pipeline(seen: list[int]):
    """A small rule-based pipeline with a component that counts the documents it has processed."""
    import spacy
    from spacy.language import Language

    from annotator.nlp.pipeline import Pipeline

    @Language.component("count_documents_for_test")
    def count(doc):
        seen[0] += 1
        return doc

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Vladimir Putin"}])
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("count_documents_for_test")
    return Pipeline(nlp=nlp, name="counted", version="1")


def test_suggest_reports_each_document_as_its_result_comes_out(seeded):
    seen, progress = [0], []
    report = suggest(open_project(str(seeded)), batch_size=32, pipeline=counting_pipeline(seen),
                     on_progress=lambda n: progress.append((n, seen[0])))
    assert report.suggested == 25
    assert [n for n, _ in progress] == [1] * 25, "one call per document"
    assert progress[0][1] < 25, "the first document is reported before the last one has been through spaCy"


def test_quick_start_summary_is_on_its_own_line_not_on_the_bars(cli, monkeypatch, ruler):
    """The bar is on stderr, the summary on stdout; on one terminal the summary must not follow the bar."""
    import annotator.cli.shared as shared
    import annotator.cli.coding as coding
    import annotator.services.quickstart as quickstart

    screen = io.StringIO()
    monkeypatch.setattr(coding, "out", Console(file=screen, force_terminal=True, width=100, highlight=False))
    bars = shared._LazyConsole()  # the console the command line's bars are drawn on, made here
    bars._made = Console(file=screen, force_terminal=True, width=100, highlight=False)
    monkeypatch.setattr(shared, "err", bars)
    monkeypatch.setattr(coding, "run_app", lambda *args: None)
    monkeypatch.setattr(quickstart, "suggest", lambda engine, **kw: suggest(engine, pipeline=ruler, **kw))
    assert cli().code == 0
    shown = screen.getvalue()
    assert "Suggesting" in shown, "the bar was drawn"
    line = shown[:shown.index("Suggested 25 document(s)")].rsplit("\n", 1)[-1]
    assert ANSI.sub("", line).strip("\r") == "", f"the summary follows {line!r} on its line"


def coded_seed(db) -> None:
    """alice rejects a suggested span and a suggested stance on the seed article, and accepts a span."""
    from annotator.domain import coding as edits
    from annotator.services.coding import CodingSession

    s = CodingSession(open_project(str(db)), "alice", clock=lambda: 0.0)
    doc = s.open(s.first_unfinished())
    first, second = doc.suggestion.spans[:2]
    ukraine = doc.suggestion.stance("Ukraine")
    s.apply(doc, "span.accept", lambda a: edits.accept(a, first))
    s.apply(doc, "span.reject", lambda a: edits.reject(a, second))
    s.apply(doc, "stance.reject", lambda a: edits.reject_stance(a, "Ukraine", ukraine))


def test_show_lists_each_coders_rejected_suggestions(cli, seeded):
    coded_seed(seeded)
    decisions = json.loads(cli("show", SEED, "--json").out)["annotations"][0]["decisions"]
    assert {"on": "span", "start": 23, "end": 37, "label": "PERSON", "decision": "rejected"} in decisions
    result = cli("show", SEED)
    assert result.code == 0, result.err
    assert "\nalice (" in result.out
    assert "PERSON 'Donald Trump'" in result.out
    (rejected,) = [line for line in result.out.splitlines() if line.startswith("  rejected by")]
    assert rejected == "  rejected by alice: PERSON 'Vladimir Putin', stance Ukraine: FAVOR"


def test_show_marks_spans_off_token_boundaries(cli, project, tmp_path):
    text = "Donald Trump called Vladimir Putin about Ukraine."
    cli("import", "--create-coders", str(write_jsonl(tmp_path / "a.jsonl", [{
        "id": "d1", "text": text, "coder": "alice",
        "spans": [{"start": 0, "end": 12, "label": "PERSON"}, {"start": 20, "end": 32, "label": "PERSON"}]}])))
    result = cli("show", "d1")
    assert result.code == 0, result.err
    assert "PERSON 'Donald Trump', PERSON 'Vladimir Put' (off token boundaries)" in result.out


MARKUP = "Breaking [/bold] news [red]alert[/red] :smile: [link=x]"


def test_titles_texts_and_names_print_as_text_never_as_markup(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [{"id": "m", "title": MARKUP, "text": f"Text {MARKUP} in Kyiv.",
                                                "coder": "[bold]bob", "stance": {"Ukraine": "NONE"}}])
    assert cli("import", "--create-coders", str(path)).code == 0
    result = cli("show", "m")
    assert result.code == 0 and "Traceback" not in result.err, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"{MARKUP}  (m)"
    assert f"Text {MARKUP} in Kyiv." in lines
    assert "[bold]bob (done): " in result.out
    status = cli("status")
    assert status.code == 0 and "[bold]bob" in status.out


def test_paths_print_as_text(cli, tmp_path):
    db = tmp_path / "[red]project.db"
    result = cli("--db", str(db), "init")
    assert result.code == 0 and f"Project database: sqlite:///{db}" in result.out


COMMANDS = ["", "init", "import", "suggest", "status", "show", "code"]
TYPE_PLACEHOLDER = re.compile(r"<\w+(\[[^\]]*\])?>")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_names_what_options_take_never_a_python_type(cli, command):
    result = cli(*([command] if command else []), "--help")
    assert result.code == 0, result.err
    shown = ANSI.sub("", result.out)
    assert not TYPE_PLACEHOLDER.search(shown), TYPE_PLACEHOLDER.search(shown).group()
    assert "--help" in shown and "--db" in shown


def test_import_help_shows_path_dots(cli):
    shown = ANSI.sub("", cli("import", "--create-coders", "--help").out)
    assert "Usage: annotator import [OPTIONS] PATH..." in shown
    assert re.search(r"PATH\.\.\. +Files or folders to import", shown)
    assert "<list" not in shown and "{" not in shown
    assert "[default: (annotator.db)]" in ANSI.sub("", cli("--help").out)


@pytest.mark.parametrize("argv", [
    ["code"], ["code", "--coder", "alice"], ["code", "--coder=alice", "--model", "m", "--db", "x.db"],
    ["--db", "x.db", "code", "--coder", "bob"], ["--db=x.db", "code"], ["code", "--order", "uncertain"]])
def test_code_opens_with_the_same_arguments_with_or_without_typer(argv, monkeypatch):
    """`annotator code` skips Typer on the way to the first frame: the same arguments either way."""
    import annotator.cli.coding as coding
    from annotator.cli import main

    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    opened = []
    monkeypatch.setattr(coding, "run_app", lambda *args: opened.append(args))
    main(argv)
    assert coding.plain_code_args(argv) is not None
    monkeypatch.setattr(coding, "plain_code_args", lambda args: None)
    with pytest.raises(SystemExit) as done:  # Typer ends with sys.exit(0)
        main(argv)
    assert done.value.code in (0, None) and len(opened) == 2 and opened[0] == opened[1]


@pytest.mark.parametrize("argv", [["code", "--help"], ["code", "--coder"], ["code", "--bogus", "x"],
                                  ["--coder", "a", "code"], ["code", "code"], ["status"], []])
def test_anything_else_goes_through_typer(argv):
    from annotator.cli.coding import plain_code_args

    assert plain_code_args(argv) is None


@pytest.mark.parametrize("argv, built", [
    (["agree", "--json"], ["agree"]), (["--db", "x.db", "coder", "list"], ["coder"]),
    (["--db=x.db", "models", "use", "m"], ["models"]), (["export", "--help"], ["export"]),
    ([], None), (["--help"], None), (["--db", "x.db"], None), (["agre"], None), (["--bogus", "agree"], None)])
def test_a_run_builds_the_command_it_names_alone(argv, built):
    """Typer builds each command it is given at every start: a run naming a command gets that one
    (or its group) alone; no command, or one it lacks, gets the whole app for its help and errors."""
    from typer.main import get_command

    from annotator.cli import app, only_the_command

    one = only_the_command(argv)
    assert (one is app) if built is None else (list(get_command(one).commands) == built)


def test_a_command_built_alone_says_what_it_says_in_the_whole_app(cli, monkeypatch):
    import annotator.cli as command_line

    names = [command_line._name(c.name, c.callback) for c in command_line.app.registered_commands]
    asked = [[name, "--help"] for name in names] + [["coder", "--help"], ["models", "list", "--help"],
                                                    ["agree", "--bogus"], ["show"]]
    alone = [cli(*argv) for argv in asked]
    monkeypatch.setattr(command_line, "only_the_command", lambda args: command_line.app)
    assert alone == [cli(*argv) for argv in asked]
    assert len(names) >= 15 and all(result.out or result.err for result in alone)
