"""Opening a project database and setting its codebook (`annotator init`)."""

from __future__ import annotations as _postponed  # the name `annotations` is the store module

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.domain.errors import CodebookError, InputError
from annotator.resources import default_schema
from annotator.services.access_rules import require_lead
from annotator.services import waits
from annotator.services.output_files import output_target, refuse_project_files, still_replaceable
from annotator.store import annotations, codebooks, events, gold, migrate
from annotator.store.backup import backup_to, damage
from annotator.store.engine import Connection, Engine, make_engine, shown_url, sqlite_path
from annotator.store.failures import failure_message as store_failure_message

if TYPE_CHECKING:  # the codebook's module loads pydantic: only the commands that read a codebook pay for it
    from annotator.domain.codebook import Codebook
    from annotator.domain.codebook_names import CodebookNames


def load_codebook_file(path: Path) -> Codebook:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the codebook: {exc.strerror}", str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {raw[exc.start]:#04x}); save the codebook as UTF-8",
                         f"{path}:{line}") from None
    from annotator.domain.codebook import parse_codebook

    return parse_codebook(text, str(path))


def backup(engine: Engine, target: Path, force: bool = False) -> int:
    """A consistent copy of the project while coders keep working; returns its size in bytes."""
    if sqlite_path(engine) is None:
        raise InputError("a PostgreSQL project is copied with PostgreSQL's own tool, which also gives a "
                         "consistent copy while coders work: pg_dump -Fc DBNAME > annotator.dump "
                         "(pg_restore reads it back)")
    real = output_target(target)  # through a symlink; a device, a FIFO or a folder is refused
    refuse_project_files(real, sqlite_path(engine))
    if target.exists() and not force:
        raise InputError(f"{target} exists; give another path, or --force to replace it")
    project = sqlite_path(engine)
    if project is not None and real.resolve() == project.resolve():
        raise InputError(f"{target} is the project itself; give another path")
    if not real.parent.is_dir():
        raise InputError(f"no folder {real.parent} to write {real.name} in")
    found = damage(engine)
    if found:  # a copy of a damaged file would pass for a good backup
        raise InputError(f"{sqlite_path(engine)} is damaged, so no copy was made (SQLite's quick check: "
                         f"{'; '.join(found)}); restore it from an earlier backup, or save what is left with "
                         "`sqlite3 FILE .recover | sqlite3 NEW.db`")
    return backup_to(engine, real, before_rename=lambda: still_replaceable(real))


def failure_message(exc: BaseException) -> str | None:
    """A database failure a user can act on (read-only, locked, full) as one line, else None."""
    return store_failure_message(exc)


def open_project(db: str | None = None) -> Engine:
    """The engine of an initialised project; a clear error when there is none yet."""
    engine = make_engine(db)
    path = sqlite_path(engine)
    if path is not None and not path.exists():
        engine.dispose()
        raise InputError(f"no project database at {path}; create one with `annotator init` "
                         "(or point to one with --db or ANNOTATOR_DB)")
    found = migrate.revision(engine)
    if found is None:  # an empty file or server database: nothing of ours is made in it unasked
        engine.dispose()
        raise InputError(f"the database {shown_url(db)} has no codebook; run `annotator init`")
    if found != migrate.HEAD:
        _upgrade(engine, found)
    with engine.connect() as conn:
        if codebooks.latest(conn) is None:
            raise InputError(f"the database {shown_url(db)} has no codebook; run `annotator init`")
    return engine


def _upgrade(engine: Engine, found: str | None) -> None:
    """Bring the database to this annotator's schema; a long upgrade of a project says why it waits."""
    if found is None or found == migrate.HEAD:  # a new database, or nothing to do
        migrate.upgrade(engine)
        return
    with waits.told_if_slow(f"bringing {migrate.shown(engine)} from schema {found} to {migrate.HEAD}, once: "
                            "a project of a million documents takes minutes"):
        migrate.upgrade(engine)


def active_codebook(engine: Engine) -> Codebook:
    with engine.connect() as conn:
        stored = codebooks.latest(conn)
    if stored is None:
        raise InputError("the project has no codebook; run `annotator init`")
    name, _, source = stored
    from annotator.domain.codebook import parse_codebook

    return parse_codebook(source, f"codebook {name} (stored)")


def codebook_names(engine: Engine) -> CodebookNames:
    """The targets and labels of the codebook in force, without validating it again (see
    domain/codebook_names.py)."""
    from annotator.domain.codebook_names import names_of

    with engine.connect() as conn:
        stored = codebooks.latest(conn)
    if stored is None:
        raise InputError("the project has no codebook; run `annotator init`")
    return names_of(stored[2])


def codebook_ref(engine: Engine) -> str:
    """The codebook in force as exports name it ("name@hash"), read without parsing the codebook
    (pydantic's start is a third of a reading command's)."""
    with engine.connect() as conn:
        stored = codebooks.latest(conn)
    if stored is None:
        raise InputError("the project has no codebook; run `annotator init`")
    name, hash_, _ = stored
    return f"{name}@{hash_[:6]}"


@dataclass
class InitResult:
    url: str
    codebook: Codebook
    changed: bool  # False: that codebook was already in force


def init_project(db: str | None = None, schema: Path | None = None, actor: str | None = None) -> InitResult:
    """Create (or upgrade) the database and put the codebook in force (a lead's change, once the
    project has a lead); never drops a label in use."""
    schema = schema or default_schema()
    codebook = load_codebook_file(schema)
    engine = make_engine(db)
    try:
        found = migrate.revision(engine)  # a newer, foreign, damaged or unreachable database: said, nothing migrated
        _upgrade(engine, found)
        with engine.begin() as conn:
            current = codebooks.latest(conn)
            if current is not None and current[1] == codebook.hash:
                return InitResult(shown_url(db), codebook, changed=False)
            require_lead(conn, actor, "changing the codebook")
            _refuse_dropping_labels_in_use(conn, codebook, schema)
            codebooks.add(conn, codebook.name, codebook.version, codebook.hash, schema.read_text("utf-8"))
            events.add(conn, "codebook", after={"name": codebook.name, "hash": codebook.hash, "file": str(schema)})
        return InitResult(shown_url(db), codebook, changed=True)
    finally:
        engine.dispose()


def _refuse_dropping_labels_in_use(conn: Connection, codebook: Codebook, schema: Path) -> None:
    coded_spans, coded_stances = annotations.labels_in_use(conn)
    gold_spans, gold_stances = gold.labels_in_use(conn)
    span_labels, stance_pairs = coded_spans | gold_spans, coded_stances | gold_stances
    problems = [f"{schema}: entity label {label!r} is used by existing annotations but missing here"
                for label in sorted(span_labels - set(codebook.entity_labels))]
    targets, labels = set(codebook.target_names), set(codebook.stance_labels)
    problems += [f"{schema}: stance {target!r} = {label!r} is used by existing annotations but missing here"
                 for target, label in sorted(stance_pairs) if target not in targets or label not in labels]
    if problems:
        raise CodebookError(problems + ["keep those labels in the codebook (rename them in the data first)"])
