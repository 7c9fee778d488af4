"""`annotator import`: files and other tools' exports into the project, all or nothing."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from annotator.cli.shared import Command, Db, app, err, out, project_db
from annotator.domain.display import escaped_controls, name_problem
from annotator.domain.errors import InputError
from annotator.domain.foreign import AS_GOLD

if TYPE_CHECKING:  # Rich's progress loads only for a large import on a terminal
    from rich.progress import Progress


class _ImportCommand(Command):
    """`--as coder NAME` takes two words: joined into one value ("coder NAME") before Click reads them."""

    def parse_args(self, ctx, args):
        args = list(args)
        for i, arg in enumerate(args):
            if arg == "--":
                break
            if arg == "--as" and args[i + 1:i + 2] == ["coder"] and len(args) > i + 2:
                args[i:i + 3] = ["--as", f"coder {args[i + 2]}"]
                break
            if arg == "--as=coder" and len(args) > i + 1:
                args[i:i + 2] = ["--as", f"coder {args[i + 1]}"]
                break
        return super().parse_args(ctx, args)


class _progress:
    """A Rich progress bar over bytes, shown only for large inputs on a terminal."""

    THRESHOLD = 2_000_000

    def __init__(self, total: int, what: str) -> None:
        self.total, self.what = total, what
        self.bar: Progress | None = None

    def __enter__(self):
        if self.total < self.THRESHOLD or not err.is_terminal:
            return lambda n: None
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        self.bar = bar = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                                  TimeRemainingColumn(), console=err.console, transient=True)
        bar.start()
        task = bar.add_task(self.what, total=self.total)
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.stop()


@contextmanager
def _exit_cleanly_on_hangup():
    """SIGTERM and SIGHUP (a closed terminal) end the command as Ctrl-C does, through its cleanup
    (a transaction rolled back, temporary files removed), instead of at once. The handlers before
    are put back after: a process running more than this command (a test session) keeps its own."""
    import signal

    before = {sig: signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))
              for sig in (signal.SIGTERM, signal.SIGHUP)}
    # A parent may have started this process with them blocked (the mask is inherited): then they
    # would wait, pending, for as long as the import runs.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(before))
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


@app.command("import", cls=_ImportCommand)
def import_(ctx: typer.Context,
            names: Annotated[list[str], typer.Argument(metavar="PATH...", help="Files or folders to import")],
            fmt: Annotated[str, typer.Option(
                "--format", metavar="FORMAT",
                help="auto | text | jsonl | csv | labelstudio (JSONL may also be gold, coder, Prodigy or doccano; "
                     "labelstudio, a .json array: Label Studio JSON or JSON-MIN, or doccano JSON)")] = "auto",
            text_column: Annotated[str, typer.Option(
                metavar="COLUMN", help="The CSV column holding the text")] = "text",
            skip_invalid: Annotated[bool, typer.Option(
                "--skip-invalid",
                help="Store the valid records and report the invalid ones, instead of storing nothing")] = False,
            create_coders: Annotated[bool, typer.Option(
                "--create-coders", help="Add the coders the file names that the project does not know yet")] = False,
            as_whose: Annotated[str | None, typer.Option(
                "--as", metavar="gold|coder NAME", show_default="gold",
                help="Whose work doccano's and Prodigy's annotations are: gold, or that coder's done work")] = None,
            db: Db = None) -> None:
    """Import articles (text files, JSONL, CSV), coder JSONL annotations, and doccano, Prodigy and Label
    Studio exports. Re-importing is a no-op."""
    from rich.text import Text

    from annotator.services.importer import ImportFailed, ImportIncomplete, import_paths, total_bytes
    from annotator.services.project import open_project

    if "" in names:  # (as a path, "" would be this folder: `import "$UNSET"` would import it whole)
        raise InputError("an empty path was given; name a file or folder (. for this folder)")
    paths = [Path(name) for name in names]
    as_coder = None if as_whose is None else _as_coder(as_whose)  # (gold when not said)
    engine = open_project(project_db(ctx, db))
    size = total_bytes(paths, fmt)
    try:
        with _exit_cleanly_on_hangup(), _progress(size, "Importing") as advance:
            report = import_paths(engine, paths, fmt, text_column, skip_invalid, progress=advance, as_coder=as_coder,
                                  create_coders=create_coders)
    except ImportIncomplete as exc:
        r = exc.report
        for line in r.problems:
            err.print(line)
        _print_summary(r, as_coder)  # what was stored, as whose, and what was left out, as on success
        err.print(Text.assemble(("Not all was imported:", "red"), f" {r.added} new document(s) were stored, but "
                                f"{r.invalid} record(s) were not: another import gave their ids to other texts "
                                "meanwhile. Give them other ids and import the file again (what is stored counts "
                                "as already there)."))
        raise typer.Exit(1) from None
    except ImportFailed as exc:
        r = exc.report
        for line in r.problems:
            err.print(line)
        if r.unlisted:
            err.print(f"... and {r.unlisted} more problem(s)")
        _print_skipped(r, err)
        err.print(Text.assemble(("Nothing was imported:", "red"), f" {r.invalid} invalid record(s) of {r.read}. "
                                "Fix them, or pass --skip-invalid to import the valid records only."))
        raise typer.Exit(1) from None
    for line in report.problems:
        err.print(f"skipped {line}")
    if report.unlisted:
        err.print(f"... and {report.unlisted} more problem(s)")
    _print_summary(report, as_coder)


def _print_summary(report, as_coder: str | None) -> None:
    """What an import read and stored, as whose, and what it did not store, and why."""
    out.print(f"Read {report.read} record(s) from {report.files} file(s): {report.added} new document(s), "
              f"{report.already} already there"
              + (f", {report.invalid} invalid skipped" if report.invalid else "") + ".")
    for whose, (docs, spans, stances) in report.stored_as.items():
        out.print(f"Stored as {whose}: "
                  f"{docs} document(s), {spans} span(s), {stances} stance(s).")
    if report.annotations_added or report.annotations_already or report.annotations_differ:
        out.print(f"Coder annotations: {report.annotations_added} new, {report.annotations_already} already there"
                  + (f", {report.annotations_differ} unlike the stored one" if report.annotations_differ else "")
                  + " (kept).")
    if report.annotations_differ:
        _print_differing(report)
    _print_tools(report, None if as_coder == AS_GOLD else as_coder)
    if report.not_stored:  # (this tool's own records too: a span given twice)
        out.print("Read but not stored:")
        for reason, (count, where) in report.not_stored.items():
            out.print(f"  {count} {reason}; the first at {escaped_controls(where)}")
    if report.gold_added or report.gold_already or report.gold_differ:
        out.print(f"Gold: {report.gold_added} document(s) new, {report.gold_already} already had gold"
                  + (f", {report.gold_differ} unlike the stored gold" if report.gold_differ else "") + " (kept).")
    if report.gold_differ:
        _print_gold_differing(report)
    if report.created_coders:
        out.print(f"Added {len(report.created_coders)} coder(s) the file named: " + ", ".join(report.created_coders[:20])
                  + (" ..." if len(report.created_coders) > 20 else ""))
    if report.ignored_files:
        out.print(f"Ignored {len(report.ignored_files)} file(s) of no known format: "
                  + ", ".join(report.ignored_files[:5]) + (" ..." if len(report.ignored_files) > 5 else ""))
    _print_skipped(report, out)


def _print_skipped(report, console) -> None:
    """A folder's entries not read (links out of it, FIFOs, ...): said whether the import went ahead or not."""
    if report.skipped_entries:
        n = len(report.skipped_entries)
        console.print(f"Skipped {n} folder entr{'y' if n == 1 else 'ies'} that {'is' if n == 1 else 'are'} not a "
                      "file inside the folder:")
        for line in report.skipped_entries[:20]:
            console.print(f"  {line}")
        if len(report.skipped_entries) > 20:
            console.print(f"  … and {len(report.skipped_entries) - 20} more")


def _as_coder(value: str) -> str | None:
    if value == "gold":
        return AS_GOLD
    kind, _, name = value.partition(" ")
    if kind != "coder" or not name.strip():
        raise InputError(f"--as {value!r}: give --as gold, or --as coder NAME (whose done work the doccano or "
                         "Prodigy annotations are)")
    if problem := name_problem(name.strip(), "--as coder"):  # said once, not on every record's line
        raise InputError(problem)
    return name.strip()


def _print_tools(report, as_coder: str | None) -> None:
    """What came from other tools' exports, and what of it has no place here, by reason."""
    if not report.tools:
        return
    out.print("Read from other tools: " + ", ".join(f"{n} {tool} record(s)" for tool, n in report.tools.items()) + ".")
    for tool, (tasks, records) in report.merged.items():
        out.print(f"{tasks} {tool} tasks asked about {records} text(s) one question each (a span or a label, as "
                  "the teach recipes ask): each text's accepted answers were stored together, as one record.")
    if as_coder is None and ({"doccano", "Prodigy"} & set(report.tools)) and any(
            whose.startswith("gold") for whose in report.stored_as):
        out.print("doccano's and Prodigy's annotations were stored as gold; to store them as a coder's work "
                  "instead, import into a new project with --as coder NAME.")


def _print_differing(report) -> None:
    _print_kept(report.annotations_differ, report.differing,
                "coder annotation(s) in the files differ from the stored one, which was kept (an import never "
                "replaces a coder's work):",
                "To take the file's version: compare the two with `annotator show ID`, and the coder changes the "
                "stored one in the coding screen (`annotator code`); or import the file into a new project.")


def _print_gold_differing(report) -> None:
    _print_kept(report.gold_differ, report.gold_differing,
                "gold record(s) in the files differ from the stored gold, which was kept (an import never "
                "replaces gold, and derivation never replaces imported gold):",
                "To take the file's version: compare the two with `annotator show ID`, fix the file if it is the "
                "file that is wrong, or import the corrected gold into a new project (`annotator init --db NEW`).")


def _print_kept(count: int, listed: list[str], what: str, advice: str) -> None:
    """Records that differ from what is stored, which was kept: how many, the first ones, what to do."""
    out.print(f"{count} {what}")
    for line in listed:
        out.print(f"  {line}")
    if count > len(listed):
        out.print(f"  … and {count - len(listed)} more")
    out.print(advice)
