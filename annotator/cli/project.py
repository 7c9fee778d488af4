"""`annotator init`: the project database and its codebook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from annotator.cli.shared import Command, Db, app, out, project_db


@app.command(cls=Command)
def init(ctx: typer.Context, schema: Annotated[Path | None, typer.Option(
        "--schema", metavar="FILE", show_default="the bundled schemas/news-stance.toml",
        help="Codebook TOML file")] = None,
         db: Db = None) -> None:
    """Create the project database (or upgrade it) and put a codebook in force."""
    from annotator.services.project import init_project

    result = init_project(project_db(ctx, db), schema)
    cb = result.codebook
    verb = "now in force" if result.changed else "already in force; nothing changed"
    out.print(f"Project database: {result.url}")
    out.print(f"Codebook {cb.ref} (version {cb.version}) {verb}: {len(cb.entities)} entity labels, "
              f"{len(cb.targets)} stance targets, {len(cb.stances)} stance labels.")
