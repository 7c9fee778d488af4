"""A big gold export on SQLite, written on both cores: a forked process writes the second half.

SQLite builds each gold line (store/gold_lines.py), and that work is most of an export. Two threads
do not share it out: every allocation SQLite makes takes one process-wide lock, so a second thread
made the export slower. A second process has its own: the child opens the database anew, writes
the documents after the middle one into files of its own beside the outputs, and says how many it
wrote per split; the parent writes the first half, then appends the child's files to its own and
removes them. Where fork is missing, or the export is small, the parent writes everything.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from annotator.store import gold_lines
from annotator.store.engine import Engine, make_engine, sqlite_path

FORK_AT = 20_000  # complete gold documents: below this a second process costs more than it saves

Lines = Callable[[Engine, int, int | None], Iterator[tuple[str, bytes]]]  # (engine, after, through)


@dataclass
class SecondHalf:
    pid: int
    said: int  # the pipe the child reports on
    parts: dict[str, Path]  # split -> the child's file
    after: int  # the document key the child starts after


def part_path(path: Path, pid: int) -> Path:
    """Named as the export's own temporary files are, so a dead child's file is swept like theirs."""
    return path.with_name(f".{path.name}.{pid}.part")


def start(engine: Engine, complete: int, paths: dict[str, Path], split: Callable[[str], str],
          lines: Lines) -> SecondHalf | None:
    """Fork a child writing the second half of the complete gold, or None (the parent writes all)."""
    if complete < FORK_AT or sqlite_path(engine) is None or not hasattr(os, "fork"):
        return None
    with engine.connect() as conn:
        middle = gold_lines.middle(conn, complete // 2)
    if middle is None:
        return None
    url = engine.url.render_as_string(hide_password=False)  # as given: a read-only URL stays read-only
    # No connection of the parent's may be open on the file across the fork: SQLite keeps its locks'
    # state per file and process, and the child's connection would take the parent's for its own.
    engine.dispose()
    parent = os.getpid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _write_second_half(url, parent, middle, paths, split, lines, write_end)
    os.close(write_end)
    return SecondHalf(pid, read_end, {name: part_path(path, pid) for name, path in paths.items()}, middle)


class _ParentGone(Exception):
    pass


def _write_second_half(url: str, parent: int, after: int, paths: dict[str, Path], split: Callable[[str], str],
                       lines: Lines, report_to: int) -> None:
    status, said = 1, b""
    parts = {name: part_path(path, os.getpid()) for name, path in paths.items()}
    try:
        engine = make_engine(url)  # connections of its own: the parent's must not cross a fork
        written = dict.fromkeys(paths, 0)
        files: dict[str, IO[bytes]] = {name: part.open("wb") for name, part in parts.items()}
        for doc_id, line in lines(engine, after, None):
            if os.getppid() != parent:  # killed (a system call a line: 4 ms of a 45,000-line half)
                raise _ParentGone
            name = split(doc_id)
            files[name].write(line)
            written[name] += 1
        for file in files.values():
            file.close()
        if os.getppid() != parent:
            raise _ParentGone
        said, status = pickle.dumps(("written", written)), 0
    except _ParentGone:
        for part in parts.values():
            part.unlink(missing_ok=True)
    except BaseException as error:  # raised again in the parent, as it was (an InputError stays one)
        try:
            said = pickle.dumps(("error", error, str(error)))
        except Exception:  # an exception that does not pickle: its words
            said = pickle.dumps(("error", None, f"{type(error).__name__}: {error}"))
    try:
        if said:
            os.write(report_to, said)
    except OSError:  # the parent is gone after all: nobody will append the files
        for part in parts.values():
            part.unlink(missing_ok=True)
    finally:
        os._exit(status)  # no cleanup of the parent's objects, which the child shares


def finish(half: SecondHalf, files: Mapping[str, IO[bytes]]) -> dict[str, int]:
    """Wait for the child, append its files to the parent's (then remove them): documents per split."""
    chunks = []
    while chunk := os.read(half.said, 65536):
        chunks.append(chunk)
    os.close(half.said)
    half.said = -1
    _reap(half)
    said: tuple[Any, ...] = pickle.loads(b"".join(chunks)) if chunks else ("error", None, "it died")
    if said[0] == "error":
        _, error, words = said
        if isinstance(error, BaseException):
            raise error
        raise RuntimeError(f"the process writing the second half failed: {words}")
    for name, part in half.parts.items():
        with part.open("rb") as source:
            shutil.copyfileobj(source, files[name], 1 << 20)
        part.unlink()
    written: dict[str, int] = said[1]
    return written


def _reap(half: SecondHalf) -> None:
    pid, half.pid = half.pid, 0
    if pid:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # reaped already
            pass


def abandon(half: SecondHalf) -> None:
    """Stop the child if it still runs and remove what it wrote."""
    if half.pid:
        try:
            os.kill(half.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _reap(half)
    if half.said >= 0:
        os.close(half.said)
        half.said = -1
    for part in half.parts.values():
        part.unlink(missing_ok=True)
