"""`suggest` runs at once (several machines on one PostgreSQL server, or one machine on SQLite) share
the work: each claims pages of documents the others have not, so no document is suggested twice,
a dead run's pages are taken again, and each run reports only what it did."""

from __future__ import annotations

import pytest

import json
import subprocess
import sys
from datetime import datetime, timedelta, UTC

from conftest import ROOT, rows, rule_pipeline, write_jsonl

from annotator.services import suggest as suggest_service
from annotator.services.project import open_project
from annotator.store import suggestions

# One run in a process of its own: it waits for `go` so that both runs claim at the same time, and
# each document takes the pipeline 5 ms (a slow model), so the runs overlap from start to end.
RUN = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from conftest import rule_pipeline
from spacy.language import Language
from annotator.services import suggest as service
from annotator.services.project import open_project

@Language.component("slow_model")
def slow_model(doc):
    time.sleep(0.005)
    return doc

pipeline = rule_pipeline()
if "slow_model" not in pipeline.nlp.pipe_names:
    pipeline.nlp.add_pipe("slow_model")
service.READ_PAGE = 16
engine = open_project({db!r})
print("ready", flush=True)
while not Path({go!r}).exists():
    time.sleep(0.01)
report = service.suggest(engine, pipeline=pipeline, batch_size=8)
print(json.dumps({{"taken": report.taken, "suggested": report.suggested}}), flush=True)
"""


def _texts(n: int) -> list[dict]:
    return [{"id": f"c{i}", "text": f"Vladimir Putin met Joe Biden in Kyiv, meeting number {i}."} for i in range(n)]


@pytest.mark.slow
def test_two_runs_at_once_share_the_documents_and_each_reports_its_own(cli, project, tmp_path):
    assert cli("import", str(write_jsonl(tmp_path / "c.jsonl", _texts(240)))).code == 0
    go = tmp_path / "go"
    script = tmp_path / "run.py"
    script.write_text(RUN.format(tests=str(ROOT / "tests"), db=str(project), go=str(go)))
    runs = [subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    for run in runs:
        assert run.stdout.readline().strip() == "ready", run.stderr.read()
    go.touch()
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=240)
        assert run.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    # every document suggested once, by one run or the other: what each took is what it stored
    assert sum(r["taken"] for r in reports) == 240 and all(r["taken"] == r["suggested"] for r in reports)
    assert all(r["taken"] > 0 for r in reports), f"the runs did not overlap: {reports}"
    assert rows(project, "SELECT count(*), count(DISTINCT document_pk) FROM suggestion") == [(240, 240)]
    assert rows(project, "SELECT count(*) FROM suggest_claim") == [(0,)]  # every claim ended with its page


def test_a_dead_runs_pages_are_taken_again_and_a_live_runs_are_left_alone(cli, project, tmp_path):
    assert cli("import", str(write_jsonl(tmp_path / "c.jsonl", _texts(30)))).code == 0
    engine = open_project(str(project))
    pipeline = rule_pipeline()
    key = (pipeline.name, pipeline.version)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process of this machine that has ended: a run killed part way
    with engine.begin() as conn:
        dead = suggestions.claim_page(conn, 0, 10, *key, f"{suggest_service.HOST}:{gone.pid}:dead", timedelta(hours=1))
        alive = suggestions.claim_page(conn, 0, 10, *key, "another-machine:1:busy", timedelta(hours=1))
    assert [pk for pk, *_ in dead] == list(range(1, 11)) and [pk for pk, *_ in alive] == list(range(11, 21))
    report = suggest_service.suggest(engine, pipeline=pipeline, batch_size=4)
    assert (report.taken, report.suggested) == (20, 20)  # the dead run's ten, and the ten no one had
    suggested = {pk for pk, in rows(project, "SELECT document_pk FROM suggestion")}
    assert suggested == set(range(1, 11)) | set(range(21, 31))
    assert rows(project, "SELECT run, count(*) FROM suggest_claim GROUP BY run") == [("another-machine:1:busy", 10)]

    with engine.begin() as conn:  # the other machine's claims run out: their pages are anyone's
        conn.execute(suggestions.CLAIM.update().values(until=datetime.now(UTC) - timedelta(minutes=1)))
    report = suggest_service.suggest(engine, pipeline=pipeline, batch_size=4)
    assert (report.taken, report.suggested) == (10, 10)
    assert rows(project, "SELECT count(*), count(DISTINCT document_pk) FROM suggestion") == [(30, 30)]
