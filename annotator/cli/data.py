"""`annotator export`: the dataset out, in the formats people train with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from annotator.cli.shared import Command, Db, app, err, out, project_db, web_address
from annotator.domain.errors import InputError

FORMAT_HELP = "gold | coders | spacy | prodigy | doccano | conll"


@app.command(cls=Command)
def export(ctx: typer.Context,
           fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help=FORMAT_HELP)] = "gold",
           out_path: Annotated[Path | None, typer.Option(
               "--out", metavar="PATH", show_default="exports/PROJECT-FORMAT-DATE", help="File to write")] = None,
           split: Annotated[str | None, typer.Option(
               metavar="TRAIN,DEV,TEST", help="Write train/dev/test files, e.g. 0.8,0.1,0.1")] = None,
           seed: Annotated[int, typer.Option(metavar="N", help="The same seed gives the same split")] = 0,
           include_meta: Annotated[bool, typer.Option(
               "--include-meta", help="Also carry meta in CoNLL (comment lines) and spaCy (user data)")] = False,
           force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist")] = False,
           db: Db = None) -> None:
    """Export gold (documents whose gold is complete) or every coder's done annotations."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from annotator.services.export import export as run_export
    from annotator.services.project import open_project

    engine = open_project(project_db(ctx, db))
    with Progress(TextColumn("Exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err.console, transient=True) as bar:
        task = bar.add_task("export", total=None)
        report = run_export(engine, fmt, out_path, split=split, seed=seed, force=force, include_meta=include_meta,
                            progress=lambda done, total: bar.update(task, completed=done, total=total))
    for name, path in report.files.items():
        out.print(f"Wrote {report.written[name]} document(s) to {path}" + (f" ({name})" if name != "all" else ""))
    if fmt != "coders" and (report.without_gold or report.disputed):
        out.print(f"Left out: {report.without_gold} document(s) without gold, {report.disputed} with disputes "
                  "a lead has not settled (annotator gold, annotator review).")
    if report.stale:
        out.print(f"{report.stale} document(s) changed by coders since their gold was derived are exported as "
                  "derived before: a lead's `annotator gold` (or export) derives them again.")
    if report.empty_gold:
        out.print(f"{report.empty_gold} document(s) have gold with nothing in it: doccano writes them as `label: []`, "
                  "as it writes an example no one annotated, so imported back they are text only (gold JSONL keeps "
                  "them: --format gold).")
    if fmt in ("prodigy", "doccano", "spacy", "conll") and any(report.written.values()):
        out.print(f"How each gold item was reached (unanimous, majority, adjudicated) is kept by gold JSONL "
                  f"alone{'' if fmt == 'prodigy' else ', as are the annotators'} (--format gold).")
    if report.not_done:
        out.print(f"{report.not_done} draft or skipped annotation(s) left out: coders JSONL holds each coder's done work.")
    if fmt in ("conll", "spacy") and not include_meta and any(report.written.values()):
        out.print("Document ids and meta left out (--include-meta keeps them).")
    if report.stances_left_out:
        out.print(f"{report.stances_left_out} stance(s) left out: CoNLL tags tokens and has no place for a "
                  "document's stance (gold JSONL, spaCy, Prodigy and doccano keep them).")
    if markup := report.unaligned.markup:
        out.print(f"{len(markup)} token(s) written as they are that CoNLL readers may take for markup (-DOCSTART- "
                  "starts a document, # a comment line): " + ", ".join(f"{d} at {o} {t!r}" for d, o, t in markup[:5])
                  + (" ..." if len(markup) > 5 else ""))
    found = report.unaligned.found
    if found:
        out.print(f"{len(found)} span(s) could not be written as they are (off spaCy's token boundaries, "
                  f"overlapping another, or, in CoNLL, a label with a space) and were left out of the {fmt} file:")
        for doc_id, start, end, label in found[:20]:
            out.print(f"  {doc_id} {start}-{end} {label}")
        if len(found) > 20:
            out.print(f"  … and {len(found) - 20} more")


@app.command(cls=Command)
def serve(ctx: typer.Context,
          host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on")] = "127.0.0.1",
          port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on")] = 8000,
          public_url: Annotated[str | None, typer.Option(
              metavar="URL", help="The address browsers use, behind a reverse proxy (e.g. https://code.example.org)")]
          = None,
          db: Db = None) -> None:
    """Serve the coding screen to browsers; each coder opens their own link (annotator coder token NAME)."""
    from annotator.services.access import coder_for_token
    from annotator.services.project import open_project

    try:
        from annotator.web.server import CodingServer
    except ImportError:
        raise InputError("serving to browsers needs the web extra: pip install 'annotator[web]'") from None
    if not 1 <= port <= 65535:
        raise InputError(f"--port {port}: give a port from 1 to 65535")
    if public_url is not None:
        public_url = web_address("--public-url", public_url)
    from annotator.web.listen import check_can_listen, listen_failure

    check_can_listen(host, port)  # before "Serving ..." is said
    engine = open_project(project_db(ctx, db))
    url = engine.url.render_as_string(hide_password=False)
    server = CodingServer(url, lambda token: coder_for_token(engine, token), host, port, public_url)
    err.print(f"Serving the coding screen on {server.public_url}/ (every page needs a coder's token: "
              "`annotator coder token NAME` prints their link). Ctrl+C stops.")
    try:
        server.serve()
    except OSError as exc:  # another program took the port since the check
        if exc.errno is None:
            raise
        raise InputError(listen_failure(exc, host, port)) from None


@app.command(cls=Command)
def backup(ctx: typer.Context, path: Annotated[Path, typer.Argument(metavar="PATH", help="File to write the copy to")],
           force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists")] = False,
           db: Db = None) -> None:
    """A consistent copy of the project while coders keep working (SQLite; PostgreSQL: pg_dump)."""
    from annotator.services.project import backup as run_backup, open_project

    size = run_backup(open_project(project_db(ctx, db)), path, force)
    out.print(f"Copied the project to {path} ({size / 1e6:.1f} MB); open it with --db {path}.")
