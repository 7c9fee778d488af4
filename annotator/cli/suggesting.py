"""`annotator suggest`: the model's suggestions for every document that has none from it."""

from __future__ import annotations

from typing import Annotated

import typer

from annotator.cli.shared import Command, Db, RateBar, app, out, project_db


@app.command(cls=Command)
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

    engine = open_project(project_db(ctx, db))
    bar = RateBar("Suggesting")
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
