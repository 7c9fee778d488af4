"""Codebooks: the bundled ones load; every kind of mistake names the file, the line, the key and what is allowed."""

from __future__ import annotations

import pytest

from annotator.domain.codebook import parse_codebook
from annotator.domain.errors import CodebookError
from annotator.domain.screen_keys import SCREEN_KEYS
from annotator.tui.keys import SCREEN_BINDINGS
from conftest import ROOT, dump

STANCE = (ROOT / "schemas" / "news-stance.toml").read_text("utf-8")


def test_bundled_news_stance_codebook():
    cb = parse_codebook(STANCE, "news-stance.toml")
    assert cb.name == "news-stance"
    assert {"Ukraine", "Russia", "United States", "NATO"} <= set(cb.target_names)
    assert cb.stance_labels == ("FAVOR", "AGAINST", "NONE")
    assert [s.key for s in cb.stances] == ["+", "-", "0"]
    # spaCy's OntoNotes labels map onto codebook labels
    assert cb.model_label_map["PERSON"] == "PERSON" and cb.model_label_map["FAC"] == "LOC"
    assert "Kyiv" in next(t for t in cb.targets if t.name == "Ukraine").aliases


def test_bundled_entities_codebook_has_no_stance():
    cb = parse_codebook((ROOT / "schemas" / "news-entities.toml").read_text("utf-8"))
    assert cb.targets == () and len(cb.entities) == 9


@pytest.mark.parametrize("name", ["news-stance.toml", "news-entities.toml"])
def test_names_read_without_validation_are_the_validated_codebooks(name):
    """`agree` reads a stored codebook's names with tomllib alone: the same names, in the same
    order, as the validated codebook gives, a byte order mark included."""
    from annotator.domain.codebook_names import names_of

    text = "\ufeff" + (ROOT / "schemas" / name).read_text("utf-8")
    cb, names = parse_codebook(text), names_of(text)
    assert (names.targets, names.stance_labels, names.entity_labels) == (cb.target_names, cb.stance_labels,
                                                                        cb.entity_labels)
    assert names.entity_labels and (names.targets or name == "news-entities.toml")


def test_hash_ignores_formatting_but_not_content():
    a = parse_codebook(STANCE)
    b = parse_codebook("# a comment\n" + STANCE.replace(' = ', '='))
    c = parse_codebook(STANCE.replace('label = "ORG"', 'label = "ORGANIZATION"'))
    assert a.hash == b.hash != c.hash
    assert a.ref == f"news-stance@{a.hash[:6]}"


def problems(text: str) -> list[str]:
    with pytest.raises(CodebookError) as exc:
        parse_codebook(text, "cb.toml")
    return exc.value.problems


def test_duplicate_key_names_line_key_and_free_keys():
    text = STANCE.replace('label = "ORG"\nkey = "2"', 'label = "ORG"\nkey = "1"')
    (line,) = problems(text)
    key_line = text.splitlines().index('key = "1"', text.splitlines().index('label = "ORG"')) + 1
    assert line.startswith(f"cb.toml:{key_line}: [entities.1.key]")
    assert "'1'" in line and "already bound to 'PERSON'" in line and "free keys: 2 7" in line


def test_duplicate_label_is_reported():
    text = STANCE.replace('label = "ORG"', 'label = "PERSON"').replace('["ORG"]', '["ORG2"]')
    (line,) = problems(text)
    assert "[entities.1.label]" in line and "'PERSON' is already used by entities.0" in line


def test_duplicate_stance_label_and_target_name():
    text = STANCE.replace('label = "AGAINST"', 'label = "FAVOR"').replace('name = "NATO"', 'name = "Russia"')
    found = problems(text)
    assert any("[stances.1.label]" in p and "'FAVOR'" in p for p in found)
    assert any("[targets.3.name]" in p and "'Russia'" in p for p in found)


def test_a_screen_key_is_refused():
    (line,) = problems(STANCE.replace('key = "+"', 'key = "a"'))
    assert "[stances.0.key]" in line and "coding screen's own keys" in line


@pytest.mark.parametrize("key", [k for k in SCREEN_KEYS if k.char])
def test_every_key_the_screen_binds_is_refused_to_codebooks(key):
    """The validator reads the very table the screen's bindings are made from."""
    assert any(b.key == key.key and b.action == key.action for b in SCREEN_BINDINGS)
    (line,) = problems(STANCE.replace('key = "+"', f'key = "{key.char}"'))
    assert "[stances.0.key]" in line and f"key {key.char!r} ('FAVOR') is one of the coding screen's own keys" in line


def test_unknown_field_lists_the_allowed_ones():
    (line,) = problems(STANCE.replace('key = "1"', 'key = "1"\nlable = "x"'))
    assert "[entities.0.lable] unknown field; allowed here: label, key, description, from_model" in line


def test_missing_field_and_wrong_type():
    found = problems(STANCE.replace('name = "Ukraine"', 'nom = "Ukraine"').replace("version = 1", 'version = "one"'))
    assert any("[targets.0.name] field required" in p for p in found)
    version_line = STANCE.splitlines().index("version = 1") + 1
    assert any(p.startswith(f"cb.toml:{version_line}: [version]") and "'one'" in p for p in found)


def test_two_labels_with_one_polarity_are_refused():
    text = STANCE.replace('key = "0"', 'key = "0"\npolarity = "positive"')
    (line,) = problems(text)
    polarity_line = text.splitlines().index('polarity = "positive"') + 1
    assert line.startswith(f"cb.toml:{polarity_line}: [stances.2.polarity]")
    assert "'positive' ('NONE') is already taken by 'FAVOR' (stances.0, by default)" in line
    assert "free polarities: neutral" in line


def test_an_unknown_polarity_is_refused():
    (line,) = problems(STANCE.replace('key = "+"', 'key = "+"\npolarity = "up"'))
    assert "[stances.0.polarity]" in line and "'positive', 'negative' or 'neutral'" in line and "'up'" in line


def test_polarity_left_unsaid_keeps_the_hash():
    cb = parse_codebook(STANCE)
    assert cb.hash == "6853e33f1cc6c01128253b8eb641a7b8c34b0937339080b020714fe1d4babf8e"
    assert cb.polarity_labels == {"positive": "FAVOR", "negative": "AGAINST", "neutral": "NONE"}


def test_toml_syntax_error():
    (line,) = problems("name = \n")
    assert line == "cb.toml:1:8: not valid TOML: Invalid value"  # file:line:column, as every other problem


def test_init_with_bad_codebook_exits_cleanly_and_changes_nothing(cli, project, tmp_path):
    before = dump(project)
    bad = tmp_path / "bad.toml"
    bad.write_text(STANCE.replace('key = "-"', 'key = "+"'), "utf-8")
    result = cli("init", "--schema", str(bad))
    assert result.code == 1
    assert f"{bad}:" in result.err and "[stances.1.key]" in result.err and "Traceback" not in result.err
    assert dump(project) == before


def test_init_twice_is_a_no_op_and_a_new_codebook_is_recorded(cli, project, tmp_path):
    assert "already in force" in cli("init").out
    entities = ROOT / "schemas" / "news-entities.toml"
    result = cli("init", "--schema", str(entities))
    assert result.code == 0 and "news-entities@" in result.out


def test_a_new_codebook_may_not_drop_a_label_in_use(cli, project, tmp_path):
    from conftest import write_jsonl
    coded = write_jsonl(tmp_path / "coded.jsonl", [{"text": "Donald Trump met Putin.", "coder": "alice",
                                                     "spans": [{"start": 0, "end": 12, "label": "PERSON"}],
                                                     "stance": {"Russia": "AGAINST"}}])
    assert cli("import", "--create-coders", str(coded)).code == 0
    slim = tmp_path / "slim.toml"
    slim.write_text(STANCE.replace('name = "Russia"', 'name = "Moscow"'), "utf-8")
    before = dump(project)
    result = cli("init", "--schema", str(slim))
    assert result.code == 1 and "'Russia' = 'AGAINST' is used by existing annotations" in result.err
    assert dump(project) == before


@pytest.mark.parametrize("old, new, said", [
    ('aliases = ["Ukraine",', 'aliases = "T"\nx = ["Ukraine",', 'must be a list of names, e.g. ["Kyiv", "Kiev"], got \'T\''),
    ("version = 1", 'version = "one"', "must be a whole number, e.g. 1, got 'one'"),
])
def test_a_wrong_type_in_a_codebook_is_said_in_toml_words_not_pythons(old, new, said):
    assert old in STANCE
    with pytest.raises(CodebookError) as caught:
        parse_codebook(STANCE.replace(old, new, 1), "cb.toml")
    assert said in str(caught.value) and "tuple" not in str(caught.value) and "integer" not in str(caught.value)
