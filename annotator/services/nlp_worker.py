"""spaCy work for the coding screen in a process of its own.

The screen's threads share one interpreter lock: a 300 KB document's suggestions computed in a
thread (20 s and more) held every key for 2 s, and its tokens for 4 s. In a process of its own the
screen answers keys at once meanwhile. Requests go one at a time, in the order made; the process
starts on the first, and ends with the session (or with this process, even killed)."""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from functools import cache
from typing import IO, TYPE_CHECKING, Any
from collections.abc import Callable

if TYPE_CHECKING:  # loaded in the worker process only
    from annotator.nlp.pipeline import Pipeline
    from annotator.store.engine import Engine


class NlpWorker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """function(*args), run in the worker process (both must pickle: module-level functions)."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                # A plain new interpreter: not a fork (the screen has threads running), and not
                # multiprocessing's spawn, whose bookkeeping a Textual app in a test upset.
                self._process = subprocess.Popen([sys.executable, "-m", "annotator.services.nlp_worker"],
                                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            assert self._process.stdin is not None and self._process.stdout is not None  # both piped above
            _send(self._process.stdin, (function, args))
            reply = _receive(self._process.stdout)
        if reply is None:
            raise RuntimeError("the NLP process ended before it answered")
        ok, value = reply
        if not ok:
            raise value
        return value

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(5)
            self._process = None


def _send(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        return None
    return pickle.loads(stream.read(struct.unpack("<Q", head)[0]))


def _serve() -> None:
    # Not processes.die_with_parent: the kernel's parent-death signal follows the *thread* that
    # started this process, and the screen starts it from a short-lived worker thread. Instead this
    # process ends when its parent does (the parent's end closes the requests pipe; a long request
    # is cut short by the watch below).
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the replies
    while (request := _receive(requests)) is not None:
        function, args = request
        try:
            reply = (True, function(*args))
        except Exception as exc:  # the caller raises it
            reply = (False, exc)
        _send(replies, reply)


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
def _engine(url: str) -> Engine:
    from annotator.store.engine import make_engine

    return make_engine(url)


@cache
def _pipeline(model: str | None) -> Pipeline:
    from annotator.nlp.pipeline import load_pipeline

    return load_pipeline(model)


if __name__ == "__main__":
    _serve()
