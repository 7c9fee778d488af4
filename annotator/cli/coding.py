"""`annotator code`, and `annotator` alone (a quick start on the bundled seeds): the coding screen."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from annotator.cli.shared import Command, Db, RateBar, app, out, project_db
from annotator.domain.display import name_problem
from annotator.domain.errors import InputError


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context, db: Db = None) -> None:
    """With no command: set up a project on the bundled seeds if there is none, then start coding."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = db
        return
    from annotator.services.quickstart import prepare_seeded_project

    bar = RateBar("Suggesting")

    def say(line: str) -> None:
        bar.stop()  # the bar is on stderr and knows nothing of stdout: end it before a line follows
        out.print(line)

    with bar:
        engine = prepare_seeded_project(db, say=say, on_start=bar.start, on_progress=bar.advance)
    engine.dispose()
    run_app(db, None, None)


def run_app(db: str | None, coder: str | None, model: str | None, dashboard_first: bool = False,
            order: str | None = None) -> None:
    from annotator.domain.queue_order import ORDERS
    from annotator.tui import load_textual

    load_textual()
    from annotator.tui.app import make_app

    order = order or "sequential"
    if order not in ORDERS:  # said before the screen takes the terminal
        raise InputError(f"--order {order!r}: give one of {', '.join(ORDERS)}")
    if coder is not None and (problem := name_problem(coder)):
        raise InputError(f"--coder: {problem}")
    from annotator.services.config import load_keys

    keys = load_keys()  # the user's config: a mistake in it is said before the screen takes the terminal
    coding = make_app(db, coder, model, dashboard_first, order, keys)
    coding.run()
    if coding.open_error is not None:  # e.g. no project there: reported as any command reports it
        raise coding.open_error


@app.command(cls=Command)
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
    run_app(project_db(ctx, db), coder, model, False, order)


def plain_code_args(args: list[str]) -> tuple[str | None, str | None, str | None, bool, str] | None:
    """run_app's arguments when the command line is `code` with nothing but its own options; None for
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
