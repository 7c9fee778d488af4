"""A codebook whose stance labels have no polarity gets no stance suggestions, and `suggest` says so once."""

from __future__ import annotations

import json

from annotator.services.project import open_project
from annotator.services.suggest import suggest
from conftest import ROOT

PRO_CON = (ROOT / "schemas" / "news-stance.toml").read_text("utf-8").split("[[stances]]")[0] + """
[[stances]]
label = "PRO"
key = "+"

[[stances]]
label = "CON"
key = "-"
"""
NOTE = ("No stance suggestions: the codebook's stance labels (PRO, CON) have no polarity; "
        'add polarity = "positive" | "negative" | "neutral" to them.')


def test_labels_without_polarity_suggest_no_stance_and_say_so_once(cli, database, tmp_path, pipeline, monkeypatch):
    schema = tmp_path / "pro-con.toml"
    schema.write_text(PRO_CON, "utf-8")
    assert cli("init", "--schema", str(schema)).code == 0
    article = tmp_path / "doc-1.txt"
    article.write_text("Russia's attack was brutal and cruel. Ukraine's brave defenders won praise.", "utf-8")
    assert cli("import", str(article)).code == 0

    engine = open_project(str(database))
    report = suggest(engine, pipeline=pipeline)
    engine.dispose()
    assert report.suggested == 1 and report.stance_note == NOTE
    (stored,) = json.loads(cli("show", "doc-1", "--json").out)["suggestions"]
    assert stored["spans"] and stored["stances"] == []

    monkeypatch.setattr("annotator.services.suggest.load_pipeline", lambda model=None: pipeline)
    result = cli("suggest", "--redo")
    assert result.code == 0 and result.out.count(NOTE) == 1
