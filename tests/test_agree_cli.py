"""`annotator agree` end to end: coder JSONL imported for three coders, figures checked against the
reference libraries computed here from the same crafted data."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import krippendorff
import numpy as np
from conftest import rows, write_jsonl
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from annotator.domain.tokens import simple_tokens

TEXT = "Vladimir Putin spoke to Olaf Scholz in Berlin about Ukraine."
PUTIN, SCHOLZ, BERLIN, UKRAINE = (0, 14), (24, 35), (39, 45), (52, 59)
CODERS = ("alice", "bob", "carol")
# Ukraine stance of six documents; None: carol left that target undecided (missing data).
UKRAINE_STANCE = {
    "alice": ["FAVOR", "FAVOR", "AGAINST", "NONE", "FAVOR", "AGAINST"],
    "bob": ["FAVOR", "AGAINST", "AGAINST", "NONE", "FAVOR", "AGAINST"],
    "carol": ["FAVOR", "FAVOR", "AGAINST", "NONE", None, "AGAINST"],
}
# Russia: everyone says AGAINST everywhere: one category only, so alpha and kappa are undefined.
SPANS = {  # the first document's entities; the others have none
    "alice": [(*PUTIN, "PERSON"), (*SCHOLZ, "PERSON"), (*BERLIN, "GPE")],
    "bob": [(*PUTIN, "PERSON"), (*SCHOLZ, "PERSON")],
    "carol": [(9, 14, "PERSON"), (*BERLIN, "GPE"), (*UKRAINE, "GPE")],
}


def _records() -> list[dict]:
    records = []
    for coder in CODERS:
        for i in range(6):
            stance = {"Russia": "AGAINST"}
            if UKRAINE_STANCE[coder][i] is not None:
                stance["Ukraine"] = UKRAINE_STANCE[coder][i]
            spans = SPANS[coder] if i == 0 else []
            records.append({"id": f"d{i}", "text": f"{TEXT} ({i})", "coder": coder, "stance": stance,
                            "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans]})
    return records


def _agree(cli, *args) -> dict:
    result = cli("agree", "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_agree_on_imported_coder_jsonl_matches_the_reference_libraries(cli, project, tmp_path):
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", _records()))).code == 0
    got = _agree(cli)

    matrix = np.array([[{"FAVOR": 0, "AGAINST": 1, "NONE": 2}.get(v, np.nan) if v else np.nan
                        for v in UKRAINE_STANCE[c]] for c in CODERS], dtype=float)
    ukraine = got["stance"]["Ukraine"]
    assert math.isclose(ukraine["alpha"], krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"),
                        abs_tol=1e-9)
    lo, hi = ukraine["alpha_ci95"]
    assert lo <= ukraine["alpha"] <= hi
    complete = matrix[:, ~np.isnan(matrix).any(axis=0)].T.astype(int)  # Fleiss: units every coder coded
    assert math.isclose(ukraine["fleiss_kappa"], fleiss_kappa(aggregate_raters(complete)[0]), abs_tol=1e-9)
    for a, b in (("alice", "bob"), ("alice", "carol"), ("bob", "carol")):
        both = [i for i in range(6) if UKRAINE_STANCE[a][i] and UKRAINE_STANCE[b][i]]
        expected = cohen_kappa_score([UKRAINE_STANCE[a][i] for i in both], [UKRAINE_STANCE[b][i] for i in both])
        assert math.isclose(ukraine["cohen_kappa"][f"{a}~{b}"], expected, abs_tol=1e-9)
    assert ukraine["units"] == 6 and ukraine["coders"] == 3
    # pairs within units: 5 units of 3 coders (3 pairs each) and one of 2; disagreeing pairs: 2 in d1
    assert math.isclose(ukraine["percent_agreement"], (16 - 2) / 16)

    russia = got["stance"]["Russia"]
    assert russia["alpha"] is None and russia["fleiss_kappa"] is None and russia["percent_agreement"] == 1.0
    assert got["stance"]["NATO"]["units"] == 0 and got["stance"]["NATO"]["alpha"] is None

    entities = got["entities"]
    assert entities["f1_exact"].keys() == {"alice~bob", "alice~carol", "bob~carol"}
    for pair, f1 in {"alice~bob": 0.8, "alice~carol": 1 / 3, "bob~carol": 0.0}.items():
        assert math.isclose(entities["f1_exact"][pair], f1)
    # relaxed: carol's "Putin" (9-14) overlaps bob's PERSON "Vladimir Putin" (0-14): P 1/3, R 1/2
    assert math.isclose(entities["f1_relaxed"]["bob~carol"], 0.4)
    # GPE pooled over the pairs: one match (Berlin, alice~carol); alice 1+1 as reference, 0+2+2 to match
    assert math.isclose(entities["per_label"]["GPE"]["f1_exact"], 2 * 1 / (2 + 4))
    tokens = list(zip(*simple_tokens(f"{TEXT} (0)")))
    units = [[next((label for s, e, label in SPANS[c] if s <= start and end <= e), "O") for start, end in tokens]
             for c in CODERS]
    other_docs = [["O"] * len(tokens) * 5 for _ in CODERS]  # five documents without entities
    values = [u + o for u, o in zip(units, other_docs)]
    labels = sorted({v for row in values for v in row})
    reference = krippendorff.alpha(reliability_data=[[labels.index(v) for v in row] for row in values],
                                   level_of_measurement="nominal")
    assert math.isclose(entities["token_alpha"], reference, abs_tol=1e-9)

    only_two = _agree(cli, "--coders", "alice,bob", "--target", "Ukraine")
    assert list(only_two["stance"]) == ["Ukraine"] and only_two["stance"]["Ukraine"]["coders"] == 2
    assert list(only_two["entities"]["f1_exact"]) == ["alice~bob"]

    table = cli("agree").out
    assert "Ukraine" in table and "undefined" in table and "alice ~ bob" in table


def test_agree_without_two_coders_on_a_document_says_what_is_needed(cli, project, tmp_path):
    records = [r for r in _records() if r["coder"] == "alice"]
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "alice.jsonl", records))).code == 0
    result = cli("agree")
    assert result.code == 0 and "No document has done annotations from two coders yet" in result.out
    assert _agree(cli)["stance"]["Ukraine"] == {"alpha": None, "alpha_ci95": None, "fleiss_kappa": None,
                                                "percent_agreement": None, "cohen_kappa": {}, "units": 0,
                                                "coders": 1}


def test_agree_names_an_unknown_target(cli, project):
    result = cli("agree", "--target", "Atlantis")
    assert result.code == 1 and "target 'Atlantis' is not in the codebook" in result.err


def test_token_counts_are_kept_after_a_report_and_give_the_same_figures(cli, project, tmp_path):
    from annotator.domain.tokens import token_spans

    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", _records()))).code == 0
    first = _agree(cli)
    kept = rows(project, "SELECT text, token_count FROM document ORDER BY pk")
    assert [n for _, n in kept] == [len(token_spans(text)) for text, _ in kept]
    assert _agree(cli) == first  # the second report reads the counts instead of tokenizing


def test_agree_names_an_unknown_coder(cli, project, tmp_path):
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", _records()))).code == 0
    result = cli("agree", "--coders", "alice,zed")
    assert result.code == 1 and "no coder named zed; coders: alice, bob, carol" in result.err


# What a cold start loads and a reading command never needs; each was once loaded by `agree` (numpy.ma
# by np.unique and np.quantile, Rich's console for JSON, the screen and spaCy through imports).
NEVER_LOADED = ("numpy.ma", "rich.console", "rich.table", "textual", "spacy", "sqlmodel", "pandas")


def test_a_cold_agree_loads_only_what_it_uses(cli, project, tmp_path, sqlite_only):
    assert cli("import", "--create-coders", str(write_jsonl(tmp_path / "coders.jsonl", _records()))).code == 0
    run = ("import json, sys\nfrom annotator.cli import main\ntry:\n    main(['agree', '--json'])\n"
           f"finally:\n    print(json.dumps([m for m in {NEVER_LOADED!r} if m in sys.modules]), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", run], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stderr.splitlines()[-1]) == []
    ukraine = json.loads(done.stdout)["stance"]["Ukraine"]  # computed, its interval drawn: numpy ran
    assert ukraine["alpha"] is not None and len(ukraine["alpha_ci95"]) == 2
