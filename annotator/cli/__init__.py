"""The command line: parses arguments, calls services, prints with Rich. No logic of its own.

One Typer app (cli/shared.py); each module below registers its commands on it, and `--help` lists them
in the order they are imported here."""

from __future__ import annotations

import sys

from annotator.cli import coding, project, importing, suggesting, inspecting, team, data, model  # noqa: F401
from annotator.cli.shared import app, err
from annotator.domain.errors import CodebookError, ConfigError, InputError


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user mistakes become one readable message and exit code 1."""
    args = sys.argv[1:] if argv is None else argv
    try:
        plain = coding.plain_code_args(args)
        if plain is not None:
            coding.run_app(*plain)
        else:
            app(args=args, prog_name="annotator")
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
