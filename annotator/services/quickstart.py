"""What `annotator` with no arguments prepares: a project on the bundled seeds."""

from __future__ import annotations

from collections.abc import Callable

from annotator.domain.errors import InputError
from annotator.resources import bundled
from annotator.services.importer import import_paths
from annotator.services.project import init_project, open_project


def prepare_seeded_project(db: str | None, say: Callable[[str], None]) -> None:
    """Initialise with the default codebook when there is no project yet, and import the seeds once."""
    try:
        engine = open_project(db)
    except InputError:  # no database yet, or no codebook: create it
        result = init_project(db)
        say(f"Created {result.url} with codebook {result.codebook.ref}.")
        engine = open_project(db)
    report = import_paths(engine, [bundled("seeds")])
    if report.added:
        say(f"Imported {report.added} seed article(s).")
    engine.dispose()
