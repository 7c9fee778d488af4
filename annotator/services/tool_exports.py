"""Records from other tools' exports, read into this tool's records: doccano and Prodigy lines of a
JSONL file, and the JSON arrays Label Studio (JSON, JSON-MIN) and doccano (JSON) write.

`as_coder` is import's --as: None stores doccano and Prodigy annotations as gold, a name as that
coder's done work. Label Studio names each annotation's annotator itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson

from annotator.domain import foreign, label_studio
from annotator.domain.codebook import Codebook
from annotator.domain.errors import InputError
from annotator.domain.records import DocumentRecord, record_from_json

TOOLS = {"prodigy": "Prodigy", "doccano": "doccano"}
_NOT_THEIRS = ("--as is for doccano and Prodigy exports; this record names whose work it is itself "
               "({}); import it without --as")


def line_record(obj: Any, where: str, codebook: Codebook, as_coder: str | None) -> DocumentRecord:
    """One JSONL line: this tool's own shapes, or a doccano or Prodigy record."""
    kind = foreign.kind_of(obj)
    coder = None if as_coder == foreign.AS_GOLD else as_coder
    if kind == "prodigy":
        obj = foreign.from_prodigy(obj, where, coder)
    elif kind == "doccano":
        obj = foreign.from_doccano(obj, where, coder)
    elif as_coder is not None and isinstance(obj, dict) and (obj.get("coder") is not None or "adjudication" in obj):
        raise InputError(_NOT_THEIRS.format("'coder' or 'adjudication'"))
    return _record(obj, codebook, TOOLS.get(kind or ""))


class ProdigyTasks:
    """Prodigy's teach recipes ask one question per task (one span, one label), so one text comes as
    several tasks with different task hashes: those tasks (of one annotator) are held until the last
    of them is read, then merged into one record, named by the first one's line. `questions` (from
    `prodigy_questions`) says how many different tasks each such text has; the same task answered
    again is a record of its own, as any repeated record is."""

    def __init__(self, questions: dict[tuple[str, str], int], codebook: Codebook, as_coder: str | None) -> None:
        self.questions, self.codebook, self.as_coder = questions, codebook, as_coder
        self.held: dict[tuple[str, str], dict[str, tuple[str, dict[str, Any] | None]]] = {}
        self.annotator: tuple[Any, str] | None = None  # the first task's _annotator_id, and where

    @staticmethod
    def plain(obj: Any) -> bool:
        """Whether `read` takes the value as `line_record` alone would, whatever came before it: true
        of all but Prodigy tasks that carry their hashes and records naming an _annotator_id."""
        return not isinstance(obj, dict) or ("_annotator_id" not in obj and foreign.prodigy_question(obj) is None)

    def read(self, obj: Any, where: str) -> Iterator[tuple[str, DocumentRecord | InputError]]:
        if problem := self._another_annotator(obj, where):
            yield where, problem
            return
        question = foreign.prodigy_question(obj) if self.questions else None
        expected = self.questions.get(question) if question else None
        if question is None or expected is None or (task := repr(obj["_task_hash"])) in self.held.get(question, {}):
            try:
                yield where, line_record(obj, where, self.codebook, self.as_coder)
            except InputError as exc:
                yield where, exc
            return
        coder = None if self.as_coder == foreign.AS_GOLD else self.as_coder
        tasks = self.held.setdefault(question, {})
        try:
            converted = foreign.from_prodigy(obj, where, coder)
            _record(dict(converted), self.codebook, "Prodigy")  # each task's problems named by its own line
            tasks[task] = (where, converted)
        except InputError as exc:
            tasks[task] = (where, None)  # counted, so the text's other tasks still come out together
            yield where, exc
        if len(tasks) == expected:
            yield from self._merged(self.held.pop(question))

    def _another_annotator(self, obj: Any, where: str) -> InputError | None:
        """With --as coder NAME a file holds one person's work: a second _annotator_id is an error."""
        if self.as_coder in (None, foreign.AS_GOLD) or not isinstance(obj, dict) or "_annotator_id" not in obj:
            return None
        if self.annotator is None:
            self.annotator = (obj["_annotator_id"], where)
        first, first_where = self.annotator
        if obj["_annotator_id"] == first:
            return None
        return InputError(f"this Prodigy task is {obj['_annotator_id']!r}'s, and the one at {first_where} {first!r}'s: "
                          f"--as coder {self.as_coder} stores one person's work; import each annotator's tasks "
                          "as theirs (one file per _annotator_id), or leave out --as to store them as gold")

    def rest(self) -> Iterator[tuple[str, DocumentRecord | InputError]]:
        """Texts some of whose tasks were not read (a line that was not JSON)."""
        for tasks in self.held.values():
            yield from self._merged(tasks)
        self.held.clear()

    def _merged(self, tasks: dict[str, tuple[str, dict[str, Any] | None]]) -> Iterator[
            tuple[str, DocumentRecord | InputError]]:
        read = [(where, task) for where, task in tasks.values() if task is not None]
        if not read:
            return
        where = read[0][0]
        try:
            record = _record(foreign.merged_tasks(read), self.codebook, "Prodigy")
        except InputError as exc:
            yield where, exc
            return
        record.merged = len(read) - 1
        yield where, record


def prodigy_questions(lines: Iterator[bytes | InputError]) -> dict[tuple[str, str], int]:
    """The texts (with their annotator) that a file's Prodigy tasks ask about in more than one
    task, with how many different tasks each has. Lines that are not Prodigy tasks, or not
    JSON (reported by the reading itself), are passed by."""
    first: dict[tuple[str, str], str] = {}
    several: dict[tuple[str, str], set[str]] = {}
    for raw in lines:
        if isinstance(raw, InputError) or b'"_task_hash"' not in raw:
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        question = foreign.prodigy_question(obj)
        if question is None:
            continue
        task = repr(obj["_task_hash"])
        if question in several:
            several[question].add(task)
        elif first.setdefault(question, task) != task:
            several[question] = {first.pop(question), task}
    return {question: len(tasks) for question, tasks in several.items()}


def _record(obj: Any, codebook: Codebook, tool: str | None) -> DocumentRecord:
    notes = obj.pop(foreign.NOTES, []) if isinstance(obj, dict) else []
    record = record_from_json(obj, codebook)
    record.notes, record.tool = notes + record.notes, tool
    return record


def array_records(items: list[Any], raw: bytes, shown: str, codebook: Codebook,
                  as_coder: str | None) -> Iterator[tuple[str, DocumentRecord | InputError]]:
    """A JSON array of Label Studio tasks (JSON), of Label Studio annotations (JSON-MIN), of doccano
    examples, or of records as a JSONL line holds them, each named by its line in the file."""
    lines = _item_lines(raw, len(items))
    shared = {line for line, n in Counter(lines or []).items() if n > 1}
    stance_words = {*codebook.stance_labels, *codebook.polarity_labels}  # (positive, negative, neutral)
    for number, item in enumerate(items, 1):
        where = f"{shown}: item {number}" if not lines else f"{shown}:{lines[number - 1]}" + (
            f" (item {number})" if lines[number - 1] in shared else "")  # (a minified array: one line for all)
        try:
            if label_studio.is_json_min(item):
                objs = [label_studio.from_json_min(item, where, codebook.target_names, stance_words)]
            elif isinstance(item, dict) and "data" in item:
                objs = label_studio.from_label_studio(item, where, codebook.target_names)
            else:  # doccano's JSON export, or this tool's own records in an array
                records = [line_record(item, where, codebook, as_coder)]
                objs = None
            if objs is not None:
                if as_coder is not None and any("coder" in o for o in objs):
                    raise InputError(_NOT_THEIRS.format("its annotator"))
                records = [_record(obj, codebook, "Label Studio") for obj in objs]
        except InputError as exc:
            yield where, exc
            continue
        for record in records:
            yield where, record


_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _item_lines(raw: bytes, count: int) -> list[int] | None:
    """The line each item of a top-level JSON array starts on (None when items are not all objects
    or arrays, whose starts this scan alone finds)."""
    starts, depth = [], 0
    for token in _TOKEN.finditer(raw):
        char = token.group()[:1]
        if char in b"[{":
            depth += 1
            if depth == 2:
                starts.append(token.start())
        elif char in b"]}":
            depth -= 1
    if len(starts) != count:
        return None
    lines, line, previous = [], 1, 0
    for start in starts:
        line += raw.count(b"\n", previous, start)
        previous = start
        lines.append(line)
    return lines
