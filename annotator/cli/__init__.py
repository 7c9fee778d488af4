"""The command line: parses arguments, calls services, prints with Rich. No logic of its own."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from typer.core import TyperArgument, TyperCommand, TyperGroup

from annotator.domain.display import json_for_terminal, name_problem, printable
from annotator.domain.errors import CodebookError, InputError

if TYPE_CHECKING:  # Rich's progress loads only when a bar is shown
    from rich.progress import Progress, TaskID


class _PlainNames:
    """--help names what a parameter holds (PATH..., ID, URL, N), as its metavar says: Typer would
    print a Python type beside each argument whatever its metavar (<list[Path]>), and <bool> beside
    each flag, the --help flag included."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]  # mixed into Typer's command classes
        for param in params:
            if isinstance(param, TyperArgument) or getattr(param, "is_flag", False):
                param.display_type_rich = lambda ctx: None  # no type column
        return params

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        # "PATH..." and "ID" as the README writes them, not Typer's "{PATH...}..." and "{ID}"
        return [re.sub(r"^\{(.+)\}(?:\.\.\.)?$", r"\1", piece) for piece in
                super().collect_usage_pieces(ctx)]  # type: ignore[misc]  # mixed into Typer's command classes


class _Group(_PlainNames, TyperGroup):
    pass


class _Command(_PlainNames, TyperCommand):
    pass


app = typer.Typer(cls=_Group, add_completion=False, pretty_exceptions_enable=False, no_args_is_help=False,
                  help="Annotate news articles in the terminal: entities, stance, reliability, gold data.")


class _SafeConsole(Console):
    """Every piece of text it prints loses its control characters (an escape sequence in a title
    or a coder name would retitle or clear the terminal); Rich's own styles and cursor moves are
    added after this and stay. One place for every command's output, tables and bars included."""

    def render(self, renderable, options=None):
        for segment in super().render(renderable, options):
            if segment.control is None and segment.text:
                clean = printable(segment.text)
                if clean is not segment.text:
                    segment = Segment(clean, segment.style)
            yield segment


# Titles, texts, names and paths are the user's data: printed as they are, never read as Rich markup
# ("[/bold]" in a title) or emoji codes; styled output goes through Text.
out = _SafeConsole(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = _SafeConsole(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

Db = Annotated[str | None, typer.Option(
    "--db", envvar="ANNOTATOR_DB", show_envvar=True, metavar="URL", show_default="annotator.db",
    help="Project database: a SQLite file path or a database URL")]


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context, db: Db = None) -> None:
    """With no command: set up a project on the bundled seeds if there is none, then start coding."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = db
        return
    from annotator.services.quickstart import prepare_seeded_project

    bar = _RateBar("Suggesting")

    def say(line: str) -> None:
        bar.stop()  # the bar is on stderr and knows nothing of stdout: end it before a line follows
        out.print(line)

    with bar:
        engine = prepare_seeded_project(db, say=say, on_start=bar.start, on_progress=bar.advance)
    engine.dispose()
    _run_app(db, None, None)


def _run_app(db: str | None, coder: str | None, model: str | None, dashboard_first: bool = False,
             order: str | None = None) -> None:
    from annotator.domain.queue_order import ORDERS
    from annotator.tui.app import make_app

    order = order or "sequential"
    if order not in ORDERS:  # said before the screen takes the terminal
        raise InputError(f"--order {order!r}: give one of {', '.join(ORDERS)}")
    if coder is not None and (problem := name_problem(coder)):
        raise InputError(f"--coder: {problem}")
    coding = make_app(db, coder, model, dashboard_first, order)
    coding.run()
    if coding.open_error is not None:  # e.g. no project there: reported as any command reports it
        raise coding.open_error


@app.command(cls=_Command)
def code(ctx: typer.Context,
         coder: Annotated[str | None, typer.Option(
             metavar="NAME", show_default="you",
             help="Who is coding (someone else: the lead role)")] = None,
         model: Annotated[str | None, typer.Option(
             metavar="NAME", show_default="en_core_web_sm",
             help="spaCy pipeline for documents that have no suggestion yet")] = None,
         order: Annotated[str, typer.Option(
             metavar="ORDER", help="sequential | random | uncertain (least certain stance suggestions first)")]
         = "sequential",
         db: Db = None) -> None:
    """Open the coding screen on your queue: accept or correct suggestions, code stance."""
    _run_app(_db(ctx, db), coder, model, False, order)


def _db(ctx: typer.Context, db: str | None) -> str | None:
    """`annotator --db X cmd` and `annotator cmd --db X` both work, and either beats ANNOTATOR_DB
    (which fills in the command's own --db when it is not given)."""
    source = ctx.get_parameter_source("db")  # (by name: Typer may bring its own copy of click's enum)
    if ctx.obj and getattr(source, "name", None) in ("ENVIRONMENT", "DEFAULT", None):
        return ctx.obj
    return db or ctx.obj


@app.command(cls=_Command)
def init(ctx: typer.Context, schema: Annotated[Path | None, typer.Option(
        "--schema", metavar="FILE", show_default="the bundled schemas/news-stance.toml",
        help="Codebook TOML file")] = None,
         db: Db = None) -> None:
    """Create the project database (or upgrade it) and put a codebook in force."""
    from annotator.services.project import init_project

    result = init_project(_db(ctx, db), schema)
    cb = result.codebook
    verb = "now in force" if result.changed else "already in force; nothing changed"
    out.print(f"Project database: {result.url}")
    out.print(f"Codebook {cb.ref} (version {cb.version}) {verb}: {len(cb.entities)} entity labels, "
              f"{len(cb.targets)} stance targets, {len(cb.stances)} stance labels.")


from annotator.cli import importing  # noqa: E402,F401  import (registered here: --help keeps this order)


@app.command(cls=_Command)
def suggest(ctx: typer.Context,
            model: Annotated[str | None, typer.Option(
                metavar="NAME", show_default="en_core_web_sm, or its PyPI twin",
                help="spaCy pipeline: package name or path")] = None,
            n_process: Annotated[int, typer.Option(metavar="N", help="Worker processes")] = 1,
            batch_size: Annotated[int, typer.Option(
                metavar="N", help="Documents per commit, and at most per nlp.pipe batch")] = 32,
            redo: Annotated[bool, typer.Option(
                "--redo", help="Suggest again for documents that already have this model's")] = False,
            db: Db = None) -> None:
    """Suggest entities and stances for every document that has none from this model version."""
    import time

    from annotator.services.project import open_project
    from annotator.services.suggest import suggest as run_suggest

    engine = open_project(_db(ctx, db))
    bar = _RateBar("Suggesting")
    started = time.perf_counter()
    with bar:
        report = run_suggest(engine, model, n_process, batch_size, redo, on_start=bar.start, on_progress=bar.advance)
    elapsed = time.perf_counter() - started
    if report.todo == 0:
        out.print(f"All {report.documents} document(s) already have suggestions from {report.model} "
                  f"{report.version}; nothing to do (--redo suggests again).")
        _print_in_use(report)
        return
    rate = report.suggested / bar.elapsed if bar.elapsed else 0.0
    out.print(f"Suggested {report.suggested} document(s) with {report.model} {report.version}: "
              f"{report.spans} entity span(s), {rate:.1f} documents/s ({elapsed:.1f} s in all).")
    if report.dropped:
        dropped = ", ".join(f"{label} {n}" for label, n in report.dropped.most_common())
        out.print(f"Dropped {sum(report.dropped.values())} entity suggestion(s) with model labels the codebook "
                  f"does not map: {dropped}.")
    _print_in_use(report)
    if report.stance_note:
        out.print(report.stance_note)
    if report.taken < report.todo:
        out.print(f"{report.todo - report.taken} document(s) were taken by other suggest runs at work at the same "
                  "time (each document is suggested by one run).")


def _print_in_use(report) -> None:
    if report.in_use_for:
        out.print(f"{report.model} {report.version} is now in use for {' and '.join(report.in_use_for)}: the coding "
                  "screen shows its suggestions there.")


@app.command(cls=_Command)
def status(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
           db: Db = None) -> None:
    """Documents, suggestions, annotations by coder and status, and gold."""
    _print_status(_db(ctx, db), as_json)


def _print_status(db: str | None, as_json: bool) -> None:
    from annotator.services.inspect import project_status
    from annotator.services.project import open_project

    data = project_status(open_project(db))
    if as_json:
        print(json.dumps(data))
        return
    out.print(f"Documents {data['documents']} · suggested {data['suggested']} · gold {data['gold']}")
    items = data["gold_items"]
    if data["gold"]:
        out.print(f"Gold items: {items['unanimous']} unanimous, {items['majority']} majority, "
                  f"{items['adjudicated']} adjudicated; {items['disputed']} disputed left for a lead; "
                  f"{items['stale']} adjudicated decision(s) stale (a coder changed a done annotation since)")
    if data["annotations"]:
        table = Table("coder", "draft", "done", "skipped", title="Annotations")
        for coder, n in data["annotations"].items():
            table.add_row(coder, str(n["draft"]), str(n["done"]), str(n["skipped"]))
        out.print(table)
    else:
        out.print("No annotations yet.")
    _print_suggestion_use(data["suggestion_use"])


def _print_suggestion_use(use: dict[str, Any]) -> None:
    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    for kind in ("entity", "stance"):
        if kind not in use:
            continue
        table = Table(kind + " label / coder", "decided", "accepted", "changed", "rejected",
                      title=f"What coders did with {kind} suggestions")
        for axis in ("by_label", "by_coder"):
            for key, row in use[kind][axis].items():
                table.add_row(key if axis == "by_label" else f"coder {key}", str(row["decided"]),
                              share(row["accepted"]), share(row["changed"]), share(row["rejected"]))
            if axis == "by_label":
                table.add_section()
        out.print(table)
    if use["seconds_per_document"]:
        table = Table("coder", "done", "s/document assisted", "s/document blind", title="Time per done document")
        for coder, row in use["seconds_per_document"].items():
            table.add_row(coder, str(row["documents"]), *(f"{row[k]:.0f}" if row[k] is not None else "-"
                                                          for k in ("assisted", "blind")))
        out.print(table)


@app.command(cls=_Command)
def show(ctx: typer.Context, doc_id: Annotated[str, typer.Argument(metavar="ID")],
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False, db: Db = None) -> None:
    """One document with its suggestions, every coder's annotation and gold."""
    from annotator.services.inspect import show_document
    from annotator.services.project import open_project

    data = show_document(open_project(_db(ctx, db)), doc_id)
    if as_json:
        print(json_for_terminal(json.dumps(data, ensure_ascii=False)))
        return
    _print_document(data)


def _print_document(data: dict[str, Any]) -> None:
    text = data["text"]
    out.print(Text.assemble((data["title"] or data["id"], "bold"), f"  ({data['id']})"))
    out.print(" · ".join(str(v) for k, v in data["meta"].items() if k in ("source", "date", "url")))
    out.print(text)
    for s in data["suggestions"]:
        out.print(Text.assemble("\n", ("Suggestions", "bold"),
                                f" {s['model']} {s['version']}: {len(s['spans'])} spans"))
        for st in s["stances"]:
            out.print(f"  {st['target']}: {st['label']} {st.get('score')}")
    for a in data["annotations"]:
        spans = ", ".join(f"{sp['label']} {sp['text']!r}" + ("" if sp["aligned"] else " (off token boundaries)")
                          for sp in a["spans"])
        out.print(Text.assemble("\n", (a["coder"], "bold"), f" ({a['status']}): {spans}"))
        for st in a["stances"]:
            out.print(f"  {st['target']}: {st['label']}")
        rejected = [f"{d['label']} {text[d['start']:d['end']]!r}" if d["on"] == "span" else
                    f"stance {d['target']}: {d['label']}" for d in a["decisions"] if d["decision"] == "rejected"]
        if rejected:
            out.print(f"  rejected by {a['coder']}: " + ", ".join(rejected))


class _RateBar:
    """Documents done, of how many, and documents per second; only on a terminal."""

    def __init__(self, what: str) -> None:
        self.what, self.began, self.elapsed = what, 0.0, 0.0
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def start(self, report) -> None:
        import time

        self.began = time.perf_counter()
        if report.todo and err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[rate]} docs/s"), TimeRemainingColumn(),
                                      console=err, transient=True)
            bar.start()
            self.task = bar.add_task(self.what, total=report.todo, rate="-")

    def advance(self, n: int) -> None:
        import time

        self.elapsed = time.perf_counter() - self.began
        if self.bar and self.task is not None:
            done = self.bar.tasks[0].completed + n
            self.bar.update(self.task, advance=n, rate=f"{done / self.elapsed:.1f}")

    def __enter__(self):
        return self

    def stop(self) -> None:
        if self.bar:
            self.bar.stop()
            self.bar = None

    def __exit__(self, *exc) -> None:
        self.stop()


def _plain_code_args(args: list[str]) -> tuple[str | None, str | None, str | None, bool, str] | None:
    """(db, coder, model) when the command line is `code` with nothing but its own options; None for
    anything else, which Typer parses (and reports mistakes in). Typer imports pydantic to convert
    parameters, 0.13-0.17 s before the coding screen could paint its first frame."""
    values: dict[str, str] = {}
    seen_code = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "code" and not seen_code:
            seen_code, i = True, i + 1
            continue
        name, eq, value = arg.partition("=")
        if name not in ("--db", "--coder", "--model", "--order") or name in values or (name != "--db" and not seen_code):
            return None
        if not eq:
            if i + 1 >= len(args) or args[i + 1].startswith("-"):
                return None
            value, i = args[i + 1], i + 1
        values[name] = value
        i += 1
    if not seen_code:
        return None
    return (values.get("--db") or os.environ.get("ANNOTATOR_DB") or None, values.get("--coder"), values.get("--model"),
            False, values.get("--order", "sequential"))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user mistakes become one readable message and exit code 1."""
    args = sys.argv[1:] if argv is None else argv
    try:
        plain = _plain_code_args(args)
        if plain is not None:
            _run_app(*plain)
        else:
            app(args=args, prog_name="annotator")
    except CodebookError as exc:
        for line in exc.problems:
            err.print(line)
        sys.exit(1)
    except InputError as exc:
        err.print(f"error: {exc}")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-done was kept")
        sys.exit(130)
    except Exception as exc:  # a database that is read-only, locked or full: say so in one line
        from annotator.services.project import failure_message

        message = failure_message(exc)
        if message is None:
            raise
        err.print(f"error: {message}")
        sys.exit(1)


import annotator.cli.team  # noqa: E402,F401  the team's commands: coder, assign, agree, dashboard
import annotator.cli.data  # noqa: E402,F401  export
import annotator.cli.model  # noqa: E402,F401  train
