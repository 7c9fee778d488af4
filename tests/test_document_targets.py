"""Targets that change per document: meta.targets lists those that apply, and a codebook target
`from_meta` is named by each document's meta (with its aliases). Suggesting, coding, agreement,
gold and export all follow."""

from __future__ import annotations

import json

from conftest import ROOT, rows, write_jsonl
from test_coding_screen import make_app, ready

from annotator.domain.codebook import parse_codebook
from annotator.services.project import open_project
from annotator.services.suggest import suggest

MAIN = '''
[[targets]]
name = "main entity"
from_meta = "entity"
description = "The person the article is mainly about"
'''
DOCS = [
    {"id": "merkel", "text": "Angela Merkel met voters in Berlin. The chancellor was praised for a wonderful speech. "
                             "Merkel thanked them.", "meta": {"entity": "Angela Merkel", "entity_aliases": ["Merkel"]}},
    {"id": "russia-only", "text": "Russia and Ukraine held talks. Nothing was agreed.", "meta": {"targets": ["Russia"]}},
    {"id": "plain", "text": "Ukraine held elections on Sunday.", "meta": {}},
]


def _codebook() -> str:
    return (ROOT / "schemas" / "news-stance.toml").read_text("utf-8") + MAIN


def test_targets_for_a_document_come_from_its_meta():
    codebook = parse_codebook(_codebook(), "test")
    merkel = codebook.targets_for(DOCS[0]["meta"])
    assert [t.name for t in merkel] == ["Ukraine", "Russia", "United States", "NATO", "main entity"]
    main = merkel[-1]
    assert (main.named, main.shown_name, main.all_aliases) == ("Angela Merkel", "Angela Merkel",
                                                                ("Angela Merkel", "Merkel"))
    assert [t.name for t in codebook.targets_for(DOCS[1]["meta"])] == ["Russia"]
    assert "main entity" not in [t.name for t in codebook.targets_for({})]  # no meta.entity: no such target
    assert [t.name for t in codebook.targets_for({"targets": ["main entity"], "entity": "X"})] == ["main entity"]


def test_a_from_meta_key_must_be_a_meta_key(tmp_path):
    import pytest

    from annotator.domain.errors import CodebookError

    with pytest.raises(CodebookError) as caught:
        parse_codebook(_codebook().replace('from_meta = "entity"', 'from_meta = "the entity!"'), "test")
    assert any("from_meta 'the entity!' is not a meta key" in p for p in caught.value.problems)


async def test_suggest_code_agree_gold_and_export_follow_each_documents_targets(cli, database, tmp_path, ruler):
    schema = tmp_path / "codebook.toml"
    schema.write_text(_codebook(), "utf-8")
    assert cli("init", "--schema", str(schema)).code == 0
    assert cli("import", str(write_jsonl(tmp_path / "docs.jsonl", DOCS))).code == 0
    db = database
    suggest(open_project(str(db)), pipeline=ruler)
    shown = {d["id"]: json.loads(cli("show", d["id"], "--json").out)["suggestions"][0]["stances"] for d in DOCS}
    assert [s["target"] for s in shown["russia-only"]] == ["Russia"]
    assert "main entity" not in [s["target"] for s in shown["plain"]]
    main = next(s for s in shown["merkel"] if s["target"] == "main entity")
    assert main["label"] == "FAVOR" and main["evidence"]  # found through the document's own aliases
    # The coding screen names the target as the document does, and codes it under the codebook's name
    for coder in ("alice", "bob"):
        app = make_app(db, coder=coder)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await ready(pilot)
            assert screen.doc.id == "merkel"
            panel = "\n".join(line.plain for line in screen.query_one("SidePanel")._lines)
            assert "Angela Merkel" in panel and "main entity" not in panel.split("Stance")[1].split("Codebook")[0]
            screen.controller.target, screen.controller.stance_focus = "main entity", True
            await pilot.press("+", "d", "d")
            await ready(pilot)
    assert rows(db, "SELECT count(*) FROM annotation_stance WHERE target = 'main entity' AND label = 'FAVOR'"
                ) == [(2,)]
    agreement = json.loads(cli("agree", "--json").out)
    assert agreement["stance"]["main entity"]["units"] == 1
    assert "Gold for 1 document(s)" in cli("gold").out
    out = tmp_path / "gold.jsonl"
    assert cli("export", "--out", str(out)).code == 0
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["stance"]["main entity"] == "FAVOR" and record["meta"]["entity"] == "Angela Merkel"


async def test_the_side_panel_keeps_no_rows_from_before_a_resize(cli, database, tmp_path, ruler):
    """Rows wrapped at a narrow width, then gone once the panel widens, must not stay on screen
    below the new content (they did, until every line was repainted on resize)."""
    import re

    assert cli("init").code == 0
    assert cli("import", str(write_jsonl(tmp_path / "docs.jsonl", DOCS[2:]))).code == 0
    db = database
    suggest(open_project(str(db)), pipeline=ruler)
    app = make_app(db)
    async with app.run_test(size=(64, 24)) as pilot:
        await ready(pilot)
        await pilot.resize_terminal(100, 24)
        await ready(pilot)
        await pilot.pause()
        text = re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")
    # The codebook's note on the focused item shows once, not again in leftovers below it
    assert text.count("Codebook:") == 1, text


def test_import_names_a_bad_targets_list_or_entity_and_what_is_valid(cli, database, tmp_path):
    schema = tmp_path / "codebook.toml"
    schema.write_text(_codebook(), "utf-8")
    assert cli("init", "--schema", str(schema)).code == 0
    bad = [{"id": "a", "text": "One.", "meta": {"targets": ["Ukriane"]}},
           {"id": "b", "text": "Two.", "meta": {"targets": "Ukraine"}},
           {"id": "c", "text": "Three.", "meta": {"entity": 42}},
           {"id": "d", "text": "Four.", "meta": {"entity": "X", "entity_aliases": "Y"}}]
    result = cli("import", str(write_jsonl(tmp_path / "bad.jsonl", bad)))
    assert result.code == 1 and "Traceback" not in result.err
    assert "meta 'targets' names 'Ukriane', not in the codebook" in result.err and "valid targets: Ukraine" in result.err
    assert "meta 'targets' must be a list of target names, got 'Ukraine'" in result.err
    assert "meta 'entity' names the target 'main entity' and must be a non-empty text, got 42" in result.err
    assert "meta 'entity_aliases' must be a list of names, got 'Y'" in result.err
    assert rows(database, "SELECT count(*) FROM document") == [(0,)]  # all or nothing


def test_a_per_document_target_a_document_does_not_name_is_never_found_in_it():
    from annotator.domain.stance_rules import find_mentions

    target = parse_codebook(_codebook(), "test").targets[-1]  # "main entity", not resolved for a document
    assert find_mentions("Anything. At all!", target) == []
