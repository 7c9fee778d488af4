"""spaCy work for the coding screen in a process of its own.

The screen's threads share one interpreter lock: a 300 KB document's suggestions computed in a
thread (20 s and more) held every key for 2 s, and its tokens for 4 s. In a process of its own the
screen answers keys at once meanwhile. Requests go one at a time, in the order made; the process
starts on the first, and ends with the session (or with this process, even killed)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from functools import cache
from typing import Any, Callable

from annotator.processes import die_with_parent


class NlpWorker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process = None
        self._conn = None

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """function(*args), run in the worker process (both must pickle: module-level functions)."""
        with self._lock:
            if self._process is None or not self._process.is_alive():
                context = multiprocessing.get_context("spawn")  # not fork: the screen has threads running
                self._conn, child = context.Pipe()
                self._process = context.Process(target=_serve, args=(child,), daemon=True, name="annotator-nlp")
                self._process.start()
                child.close()
            self._conn.send((function, args))
            ok, value = self._conn.recv()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(2)
            self._process = None


def _serve(conn) -> None:
    die_with_parent()
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send((True, function(*args)))
        except Exception as exc:  # the caller raises it
            conn.send((False, exc))


# Run in the worker ---------------------------------------------------------------------------------
def tokens_of(text: str) -> tuple[list[int], list[int]]:
    from annotator.nlp.tokens import token_bounds

    return token_bounds(text)


def suggest_stored(url: str, document_pk: int, model: str | None) -> int:
    """Suggest for one document and store it (as the screen's thread did); returns this process's id."""
    from annotator.services.suggest import suggest_document

    suggest_document(_engine(url), document_pk, _pipeline(model))
    return os.getpid()


@cache
def _engine(url: str):
    from annotator.store.engine import make_engine

    return make_engine(url)


@cache
def _pipeline(model: str | None):
    from annotator.nlp.pipeline import load_pipeline

    return load_pipeline(model)
