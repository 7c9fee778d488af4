"""What an import reads but does not store is said, never dropped in silence: gold unlike the
stored gold, Label Studio's task meta, drafts and region notes, duplicate spans; and names and line
endings it cannot take are refused in one line."""

from __future__ import annotations

import json

from conftest import dump, write_jsonl

GOLD = {"id": "g1", "text": "Gold about Kyiv again.", "spans": [], "stance": {"Ukraine": "FAVOR"},
        "adjudication": "adjudicated", "annotators": ["x"]}


def show(cli, doc_id: str) -> dict:
    result = cli("show", doc_id, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_gold_imported_again_unlike_the_stored_gold_is_listed_by_line_and_the_stored_one_kept(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "g1.jsonl", [GOLD])
    assert cli("import", str(path)).code == 0
    same = cli("import", str(path))
    assert same.code == 0, same.err
    assert "Gold: 0 document(s) new, 1 already had gold (kept)." in same.out and "differ" not in same.out
    write_jsonl(path, [dict(GOLD, stance={"Ukraine": "AGAINST"})])
    before = dump(project)
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "Gold: 0 document(s) new, 0 already had gold, 1 unlike the stored gold (kept)." in result.out
    assert (f"{path}:1: the gold of g1 differs from the stored gold in its stances (stored: 0 span(s), "
            "stance Ukraine FAVOR; this file: 0 span(s), stance Ukraine AGAINST)") in result.out
    assert "`annotator show ID`" in result.out and "new project" in result.out
    assert dump(project) == before
    assert [s["label"] for s in show(cli, "g1")["gold"]["stances"]] == ["FAVOR"]


def test_two_unlike_gold_lines_for_one_document_in_one_file_list_the_second(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "two.jsonl", [GOLD, dict(GOLD, spans=[{"start": 11, "end": 15, "label": "GPE"}])])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "Gold: 1 document(s) new, 0 already had gold, 1 unlike the stored gold (kept)." in result.out
    assert f"{path}:2: the gold of g1 differs from the stored gold in its spans (stored: 0 span(s)" in result.out


def test_doccano_gold_imported_again_with_another_category_is_listed(cli, project, tmp_path):
    line = {"id": "d1", "text": "Kyiv again, in doccano.", "label": ["Ukraine:FAVOR"]}
    assert cli("import", str(write_jsonl(tmp_path / "a.jsonl", [line]))).code == 0
    path = write_jsonl(tmp_path / "b.jsonl", [dict(line, label=["Ukraine:AGAINST"])])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "1 unlike the stored gold (kept)" in result.out
    assert f"{path}:1: the gold of d1 differs from the stored gold in its stances" in result.out


def test_a_doccano_span_given_twice_is_stored_once_and_the_duplicate_counted(cli, project, tmp_path):
    line = {"id": "d2", "text": "Kyiv Times report.", "label": [[0, 10, "GPE"], [0, 10, "GPE"], [0, 4, "GPE"]]}
    path = write_jsonl(tmp_path / "dup.jsonl", [line])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert "Stored as gold (adjudicated): 1 document(s), 2 span(s), 0 stance(s)." in result.out
    assert f"1 duplicate spans (the same start, end and label again in one record): stored once; the first at {path}:1" \
        in result.out
    assert sorted((s["start"], s["end"]) for s in show(cli, "d2")["gold"]["spans"]) == [(0, 4), (0, 10)]


def test_a_coders_span_given_twice_in_coder_jsonl_is_stored_once(cli, project, tmp_path):
    span = {"start": 0, "end": 4, "label": "GPE"}
    line = {"id": "d3", "text": "Kyiv again.", "coder": "alice", "spans": [span, span]}
    result = cli("import", "--create-coders", str(write_jsonl(tmp_path / "c.jsonl", [line])))
    assert result.code == 0, result.err
    assert "1 duplicate spans" in result.out
    assert len(show(cli, "d3")["annotations"][0]["spans"]) == 1
