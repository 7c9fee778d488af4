"""What `annotator` with no arguments prepares: a project on the bundled seeds, with suggestions."""

from __future__ import annotations

from collections.abc import Callable

from annotator.domain.errors import InputError
from annotator.resources import bundled
from annotator.services.importer import import_paths
from annotator.services.project import init_project, open_project
from annotator.services.suggest import SuggestReport, suggest
from annotator.store import documents, suggestions
from annotator.store.engine import Engine


def prepare_seeded_project(db: str | None, say: Callable[[str], None],
                           on_start: Callable[[SuggestReport], None] = lambda r: None,
                           on_progress: Callable[[int], None] = lambda n: None) -> Engine:
    """Initialise with the default codebook when there is no project yet, import the seeds into a
    project without documents (never into one that has its own), and suggest for documents that have
    no suggestion at all (spaCy loads only then)."""
    try:
        engine = open_project(db)
    except InputError:  # no database yet, or no codebook: create it
        result = init_project(db)
        say(f"Created {result.url} with codebook {result.codebook.ref}.")
        engine = open_project(db)
    with engine.connect() as conn:
        empty = documents.count(conn) == 0
    if empty:
        report = import_paths(engine, [bundled("seeds")])
        say(f"Imported {report.added} seed article(s).")
    with engine.connect() as conn:
        missing = suggestions.count_without_any(conn)
    if missing:
        done = suggest(engine, on_start=on_start, on_progress=on_progress)
        say(f"Suggested {done.suggested} document(s) with {done.model} {done.version}.")
    return engine
