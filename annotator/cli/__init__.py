"""The command line: parses arguments, calls services, prints with Rich. No logic of its own.

One Typer app (cli/shared.py); each module below registers its commands on it, and `--help` lists them
in the order they are imported here."""

from __future__ import annotations

import copy
import sys

import typer

from annotator.cli import coding, project, importing, suggesting, inspecting, team, data, model  # noqa: F401
from annotator.cli.shared import app, err
from annotator.domain.errors import CodebookError, ConfigError, InputError
from annotator.services import waits


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user mistakes become one readable message and exit code 1."""
    args = sys.argv[1:] if argv is None else argv
    waits.listen(lambda message: err.print(f"annotator: {message}…"))
    try:
        plain = coding.plain_code_args(args)
        if plain is not None:
            coding.run_app(*plain)
        else:
            only_the_command(args)(args=args, prog_name="annotator")
    except CodebookError as exc:
        for line in exc.problems:
            err.print(line)
        sys.exit(1)
    except ConfigError as exc:
        for line in exc.problems:
            err.print(f"error: {line}")
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


def only_the_command(args: list[str]) -> typer.Typer:
    """The app with only the command the arguments name (a group, such as `coder`, whole): Typer
    builds every command's parameters from its signature at each start, 10 ms for the forty, and a
    run uses one. With no command named, or a name it lacks, the whole app (its help, its errors)."""
    words = iter(args)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("--db="):
            break
    else:
        return app
    commands = [c for c in app.registered_commands if _name(c.name, c.callback) == word]
    groups = [g for g in app.registered_groups if g.name == word]
    if not commands and not groups:
        return app
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one


def _name(given: str | None, callback: object) -> str:
    return given or typer.main.get_command_name(getattr(callback, "__name__", ""))
