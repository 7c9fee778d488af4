"""The team's commands: coders and roles, assignment, agreement and the dashboard."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from annotator import cli
from annotator.cli import Db, _Command, _db, _Group
from annotator.domain.errors import InputError

coder_app = typer.Typer(cls=_Group, help="Coders and their roles (coder or lead).", no_args_is_help=True)
cli.app.add_typer(coder_app, name="coder")

Role = Annotated[str, typer.Option("--role", metavar="coder|lead", help="coder codes; lead also adjudicates")]


@coder_app.command("add", cls=_Command)
def coder_add(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")], role: Role = "coder",
              db: Db = None) -> None:
    """Add a coder (or change a coder's role)."""
    from annotator.services.project import open_project
    from annotator.services.team import add_coder

    cli.out.print(add_coder(open_project(_db(ctx, db)), name, role))


@coder_app.command("list", cls=_Command)
def coder_list(ctx: typer.Context, db: Db = None) -> None:
    """Every coder with their role, what is assigned to them and what they have done."""
    from annotator.services.project import open_project
    from annotator.services.team import list_coders

    rows = list_coders(open_project(_db(ctx, db)))
    if not rows:
        cli.out.print("No coders yet: add one with `annotator coder add NAME`.")
        return
    table = Table("coder", "role", "assigned", "of them overlap", "done")
    for row in rows:
        table.add_row(row.name, row.role, str(row.assigned), str(row.overlap), str(row.done))
    cli.out.print(table)


def _names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise InputError("--coders needs names separated by commas, e.g. --coders alice,bob,carol")
    return names


@cli.app.command(cls=_Command)
def assign(ctx: typer.Context,
           coders: Annotated[str, typer.Option("--coders", metavar="A,B,...", help="Coders, comma-separated")],
           overlap: Annotated[Optional[float], typer.Option(
               metavar="SHARE", help="Share of documents every coder codes (the rest: one coder each)")] = None,
           per_doc: Annotated[Optional[int], typer.Option(
               "--per-doc", metavar="K", help="Every document to K coders instead")] = None,
           seed: Annotated[int, typer.Option(metavar="N", help="The same seed gives the same assignment")] = 0,
           db: Db = None) -> None:
    """Assign documents to coders, balanced and reproducible; work already done stays with its coder."""
    from annotator.services.project import open_project
    from annotator.services.team import assign as run_assign

    report = run_assign(open_project(_db(ctx, db)), _names(coders), overlap=overlap, per_doc=per_doc, seed=seed)
    table = Table("coder", "documents", "of them overlap", title=f"Assigned {report.documents} documents")
    for name, (n, shared) in report.per_coder.items():
        table.add_row(name, str(n), str(shared))
    cli.out.print(table)
    if report.kept:
        cli.out.print(f"Kept {report.kept} document(s) with coders who had already worked on them.")
