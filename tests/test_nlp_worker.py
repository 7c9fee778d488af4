"""The coding screen's spaCy work runs in a process of its own: a long document's suggestions and
tokens never hold the screen's threads (they share one interpreter lock)."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import wikinews, write_jsonl

from annotator.nlp.tokens import token_bounds
from annotator.services.coding import LONG_TEXT, CodingSession
from annotator.services.nlp_worker import tokens_of
from annotator.services.project import open_project


def test_the_model_runs_in_the_nlp_process_and_ends_with_the_session(cli, project, tmp_path):
    article = wikinews()[0]
    assert cli("import", str(write_jsonl(tmp_path / "one.jsonl", [article]))).code == 0
    session = CodingSession(open_project(str(project)), "ana")  # no pipeline handed in: the real model
    suggestion = session.suggest_missing(1)
    worker = session._nlp.pid
    assert worker is not None and worker != os.getpid()
    assert suggestion is not None and suggestion.spans  # the model found entities, stored and read back
    assert session.load(1).suggestion == suggestion
    long_text = (article["text"] + "\n\n") * (LONG_TEXT // len(article["text"]) + 2)
    assert session.tokens(long_text) == token_bounds(long_text)  # a long text's tokens, from there too
    session.close()
    assert session._nlp.pid is None and not Path(f"/proc/{worker}").exists()


def test_the_nlp_process_outlives_the_thread_that_started_it():
    """The screen calls from short-lived worker threads: the process is kept, not restarted each time
    (the kernel's parent-death signal follows threads: it must not be what ends it)."""
    import threading
    import time

    from annotator.services.nlp_worker import NlpWorker

    worker = NlpWorker()
    started = threading.Thread(target=worker.call, args=(tokens_of, "A first text."))
    started.start()
    started.join()
    first = worker.pid
    time.sleep(0.5)
    assert worker.pid == first is not None  # alive after its thread ended
    assert worker.call(tokens_of, "Another text.") == token_bounds("Another text.") and worker.pid == first
    worker.close()
