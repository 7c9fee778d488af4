"""The one Typer app every command module registers on, with what they share: the output consoles,
the --db option and the progress bar. Imports nothing of annotator.cli, so any module may import it."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from annotator.domain.display import printable, quoted_short
from annotator.domain.errors import InputError

if TYPE_CHECKING:  # Rich's console loads when first used, its progress only when a bar is shown
    from rich.console import Console
    from rich.progress import Progress, TaskID


class _PlainNames:
    """--help names what a parameter holds (PATH..., ID, URL, N), as its metavar says: Typer would
    print a Python type beside each argument whatever its metavar (<str>)."""

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]  # mixed into Typer's command classes
        for param in params:
            if isinstance(param, TyperArgument) and not getattr(param.type, "plain_help", False):
                # Typer prints the type's metavar, or <name> when it has none: an empty one prints
                # nothing. A copy of the type, so the option types it shares with stay as they are.
                shown = copy.copy(param.type)
                shown.get_metavar = lambda param, ctx: ""  # type: ignore[method-assign]
                setattr(shown, "plain_help", True)  # noqa: B010 (an attribute ParamType does not declare)
                param.type = shown
        return params

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        # "PATH..." and "ID" as the README writes them, not Typer's "{PATH...}..." and "{ID}"
        return [re.sub(r"^\{(.+)\}(?:\.\.\.)?$", r"\1", piece) for piece in
                super().collect_usage_pieces(ctx)]  # type: ignore[misc]  # mixed into Typer's command classes


class Group(_PlainNames, TyperGroup):
    pass


class Command(_PlainNames, TyperCommand):
    pass


app = typer.Typer(cls=Group, add_completion=False, pretty_exceptions_enable=False, no_args_is_help=False,
                  help="Annotate news articles in the terminal: entities, stance, reliability, gold data.")


def _safe_console(**options: Any) -> Console:
    """A console every piece of whose text loses its control characters (an escape sequence in a
    title or a coder name would retitle or clear the terminal); Rich's own styles and cursor moves
    are added after this and stay. One place for every command's output, tables and bars included."""
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        def render(self, renderable, options=None):
            for segment in super().render(renderable, options):
                if segment.control is None and segment.text:
                    clean = printable(segment.text)
                    if clean is not segment.text:
                        segment = Segment(clean, segment.style)
                yield segment

    return SafeConsole(**options)


class _LazyConsole:
    """That console, made when first used: a command that prints JSON alone (`agree --json`) never
    loads Rich's console, a tenth of a reading command's start. Rich's own objects (progress bars)
    are given `.console`, the console itself."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._made: Console | None = None

    @property
    def console(self) -> Console:
        if self._made is None:
            self._made = _safe_console(**self._options)
        return self._made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


# Titles, texts, names and paths are the user's data: printed as they are, never read as Rich markup
# ("[/bold]" in a title) or emoji codes; styled output goes through Text.
out = _LazyConsole(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = _LazyConsole(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

Db = Annotated[str | None, typer.Option(
    "--db", envvar="ANNOTATOR_DB", show_envvar=True, metavar="URL", show_default="annotator.db",
    help="Project database: a SQLite file path or a database URL")]


def project_db(ctx: typer.Context, db: str | None) -> str | None:
    """`annotator --db X cmd` and `annotator cmd --db X` both work, and either beats ANNOTATOR_DB
    (which fills in the command's own --db when it is not given)."""
    source = ctx.get_parameter_source("db")  # (by name: Typer may bring its own copy of click's enum)
    if ctx.obj and getattr(source, "name", None) in ("ENVIRONMENT", "DEFAULT", None):
        return ctx.obj
    return db or ctx.obj


class RateBar:
    """Documents done, of how many, and documents per second; only on a terminal."""

    def __init__(self, what: str) -> None:
        self.what, self.began, self.elapsed = what, 0.0, 0.0
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def start(self, report) -> None:
        import time

        self.began = time.perf_counter()
        if report.todo and err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[rate]} docs/s"), TimeRemainingColumn(),
                                      console=err.console, transient=True)
            bar.start()
            self.task = bar.add_task(self.what, total=report.todo, rate="-")

    def advance(self, n: int) -> None:
        import time

        self.elapsed = time.perf_counter() - self.began
        if self.bar and self.task is not None:
            done = self.bar.tasks[0].completed + n
            self.bar.update(self.task, advance=n, rate=f"{done / self.elapsed:.1f}")

    def __enter__(self):
        return self

    def stop(self) -> None:
        if self.bar:
            self.bar.stop()
            self.bar = None

    def __exit__(self, *exc) -> None:
        self.stop()


def web_address(option: str, url: str) -> str:
    """The address pages and links are made from (a coder's link, the served page's address), without
    its trailing slash: only an http(s) address with a host (a javascript: or file: one would run or
    open something else when clicked), no space, and no query or fragment (the link adds its own)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        web = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an unclosed [ of an IPv6 host
        web = False
    if not web or any(c.isspace() or not c.isprintable() for c in url) or parts.query or parts.fragment \
            or "?" in url or "#" in url:
        raise InputError(f"{option} {quoted_short(url)} is not a web address to build links on: give the http:// or "
                         "https:// address where `annotator serve` is reached, with no space, ? or #, e.g. "
                         "https://annotate.example.org")
    return url.rstrip("/")
