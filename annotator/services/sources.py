"""Reading import files as a stream of (where, record-or-error), one record at a time.

Files are read as bytes and decoded line by line, so a bad byte is reported with its line and the
rest of the file still streams; texts are stored exactly as they are (no newline translation).
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO, Protocol
from dataclasses import dataclass
from pathlib import Path

import orjson

from annotator.domain.codebook import Codebook
from annotator.domain.display import escaped_controls, has_control
from annotator.domain.errors import InputError
from annotator.domain.records import (DocumentRecord, RecordError, default_id, near_keys, record_from_text,
                                      target_problems)
from annotator.domain.work_shapes import stance_like
from annotator.services import json_values
from annotator.services.tool_exports import ProdigyTasks, array_records, prodigy_questions

FORMATS = ("auto", "text", "jsonl", "csv", "labelstudio")
SUFFIX_FORMATS = {".txt": "text", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".json": "labelstudio"}

Item = tuple[str, DocumentRecord | InputError]
Progress = Callable[[int], None]  # called with the bytes consumed since the last call
Opener = Callable[[Path], BinaryIO]  # how a file's bytes are read (the importer's opener checks them)
Line = tuple[int, bytes | InputError]  # a JSONL line's number, and its bytes (or why it was not read)
# What became of a line parsed elsewhere: where, and the record or error, or the parsed JSON value
# that this process reads in order (a Prodigy task, which may be merged with others of its text)
Parsed = tuple[str, DocumentRecord | InputError | Any, bool]


class LineParser(Protocol):
    """Parses a file's JSONL lines elsewhere (import_workers: on other cores), in chunks, in order."""

    def parsed(self, shown: str, chunks: Iterator[list[Line]]) -> Iterator[list[Parsed]]: ...


def _open(path: Path) -> BinaryIO:
    return path.open("rb")


@dataclass(frozen=True)
class Source:
    path: Path  # what is read
    format: str
    shown: Path | None = None  # what messages name, when that is not `path` (a pipe's bytes kept in a file)
    folder: Path | None = None  # the folder it was found in, when a folder was imported


def plan_sources(paths: list[Path], fmt: str) -> tuple[list[Source], list[Path], list[tuple[Path, str]]]:
    """Files to read with their formats, the files of a folder that no format reads (ignored), and
    what a folder holds that is not a file of its own (skipped, with why)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    sources, ignored, skipped = [], [], []
    for path in paths:
        if not path.exists():
            raise InputError("no such file or folder", str(path))
        if path.is_dir():
            files, passed = _folder_files(path)
            skipped += passed
            for child in files:
                child_fmt = fmt if fmt != "auto" else SUFFIX_FORMATS.get(child.suffix.lower())
                if child_fmt and child.suffix.lower() in SUFFIX_FORMATS:
                    sources.append(Source(child, child_fmt, folder=path))
                else:
                    ignored.append(child)
        else:
            if _endless_device(path):
                raise InputError("a device, not a file or a pipe (read to its end it could fill the disk); "
                                 "give a file, a folder or a pipe (/dev/stdin, <(zcat articles.jsonl.gz))", str(path))
            file_fmt = fmt if fmt != "auto" else SUFFIX_FORMATS.get(path.suffix.lower())
            if file_fmt is None and not path.is_file():  # a pipe (<(zcat x.jsonl.gz)) has no suffix to go by
                file_fmt = "auto"  # told by its content, once it is kept (format_of_content)
            if file_fmt is None:
                raise InputError(f"cannot tell the format from the suffix {path.suffix!r}; "
                                 f"use --format text, jsonl, csv or labelstudio", str(path))
            sources.append(Source(path, file_fmt))
    return sources, ignored, skipped


def format_of_content(path: Path, shown: Path) -> str:
    """A pipe's format, by its first character: `{` is JSONL, `[` a JSON array (Label Studio,
    doccano); a text or a CSV could be either, so for them --format decides."""
    with path.open("rb") as f:
        start = f.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    if start[:1] == b"{":
        return "jsonl"
    if start[:1] == b"[":
        return "labelstudio"
    raise InputError("cannot tell the format of a pipe from its content (JSONL starts with '{', a JSON "
                     "export with '['); use --format text, jsonl, csv or labelstudio", str(shown))


def _folder_files(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The regular files under a folder, without leaving it, and what was passed by, with why.

    Hidden files and everything under hidden folders (.git, .venv, editors' backups) are not
    articles: left out, and not listed either. A link is read only when it leads to a file inside
    the folder (a link out of it could bring in /etc/passwd); a linked folder is not entered."""
    root = folder.resolve()
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    walk = os.walk(folder, onerror=lambda exc: skipped.append(
        (Path(exc.filename), f"could not be read: {exc.strerror}")))
    for here, folders, names in walk:
        for name in list(folders):
            if name.startswith(".") or os.path.islink(os.path.join(here, name)):
                folders.remove(name)
                if not name.startswith("."):
                    skipped.append((Path(here, name), "a link to a folder, not followed"))
        for name in names:
            if name.startswith("."):
                continue
            child = Path(here, name)
            if reason := _not_a_file_inside(child, root):
                skipped.append((child, reason))
            else:
                files.append(child)
    return sorted(files), sorted(skipped)


def _not_a_file_inside(child: Path, root: Path) -> str | None:
    """Why a folder's entry is not read, or None for a regular file inside the folder."""
    if child.is_symlink():
        try:
            target = child.resolve()
        except (RuntimeError, OSError):  # (Python 3.11 raises on a loop)
            return f"a link that leads round in a loop, to {os.readlink(child)}"
        if not target.exists():
            return f"a broken link, to {os.readlink(child)}"
        if not target.is_relative_to(root):
            return f"a link out of the folder, to {target}"
        child = target
    try:
        mode = child.stat().st_mode
    except OSError as exc:
        return f"could not be read: {exc.strerror}"
    if stat.S_ISREG(mode):
        return None
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"{kind}, not a file"


def _endless_device(path: Path) -> bool:
    """A character or block device (/dev/zero, /dev/urandom, a disk) other than the terminal this
    command reads from (which ends at Ctrl-D): kept to its end, as a pipe is, it would fill the disk.
    Decided without opening it: opening some devices does something."""
    found = path.stat()
    if not (stat.S_ISCHR(found.st_mode) or stat.S_ISBLK(found.st_mode)):
        return False
    if os.path.samestat(found, os.stat(os.devnull)):  # empty: standard input in cron, `docker run` without -i
        return False
    try:
        return not (os.path.samestat(found, os.fstat(0)) and os.isatty(0))
    except OSError:  # no standard input at all
        return True


def read_source(source: Source, codebook: Codebook, text_column: str, progress: Progress,
                opener: Opener = _open, as_coder: str | None = None, parser: LineParser | None = None) -> Iterator[Item]:
    """as_coder: whose work doccano's and Prodigy's annotations are (None: gold); parser: where a
    JSONL file's lines are parsed (None: here, one by one)."""
    path, shown = source.path, source.shown or source.path
    if source.format == "text":
        named = shown.relative_to(source.folder) if source.folder and shown.is_relative_to(source.folder) else None
        return _read_text(path, shown, progress, opener, named)
    if source.format == "labelstudio":
        return _read_json_array(path, shown, codebook, progress, opener, as_coder)
    if source.format == "jsonl":
        return _read_jsonl(path, shown, codebook, progress, opener, as_coder, parser)
    return _read_csv(path, shown, text_column, progress, opener, codebook)


MAX_LINE_BYTES = 64 * 1024 * 1024  # a record's line: longer is refused, so memory stays flat whatever the file


def _lines(f: BinaryIO) -> Iterator[bytes | InputError]:
    """The file's lines, each read whole only up to MAX_LINE_BYTES; a longer one is passed over in
    bounded steps and given as an error (its line number still counts)."""
    while raw := f.readline(MAX_LINE_BYTES + 1):
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        size = len(raw)
        while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
            size += len(rest)
        size += len(rest)
        yield InputError(f"the line is {size:,} bytes long, over the {MAX_LINE_BYTES:,} a record may take; "
                         "split the record, or import a long text as a .txt file")


def _decoded_lines(path: Path, progress: Progress, opener: Opener) -> Iterator[tuple[int, str | InputError]]:
    with opener(path) as f:
        for number, raw in enumerate(_lines(f), 1):
            if isinstance(raw, InputError):
                yield number, raw
                continue
            progress(len(raw))
            try:
                yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield number, InputError(_not_utf8(raw, exc))


def _not_utf8(raw: bytes, exc: UnicodeDecodeError) -> str:
    column = exc.start - raw.rfind(b"\n", 0, exc.start)
    return f"not valid UTF-8: byte {raw[exc.start]:#04x} at column {column}; save the file as UTF-8"


def _read_text(path: Path, shown: Path, progress: Progress, opener: Opener,
               named: Path | None = None) -> Iterator[Item]:
    """named: the file's path inside the folder imported (its meta's source_file), else its name."""
    with opener(path) as f:
        raw = f.read()
    progress(len(raw))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        yield f"{shown}:{line}", InputError(_not_utf8(raw, exc))
        return
    if path != shown:  # a pipe's text: /dev/stdin or /dev/fd/63 names no document; its id comes from the text
        try:
            record = record_from_text(text, doc_id="")
        except InputError as exc:
            yield str(shown), exc
            return
        record.id = default_id(record.text_hash)
        yield str(shown), record
        return
    if has_control(shown.stem):  # the id would hold it: refused, as a JSONL id with one is
        yield escaped_controls(str(shown)), InputError(
            "the file name holds a line break, tab or other control character (shown escaped), and a .txt "
            "file's name is its document id, which may not; rename the file without them")
        return
    try:
        yield str(shown), record_from_text(text, doc_id=shown.stem, meta={"source_file": str(named or shown.name)})
    except InputError as exc:
        yield str(shown), exc


def _read_jsonl(path: Path, shown: Path, codebook: Codebook, progress: Progress, opener: Opener,
                as_coder: str | None, parser: LineParser | None = None) -> Iterator[Item]:
    """orjson parses the raw bytes (it checks UTF-8 itself); a line it refuses is decoded again only
    to say precisely what is wrong with it."""
    with path.open("rb") as f:  # (a read of its own: the opener checks the one that stores)
        tasks = ProdigyTasks(prodigy_questions(_lines(f)), codebook, as_coder)
    with opener(path) as f:
        if parser is None:
            for number, raw in _read_lines(f, progress):
                where, value, parsed = json_line(number, raw, str(shown))
                if parsed:
                    yield from tasks.read(value, where)
                else:
                    yield where, value
        else:
            for chunk in parser.parsed(str(shown), _chunks(_read_lines(f, progress))):
                for where, item, in_order in chunk:
                    if in_order:
                        yield from tasks.read(item, where)
                    else:
                        yield where, item
    yield from tasks.rest()


CHUNK_BYTES = 1 << 19  # a chunk of lines parsed elsewhere: big enough that handing it over costs little


def _chunks(lines: Iterator[Line]) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    size = 0
    for number, raw in lines:
        chunk.append((number, raw))
        size += len(raw) if isinstance(raw, bytes) else 0
        if size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _read_lines(f: BinaryIO, progress: Progress) -> Iterator[Line]:
    """The lines that hold something, byte order mark taken off; progress told every megabyte."""
    unreported = 0
    for number, raw in enumerate(_lines(f), 1):
        if isinstance(raw, InputError):
            yield number, raw
            continue
        unreported += len(raw)
        if unreported > 1_000_000:
            progress(unreported)
            unreported = 0
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if raw.strip():
            yield number, raw
    progress(unreported)


def json_line(number: int, raw: bytes | InputError, shown: str) -> tuple[str, Any, bool]:
    """Where the line is, and its JSON value (True) or why it has none (an InputError, False)."""
    where = f"{shown}:{number}"
    if isinstance(raw, InputError):
        return where, raw, False
    try:
        return where, json_values.load(raw), True
    except orjson.JSONDecodeError as exc:
        return where, _json_problem(raw, number, exc), False
    except InputError as exc:
        return where, exc, False


def _read_json_array(path: Path, shown: Path, codebook: Codebook, progress: Progress, opener: Opener,
                     as_coder: str | None) -> Iterator[Item]:
    """A Label Studio (JSON or JSON-MIN) or doccano JSON export: one array, read whole (it is one JSON value)."""
    with opener(path) as f:
        raw = f.read()
    progress(len(raw))
    try:
        tasks = json_values.load(raw)
    except orjson.JSONDecodeError as exc:
        line = raw[:exc.pos].count(b"\n") + 1
        hint = ("; one JSON object a line is JSONL: name the file .jsonl, or pass --format jsonl"
                if raw.lstrip().startswith(b"{") else "")
        yield f"{shown}:{line}", InputError(f"not valid JSON: {exc.msg}{hint}")
        return
    except InputError as exc:
        yield f"{shown}", exc
        return
    if not isinstance(tasks, list):
        held = {dict: "one object", str: "a string", int: "a number", float: "a number", bool: "true or false"}
        yield f"{shown}", InputError("a Label Studio or doccano JSON export is a JSON array of tasks ([{...}, ...]); "
                                    f"this file holds {held.get(type(tasks), 'null')}: put it in brackets, or give "
                                    "one record a line in a .jsonl file")
        return
    yield from array_records(tasks, raw, str(shown), codebook, as_coder)


def _json_problem(raw: bytes, number: int, exc: orjson.JSONDecodeError) -> InputError:
    # A last line without its newline that stops mid-value is a file cut short (a copy or a
    # download that did not finish), not a typo: say so, and where it stops.
    cut_short = not raw.endswith(b"\n")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        if not (cut_short and bad.reason == "unexpected end of data"):
            return InputError(_not_utf8(raw, bad))
        text = raw[:bad.start].decode("utf-8")  # cut inside a character
        column = len(text) + 1
    else:
        # orjson counts the line's own newline: an error at its very end is "line 2, column 1"
        column = exc.colno if exc.lineno == 1 else len(text.rstrip("\r\n")) + 1
        cut_short = cut_short and exc.pos >= len(text.rstrip())
    if cut_short:
        return InputError(f"the file ends in the middle of a record, at line {number}, column {column}: "
                          "the last line is cut short; complete it or remove it")
    return InputError(f"malformed JSON at column {column}: {exc.msg}; each line must be one JSON object")


# A field may be long (a whole article), but not without bound: a quote left open would otherwise
# take the rest of a large file into memory before the reader finds its end.
MAX_CSV_FIELD = 64 * 1024 * 1024  # characters


def _read_csv(path: Path, shown: Path, text_column: str, progress: Progress, opener: Opener,
              codebook: Codebook) -> Iterator[Item]:
    bad_lines: dict[int, InputError] = {}
    last_line = 0  # the reader's own count stops short when it fails at the end of the file
    first_line = ""

    def lines() -> Iterator[str]:
        nonlocal last_line, first_line
        for number, line in _decoded_lines(path, progress, opener):
            last_line = number
            if number == 1 and isinstance(line, str):
                first_line = line
            if isinstance(line, InputError):
                bad_lines[number] = line
                yield "\n"  # keeps the reader's line count; the error is reported below
            else:
                yield line

    csv.field_size_limit(MAX_CSV_FIELD)  # (the module's default, 131,072, refuses long articles)
    # strict: a quote left open is an error at the end of the file, not a field that takes the rest
    reader = csv.DictReader(lines(), strict=True)
    try:
        columns = reader.fieldnames or []
    except csv.Error as exc:
        if _old_mac_lines(first_line):
            yield f"{shown}:1", InputError(OLD_MAC_LINES)
            return
        yield f"{shown}:1", InputError(f"not a readable CSV header: {_csv_problem(exc, 1, last_line)}")
        return
    if 1 in bad_lines:
        yield f"{shown}:1", bad_lines.pop(1)
        return
    if problem := _header_problem(columns):
        yield f"{shown}:1", InputError(problem)
        return
    if near := near_keys(dict.fromkeys(c for c in columns if c != text_column)):  # ('ID', 'Title ')
        yield f"{shown}:1", InputError("; ".join(p.replace("key", "column") for p in near))
        return
    if text_column not in columns:
        yield f"{shown}:1", InputError(f"no column {text_column!r}; the columns are: "
                                      f"{escaped_controls(', '.join(columns)) or '(none)'}; "
                                      "name the text column with --text-column")
        return
    row_start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:  # lines that could not be decoded after the last row: reported, never dropped
            for number in sorted(bad_lines):
                yield f"{shown}:{number}", bad_lines.pop(number)
            return
        except csv.Error as exc:  # named by the line its row starts on, where the fix usually is
            yield f"{shown}:{row_start}", InputError(_csv_problem(exc, row_start, last_line))
            return
        # A line that could not be decoded was read as blank and skipped: it is reported here, and
        # the row that follows it is still read (it is a row of its own).
        for number in sorted(n for n in bad_lines if n <= reader.line_num):
            yield f"{shown}:{number}", bad_lines.pop(number)
            row_start = max(row_start, number + 1)
        where = f"{shown}:{row_start}"
        row_start = reader.line_num + 1
        if not any((v or "").strip() for v in row.values()):
            continue  # a blank line
        yield where, _csv_record(row, text_column, codebook)


def _header_problem(columns: Sequence[str]) -> str | None:
    """A column without a name, or a name given twice, would lose its values (a row maps names to values)."""
    for number, name in enumerate(columns, 1):
        if not name.strip():
            return f"column {number} of the header has no name; give every column a name"
        if name in columns[:number - 1]:
            return (f"the header names {name!r} twice (columns {columns.index(name) + 1} and {number}); "
                    "give every column a name of its own")
        if name.strip().lower() in _WORK_COLUMNS:  # its values would be kept as text in meta, not as work
            return (f"column {number} is {name!r}: a CSV brings documents only; coders' work and gold come in as "
                    "JSONL (coder or gold lines), or rename the column if it is data")
    return None


_WORK_COLUMNS = {"coder", "spans", "span", "stance", "stances", "adjudication", "annotators", "annotator", "label",
                 "labels", "entities", "gold", "annotation", "annotations", "cats", "accept", "tags", "ner"}


OLD_MAC_LINES = ("the file's lines end in a carriage return alone (old Mac style); convert them to \\n "
                 "(tr '\\r' '\\n' < old.csv > new.csv)")


def _old_mac_lines(first: str) -> bool:
    """Lines that end in CR alone are one line to a reader that ends lines at LF: a bare CR in it."""
    return "\r" in first.rstrip("\r\n").replace("\r\n", "")


def _csv_problem(exc: csv.Error, row_start: int, line: int) -> str:
    message = str(exc)
    if "new-line character seen in unquoted field" in message:
        return "a carriage return alone (\\r) inside an unquoted field; quote the field, or remove the carriage return"
    if "unexpected end of data" in message:
        return (f"a quote opened in the row that starts on line {row_start} is never closed: it runs to the end "
                f"of the file (line {line}); close it, and write a quote inside a quoted field as two (\"\")")
    if "expected after" in message:
        return (f"malformed CSV on line {line}: a quoted field ends and more text follows before the next comma; "
                "write a quote inside a quoted field as two (\"\")")
    if "field larger than field limit" in message:
        return (f"a field of the row that starts on line {row_start} runs past {MAX_CSV_FIELD:,} characters "
                f"(to line {line}); is a quote left open?")
    return f"malformed CSV: {message}"


def _listed(value: str) -> list[str]:
    """A cell that lists names (a document's targets, a target's aliases): separated by semicolons."""
    return [name.strip() for name in value.split(";") if name.strip()]


def _csv_record(row: dict[str | None, Any], text_column: str, codebook: Codebook) -> DocumentRecord | InputError:
    if None in row:
        return InputError(f"the row has {len(row) - 1 + len(row[None])} fields and the header {len(row) - 1}; "
                          "quote a field that holds a comma (\"a, b\")")
    missing = [name for name, value in row.items() if value is None]
    if missing:  # (the reader fills a short row with None: its last columns would be lost, or shifted)
        return InputError(f"the row has {len(row) - len(missing)} fields and the header {len(row)} (no "
                          f"{', '.join(repr(m) for m in missing[:3])}); give every row a field per column, "
                          "empty ones as nothing between two commas")
    text = row.pop(text_column) or ""
    doc_id = (row.pop("id", "") or "").strip()
    title = row.pop("title", "") or ""
    meta = {k: _listed(v) if k == "targets" or k.endswith("_aliases") else v
            for k, v in row.items() if k is not None and v}
    if apart := [k for k, v in meta.items() if stance_like(k, v, codebook)]:  # refused in JSONL too
        return RecordError([f"column {k!r} ({meta[k]!r}) looks like a stance kept apart; a CSV brings documents: "
                            "give stances in coder or gold JSONL" for k in apart])
    if problems := target_problems(meta, codebook):  # as a JSONL record's meta is checked
        return RecordError([p + (" (in a CSV: names separated by semicolons, e.g. Ukraine;Russia)"
                                 if "targets" in p or "_aliases" in p else "") for p in problems])
    try:
        record = record_from_text(text, doc_id=doc_id, title=title, meta=meta)
    except InputError as exc:
        return exc
    record.id = doc_id or default_id(record.text_hash)
    return record
