"""Records read whole, or refused, or what they hold listed: what a tenth look at imports found lost
in silence (Prodigy tasks sharing an input hash, review versions, decisions and identities in this
tool's own JSONL, a CSV's targets, merged tasks' fields) and in round trips (each gold item's own
"how", a coder's seconds)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import dump, write_jsonl

TEXT = "Boris Johnson met Olaf Scholz in Berlin."


def show(cli, doc_id: str) -> dict:
    result = cli("show", doc_id, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def imported(cli, path, *args) -> str:
    result = cli("import", "--create-coders", str(path), *args)
    assert result.code == 0, result.err
    return result.out


def refused(cli, project, path, *args) -> str:
    before = dump(project)
    result = cli("import", "--create-coders", str(path), *args)
    assert result.code == 1 and "Traceback" not in result.err, result.err
    assert dump(project) == before
    return result.err


def test_prodigy_tasks_sharing_an_input_hash_with_other_texts_stay_apart(cli, project, tmp_path):
    """Prodigy's input hash has 32 bits: two texts may share one; tasks are merged by their text."""
    person = [{"start": 0, "end": 13, "label": "PERSON"}]
    path = write_jsonl(tmp_path / "collide.jsonl", [
        {"id": "a", "text": "Angela Merkel met Putin.", "_input_hash": 42, "_task_hash": 1, "answer": "accept",
         "spans": person},
        {"id": "b", "text": "Boris Johnson visited Kyiv.", "_input_hash": 42, "_task_hash": 2, "answer": "accept",
         "spans": person},
        {"id": "c", "text": "Third text without spans.", "_input_hash": 42, "_task_hash": 3, "answer": "reject"}])
    out = imported(cli, path)
    assert "3 new document(s)" in out and "asked about" not in out  # (was: 1 document, two texts gone)
    assert [s["text"] for s in show(cli, "b")["gold"]["spans"]] == ["Boris Johnson"]


def test_a_prodigy_review_task_lists_the_versions_and_names_their_annotators(cli, project, tmp_path):
    span = {"start": 0, "end": 13, "label": "PERSON"}
    path = write_jsonl(tmp_path / "review.jsonl", [
        {"id": "r", "text": TEXT, "_input_hash": 1, "_task_hash": 5, "answer": "accept", "spans": [span],
         "_view_id": "review", "sessions": ["news-bob", "news-alice"],
         "versions": [{"text": TEXT, "spans": [dict(span, label="ORG")], "answer": "accept", "sessions": ["news-alice"]},
                      {"text": TEXT, "spans": [span], "answer": "accept", "sessions": ["news-bob"]}]}])
    out = imported(cli, path)
    assert "2 Prodigy review versions (each annotator's answer before the review" in out
    doc = show(cli, "r")
    assert doc["meta"] == {}  # (was: the versions and sessions, kept as meta)
    assert [s["label"] for s in doc["gold"]["spans"]] == ["PERSON"]
    exported = cli("export", "--out", str(tmp_path / "gold.jsonl"))
    assert exported.code == 0
    assert json.loads((tmp_path / "gold.jsonl").read_text())["annotators"] == ["news-bob", "news-alice"]


def test_this_tools_records_that_would_lose_a_decision_or_a_name_are_refused_or_listed(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "mixed.jsonl", [
        {"id": "d1", "text": "Angela Merkel met Vladimir Putin in Moscow.", "annotators": ["zed"]},
        {"id": "d2", "text": TEXT, "coder": "alice", "adjudication": "adjudicated", "spans": []},
        {"id": "d3", "text": TEXT + " Again.", "coder": "alice", "spans": [],
         "stances": [{"target": "Russia", "label": "FAVOR"}, {"target": "Russia", "label": "AGAINST"}]}])
    err = refused(cli, project, path)
    assert f"{path}:1: 'annotators' (['zed']) belongs to gold records, with 'adjudication'" in err
    assert f"{path}:2: the record gives both 'coder' (a coder's work) and 'adjudication' (gold)" in err
    assert f"{path}:3: 'stances' gives 'Russia' two labels, 'FAVOR' and 'AGAINST'; a target takes one" in err
    path = write_jsonl(tmp_path / "extra.jsonl", [
        {"id": "d4", "text": TEXT, "coder": "alice", "schema": "my-schema-v2",
         "spans": [{"start": 0, "end": 13, "label": "PERSON", "score": 0.3, "source": "manual"}],
         "stances": [{"target": "Russia", "label": "NONE", "evidence": "met"}]}])
    out = imported(cli, path)
    assert "1 span fields this tool keeps none of (score, source)" in out
    assert "1 stance fields this tool keeps none of (evidence)" in out
    assert "1 records written under another codebook (schema 'my-schema-v2'; this project's is 'news-stance@" in out


def test_a_csv_targets_column_is_read_as_target_names_and_checked(cli, project, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text('id,text,targets\n1,"Angela Merkel met Putin in Kyiv.",Ukraine\n2,"Russia attacked.",Narnia\n')
    err = refused(cli, project, bad)
    assert f"{bad}:3: meta 'targets' names 'Narnia', not in the codebook" in err  # (was: stored, then ignored)
    good = tmp_path / "good.csv"
    good.write_text('id,text,targets\n1,"Angela Merkel met Putin in Kyiv.",Ukraine;Russia\n')
    imported(cli, good)
    assert show(cli, "1")["meta"] == {"targets": ["Ukraine", "Russia"]}


def test_merged_teach_tasks_list_their_other_fields_and_name_each_tasks_own_line(cli, project, tmp_path):
    base = {"id": "m", "text": TEXT, "_input_hash": 7, "answer": "accept"}
    path = write_jsonl(tmp_path / "teach.jsonl", [
        {**base, "_task_hash": 1, "title": "Story A", "meta": {"score": 0.91},
         "spans": [{"start": 0, "end": 13, "label": "PERSON"}]},
        {**base, "_task_hash": 2, "title": "Story B", "meta": {"score": 0.42},
         "spans": [{"start": 18, "end": 29, "label": "PERSON"}]}])
    out = imported(cli, path)
    assert ("1 fields of a Prodigy task that differ from those of the first task of its text, whose are kept "
            "(meta, title)") in out
    assert len(show(cli, "m")["gold"]["spans"]) == 2
    path = write_jsonl(tmp_path / "bad.jsonl", [
        {**base, "id": "n", "text": TEXT + " Once.", "_task_hash": 1, "spans": []},
        {"text": "Something else.", "_input_hash": 99, "_task_hash": 98, "answer": "accept"},
        {**base, "id": "n", "text": TEXT + " Once.", "_task_hash": 2, "spans": [{"start": 0, "end": 4, "label": "CITY"}]}])
    err = refused(cli, project, path)
    assert f"{path}:3: span 0: label 'CITY' is not in the codebook" in err  # (was: line 1)


def test_as_coder_refuses_a_prodigy_file_of_two_annotators(cli, project, tmp_path):
    task = {"text": TEXT, "_input_hash": 1, "answer": "accept", "spans": []}
    path = write_jsonl(tmp_path / "two.jsonl", [{**task, "_task_hash": 1, "_annotator_id": "news-alice"},
                                                {**task, "_task_hash": 2, "_annotator_id": "news-bob"}])
    err = refused(cli, project, path, "--as", "coder carol")
    assert (f"{path}:2: this Prodigy task is 'news-bob''s, and the one at {path}:1 'news-alice''s: --as coder carol "
            "stores one person's work") in err


def test_gold_items_keep_their_own_how_and_coders_their_seconds_through_an_export(cli, project, tmp_path):
    gold = {"id": "g", "text": TEXT, "annotators": ["ana", "ben", "cy"], "adjudication": "adjudicated",
            "spans": [{"start": 0, "end": 13, "label": "PERSON", "how": "unanimous"}],
            "stance": {"Russia": "NONE", "Ukraine": "FAVOR"}, "stance_how": {"Russia": "majority"}}
    coder = {"id": "g", "text": TEXT, "coder": "ana", "seconds": 12.5, "spans": [], "stance": {}}
    imported(cli, write_jsonl(tmp_path / "in.jsonl", [gold, coder]))
    hows = {item["item"]: item["how"] for item in show(cli, "g")["gold"]["items"]}
    assert hows == {"span 0-13 PERSON": "unanimous", "stance Russia": "majority",
                    "stance Ukraine": "adjudicated"}  # (was: every item the record's word)
    assert cli("export", "--out", str(tmp_path / "g.jsonl")).code == 0
    line = json.loads((tmp_path / "g.jsonl").read_text())
    assert line["adjudication"] == "adjudicated" and line["stance_how"] == {"Russia": "majority"}
    assert line["spans"][0]["how"] == "unanimous"
    assert cli("export", "--format", "coders", "--out", str(tmp_path / "c.jsonl")).code == 0
    assert json.loads((tmp_path / "c.jsonl").read_text())["seconds"] == 12.5  # (was: left out)
    result = cli("export", "--format", "conll", "--out", str(tmp_path / "g.conll"))
    assert "2 stance(s) left out: CoNLL tags tokens" in result.out  # (was: left out without a word)


def test_shapes_that_gave_pythons_words_now_say_what_is_valid(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "cats.jsonl", [
        {"text": TEXT, "_input_hash": 1, "_task_hash": 2, "answer": "accept", "cats": {"Russia:FAVOR": "yes"}},
        42])
    err = refused(cli, project, path)
    assert f"{path}:1: Prodigy's 'cats' scores must be numbers from 0 to 1, got 'yes' for 'Russia:FAVOR'" in err
    assert f"{path}:2: a record must be a JSON object" in err and "got 42" in err
    ls = tmp_path / "ls.json"
    ls.write_text(json.dumps([{"data": {"text": "Ok text."}, "annotations": ["oops"]}]))
    assert "'annotations' must be a list of objects, as Label Studio writes it, got ['oops']" in refused(cli, project, ls)
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"text": "Ok text."}))
    assert "this file holds one object: put it in brackets" in refused(cli, project, one)
    result = cli("import", "")
    assert result.code == 1 and "an empty path was given" in result.err  # (was: this folder, imported)


def test_doccano_intent_detection_and_an_unlabelled_label_studio_region(cli, project, tmp_path):
    doccano = write_jsonl(tmp_path / "intent.jsonl", [
        {"id": "i", "text": TEXT, "entities": [[0, 13, "PERSON"]], "cats": ["Russia:NONE"]}])
    imported(cli, doccano)
    gold = show(cli, "i")["gold"]
    assert [s["text"] for s in gold["spans"]] == ["Boris Johnson"] and len(gold["stances"]) == 1
    ls = tmp_path / "ls.json"
    ls.write_text(json.dumps([{"id": 3, "data": {"text": TEXT}, "annotations": [{"completed_by": 1, "result": [
        {"type": "labels", "from_name": "label", "value": {"start": 0, "end": 13, "labels": []}}]}]}]))
    assert "1 Label Studio regions with no label (a span needs one)" in imported(cli, ls)


def test_a_file_name_with_a_line_break_is_shown_escaped_in_a_csv_error(cli, project, tmp_path):
    path = tmp_path / "two\nlines.csv"
    path.write_text("id,body\n1,Some text.\n")
    result = cli("import", str(path))
    assert result.code == 1 and "two\\nlines.csv:1: no column 'text'" in result.err, result.err
    assert "two\nlines" not in result.err


def test_gold_or_work_that_says_otherwise_how_or_by_whom_or_how_long_is_listed(cli, project, tmp_path):
    """The same items reached otherwise (another adjudication, other annotators, an item's own how)
    or the same work in another time: the stored one is kept, and the file's is listed, not lost."""
    gold = {"id": "g1", "text": "Putin spoke in Kyiv.", "spans": [{"start": 0, "end": 5, "label": "PERSON"}],
            "stance": {"Ukraine": "FAVOR"}, "annotators": ["alice"], "adjudication": "unanimous"}
    work = {"id": "g1", "text": "Putin spoke in Kyiv.", "coder": "ana", "seconds": 10, "spans": [], "stance": {}}
    imported(cli, write_jsonl(tmp_path / "a.jsonl", [gold, work]))
    path = write_jsonl(tmp_path / "b.jsonl", [
        dict(gold, annotators=["bob", "carol"], adjudication="majority"), dict(work, seconds=99)])
    out = imported(cli, path)
    assert ("1 gold records whose items match the stored gold but say otherwise how they were reached or by whom "
            f"(adjudication, how, annotators): the stored gold's kept; the first at {path}:1") in out
    assert ("1 coder annotations that match the stored one but give another time (seconds): the stored time kept; "
            f"the first at {path}:2") in out


def test_stances_under_keys_of_their_own_on_a_plain_record_are_refused(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "apart.jsonl", [
        {"id": "m1", "text": "Putin spoke in Kyiv.", "labels": ["Ukraine:FAVOR"]},
        {"id": "m2", "text": "Putin spoke in Oslo.", "Ukraine": "FAVOR"},
        {"id": "m3", "text": "Putin spoke in Caen.", "sentiment": {"Ukraine": "FAVOR"}},
        {"id": "m4", "text": "Putin spoke in Pau.", "textcat": {"Ukraine:FAVOR": 1.0}},
        {"id": "m5", "text": "Putin spoke in Rome.", "status": "done", "seconds": 5},
        {"id": "m6", "text": "Putin spoke in Bonn.", "coder": "ana", "suggestions_shown": True}])
    err = refused(cli, project, path)
    for line, key in ((1, "labels"), (2, "Ukraine"), (3, "sentiment"), (4, "textcat")):
        assert f"{path}:{line}: {key!r} (" in err and "looks like a stance kept apart" in err, (key, err)
    assert f"{path}:5: 'status' ('done') belongs to a coder's record" in err
    assert f"{path}:5: 'seconds' (5) belongs to a coder's record" in err
    assert f"{path}:6: 'suggestions_shown' is recorded by the coding screen" in err
    kept = write_jsonl(tmp_path / "data.jsonl", [{"id": "k", "text": "Names kept.", "Ukraine": "Kyiv's country"}])
    imported(cli, kept)
    assert show(cli, "k")["meta"] == {"Ukraine": "Kyiv's country"}  # data, not a stance label: kept as meta


def test_prodigy_spans_answered_alone_cats_not_chosen_and_its_own_fields(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [
        {"id": "p1", "text": "Trump met in Bonn.", "_input_hash": 17, "_task_hash": 27, "answer": "accept",
         "_timestamp": 1700000000, "_session_id": "news-alice", "_source_row": 7,
         "spans": [{"start": 0, "end": 5, "label": "PERSON", "answer": "reject", "score": 0.4},
                   {"start": 12, "end": 16, "label": "GPE", "source": "en_core_web_sm"}]},
        {"id": "p2", "text": "Zelensky spoke in Moscow.", "_input_hash": 12, "_task_hash": 22, "answer": "accept",
         "cats": {"Ukraine:FAVOR": 0.4, "Russia:NONE": 0.3}}])
    out = imported(cli, path)
    assert [s["label"] for s in show(cli, "p1")["gold"]["spans"]] == ["GPE"]  # (was: the rejected PERSON too)
    assert "1 Prodigy spans answered 'reject' on their own" in out
    assert "1 Prodigy span fields this tool keeps none of (source)" in out
    assert "1 Prodigy answer times (_timestamp): not imported" in out
    assert "2 Prodigy cats scored below 0.5 (read as not chosen)" in out
    assert show(cli, "p1")["meta"] == {"_source_row": 7}  # the input's own field, kept
    assert cli("export", "--out", str(tmp_path / "g.jsonl")).code == 0
    assert json.loads((tmp_path / "g.jsonl").read_text().splitlines()[0])["annotators"] == ["news-alice"]


def test_label_studio_cancelled_min_annotations_a_data_id_of_0_and_a_text_elsewhere(cli, project, tmp_path):
    ls_min = tmp_path / "min.json"
    ls_min.write_text(json.dumps([
        {"id": 1, "text": "Putin spoke in Kyiv.", "annotator": 3, "annotation_id": 10, "was_cancelled": True,
         "label": [{"start": 0, "end": 5, "text": "Putin", "labels": ["PERSON"]}], "Ukraine": "FAVOR"}]))
    out = imported(cli, ls_min)
    assert "1 Label Studio annotations cancelled (skipped) by their annotator" in out
    assert show(cli, "1")["annotations"] == []  # (was: stored as done work)
    ls = tmp_path / "ls.json"
    ls.write_text(json.dumps([{"id": 5, "data": {"text": "Zero is an id.", "id": 0}, "annotations": []}]))
    imported(cli, ls)
    assert show(cli, "0")["meta"] == {"label_studio_id": 5}
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps([{"id": 6, "data": {"article": "Text here."}, "annotations": []}]))
    assert "the task's data has no 'text' (its keys: article)" in refused(cli, project, elsewhere)


def test_csv_columns_near_a_key_and_text_from_a_pipe(cli, project, tmp_path):
    near = tmp_path / "near.csv"
    near.write_text("ID,text,Title\nx1,Putin spoke in Kyiv.,My title\n")
    err = refused(cli, project, near)
    assert f"{near}:1: 'ID' is not a column this tool reads; did you mean 'id'?" in err
    for text in ("Just text here.", "Another text here."):  # (the project: this folder's, or ANNOTATOR_DB)
        run = subprocess.run([sys.executable, "-m", "annotator", "import", "--format", "text", "/dev/stdin"],
                             input=text, capture_output=True, text=True, cwd=tmp_path)
        assert run.returncode == 0, run.stderr  # (was: the second refused, its id "stdin" taken)
    result = cli("import", "--as", "coder a,b", str(write_jsonl(tmp_path / "d.jsonl", [{"text": "T.", "label": []}])))
    assert result.code == 1 and result.err.count("coder name") + result.err.count("--as coder") >= 1
    assert ":1:" not in result.err  # said once, of the option, not on a record's line


def test_conll_names_tokens_its_readers_take_for_markup_and_as_coder_names_whom_it_replaced(cli, project, tmp_path):
    text = "Putin spoke of -DOCSTART- and # tags in Kyiv."
    gold = {"id": "c", "text": text, "spans": [], "stance": {}, "adjudication": "adjudicated", "annotators": []}
    imported(cli, write_jsonl(tmp_path / "g.jsonl", [gold]))
    result = cli("export", "--format", "conll", "--out", str(tmp_path / "c.conll"))
    assert "2 token(s) written as they are that CoNLL readers may take for markup" in result.out, result.out
    assert "c at 15 '-DOCSTART-'" in result.out and "c at 30 '#'" in result.out
    path = write_jsonl(tmp_path / "p.jsonl", [{"text": "Bob's text.", "_input_hash": 1, "_task_hash": 2,
                                               "answer": "accept", "_annotator_id": "news-alice"}])
    out = imported(cli, path, "--as", "coder bob")
    assert "1 Prodigy annotator ids stored as bob's work, as --as said (the tasks name news-alice)" in out


def test_twelfth_look_shapes_that_crashed_or_lost_work_inside_meta_csv_and_json_min(cli, project, tmp_path):
    path = write_jsonl(tmp_path / "shapes.jsonl", [
        {"id": "a", "text": "Trump spoke.", "stance": [{"target": "Ukraine", "label": "NONE"}],
         "stance_how": {"Ukraine": "majority"}, "annotators": ["alice"], "adjudication": "majority"},
        {"id": "b", "text": "Putin x.", "spans": [{"start": [0], "end": 5, "label": "PERSON", "how": "majority"}],
         "annotators": [], "adjudication": "majority"},
        {"id": "c", "text": "Putin y.", "foo": {"Ukraine": ["FAVOR"]}},
        {"id": "d", "text": "Putin z.", "meta": {"Ukraine": "FAVOR", "spans": [{"start": 0, "end": 5, "label": "PERSON"}]}},
        {"id": "e", "text": "Putin w.", "spans": [{"start": 0, "end": 5, "label": "PERSON", "how": "majority"},
                                                  {"start": 0, "end": 5, "label": "PERSON", "how": "adjudicated"}],
         "annotators": [], "adjudication": "adjudicated"},
        {"id": "f", "text": "Putin v.", "spans": [{"start": 0, "end": 5, "label": "PERSON", "how": "unanimous"}],
         "annotators": [], "adjudication": "adjudicated"},
        {"id": "g", "text": "Putin u.", "coder": "ana", "seconds": True}])
    err = refused(cli, project, path)
    assert "Traceback" not in err and f"{path}:1:" not in err  # a valid record (was: a traceback)
    assert f"{path}:2: span 0: " in err
    assert f"{path}:3:" not in err  # a list of names is no stance label: the record's data (was: a traceback)
    assert f"{path}:4: meta 'Ukraine' ('FAVOR') holds a stance or annotations" in err
    assert f"{path}:4: meta 'spans'" in err
    assert f"{path}:5: span 1 is given twice, reached two ways ('majority' and 'adjudicated')" in err
    assert f"{path}:6: 'adjudication' 'adjudicated' does not sum up its items' hows, which make it 'unanimous'" in err
    assert f"{path}:7: 'seconds' must be the seconds a coder spent, from 0 to under 1e+09, got True" in err
    csv = tmp_path / "st.csv"
    csv.write_text("id,text,Ukraine,stance_Russia\nz1,Zelensky met Putin.,FAVOR,AGAINST\n")
    err = refused(cli, project, csv)
    assert f"{csv}:2: column 'Ukraine' ('FAVOR') looks like a stance kept apart" in err
    ls_min = tmp_path / "min.json"
    ls_min.write_text(json.dumps([{"id": 12, "text": "Annotated min task.", "stance": "op-ed", "coder": "journalist-x",
                                   "annotator": 3, "annotation_id": 24}]))
    imported(cli, ls_min)
    assert show(cli, "12")["meta"] == {"stance": "op-ed", "coder": "journalist-x"}  # (was: gone, or overwritten)


def test_exports_say_what_their_format_leaves_out(cli, project, tmp_path):
    work = [{"id": f"w{i}", "text": f"Putin spoke {i}.", "coder": "ana", "status": status, "spans": [], "stance": {}}
            for i, status in enumerate(("done", "draft", "skipped"))]
    imported(cli, write_jsonl(tmp_path / "w.jsonl", work))
    result = cli("export", "--format", "coders", "--out", str(tmp_path / "c.jsonl"))
    assert "2 draft or skipped annotation(s) left out" in result.out  # (was: left out without a word)
    assert cli("gold").code == 0
    result = cli("export", "--format", "conll", "--out", str(tmp_path / "c.conll"))
    assert "Document ids and meta left out (--include-meta keeps them)." in result.out


def test_gold_annotators_are_names_as_coder_add_takes_them_each_once(cli, project, tmp_path):
    base = {"text": "Putin spoke.", "spans": [], "stance": {}, "adjudication": "adjudicated"}
    path = write_jsonl(tmp_path / "names.jsonl", [{**base, "id": "a", "annotators": [" x "]},
                                                  {**base, "id": "b", "text": "Again.", "annotators": ["y", "x", "x"]}])
    err = refused(cli, project, path)
    assert f"{path}:1: 'annotators' name ' x ' is not usable" in err  # (was: stored with its spaces)
    assert f"{path}:2: 'annotators' names 'x' twice" in err


def test_a_text_in_a_subfolder_keeps_its_path_inside_the_folder(cli, project, tmp_path):
    folder = tmp_path / "f"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "e.txt").write_text("A text in a subfolder.")
    (folder / "top.txt").write_text("A text at the top.")
    imported(cli, folder)
    assert show(cli, "e")["meta"] == {"source_file": "sub/e.txt"}  # (was: "e.txt")
    assert show(cli, "top")["meta"] == {"source_file": "top.txt"}


def test_who_settled_a_gold_item_travels_through_gold_jsonl(cli, project, tmp_path, monkeypatch):
    """A lead's decision names the lead (review's "by"); gold JSONL carries it, a span's "by" and
    "stance_by", and an import keeps it when that lead is a coder of the project, else says so."""
    assert cli("coder", "add", "lee", "--role", "lead").code == 0
    monkeypatch.setenv("ANNOTATOR_USER", "lee")  # (on a SQLite file; on PostgreSQL the project's owner acts)
    gold = {"id": "g", "text": TEXT, "annotators": ["ana"], "adjudication": "adjudicated",
            "spans": [{"start": 0, "end": 13, "label": "PERSON", "by": "lee"}],
            "stance": {"Ukraine": "FAVOR"}, "stance_by": {"Ukraine": "zoe"}}
    out = imported(cli, write_jsonl(tmp_path / "g.jsonl", [gold]))
    assert "1 gold records naming leads who settled items, not coders of this project" in out and "(zoe)" in out
    bys = {item["item"]: item["by"] for item in show(cli, "g")["gold"]["items"]}
    assert bys == {"span 0-13 PERSON": "lee", "stance Ukraine": None}
    assert cli("export", "--out", str(tmp_path / "out.jsonl")).code == 0
    line = json.loads((tmp_path / "out.jsonl").read_text())
    assert line["spans"][0]["by"] == "lee" and "stance_by" not in line  # (was: no "by" at all)
    work = {"id": "w", "text": "No time kept.", "coder": "ana", "spans": [], "stance": {}}
    imported(cli, write_jsonl(tmp_path / "w.jsonl", [work]))
    assert cli("export", "--format", "coders", "--out", str(tmp_path / "c.jsonl")).code == 0
    coded = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert "seconds" not in next(c for c in coded if c["id"] == "w")  # no time kept: none written (was 0.0)


def test_a_fourteenth_look_names_alike_utf16_offsets_untimed_work_and_labels_in_another_form(cli, project, tmp_path):
    assert cli("coder", "add", "alice").code == 0
    for name in ("ALICE", "ａｌｉｃｅ"):  # upper case, full width: alice to a reader
        result = cli("coder", "add", name)
        assert result.code == 1 and "looks like the coder 'alice'" in result.err, result.err
    zoe_nfd = "Zoe\u0308"
    path = write_jsonl(tmp_path / "z.jsonl", [{"id": "z", "text": "Z.", "coder": zoe_nfd, "spans": [], "stance": {}},
                                              {"id": "y", "text": "Y.", "coder": "Zoë", "spans": [], "stance": {}}])
    err = refused(cli, project, path, "--create-coders")
    assert f"{path}:2: the coder 'Zoë' looks like {zoe_nfd!r}" in err  # (was: two coders shown alike)
    text = "\U0001F600 Putin and Putin. \U0001F600 Putin rose again today"
    ls = tmp_path / "ls.json"
    ls.write_text(json.dumps([{"id": 7, "data": {"text": text}, "annotations": [{"completed_by": 1, "result": [
        {"type": "labels", "value": {"start": 3, "end": 8, "text": "Putin", "labels": ["PERSON"]}},
        {"type": "labels", "value": {"start": 23, "end": 28, "labels": ["PERSON"]}}]}]}]))
    imported(cli, ls)
    (work,) = show(cli, "7")["annotations"]
    assert sorted(s["text"] for s in work["spans"]) == ["Putin", "Putin"]  # (was: 'tin r' for the one without text)
    timed = write_jsonl(tmp_path / "t.jsonl", [
        {"id": f"t{i}", "text": f"Timed {i}.", "coder": "alice", **({"seconds": 10} if i == 0 else {}),
         "spans": [], "stance": {}} for i in range(3)])
    imported(cli, timed)
    status = json.loads(cli("status", "--json").out)
    assert status["suggestion_use"]["seconds_per_document"]["alice"]["assisted"] == 10  # (was 3.33: 0 s read as a time)
    label = write_jsonl(tmp_path / "l.jsonl", [{"id": "l", "text": "Kyiv.", "coder": "alice",
                                                "spans": [], "stance": {"Ukrai\u0301ne": "FAVOR"}}])
    err = refused(cli, project, label)
    assert "stance target 'Ukrai\u0301ne' is not in the codebook" in err and "another Unicode form" not in err


def test_a_value_valid_in_another_unicode_form_is_said_so():
    from annotator.domain.records import _other_form

    assert "it is 'Zoë' in another Unicode form" in _other_form("Zoe\u0308", ["Zoë", "Anna"])
    assert _other_form("Zoey", ["Zoë"]) == ""


def test_records_of_a_minified_json_array_are_named_by_their_place_in_it(cli, project, tmp_path):
    path = tmp_path / "min.json"
    path.write_text(json.dumps([{"text": "Fine."}, {"text": ""}, {"text": 5}]))  # one line
    err = refused(cli, project, path)
    assert f"{path}:1 (item 2): " in err and f"{path}:1 (item 3): " in err  # (was: both "min.json:1")
