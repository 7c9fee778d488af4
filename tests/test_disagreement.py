"""Which documents the coders agree on least, and why the dashboard does not call them disputed."""

from annotator.domain.disagreement import Disagreement, least_agreed
from annotator.domain.gold import CoderVersion, derive


def test_documents_are_ranked_by_items_the_coders_code_differently():
    spans = {
        "calm": {"a": [(0, 5, "PERSON")], "b": [(0, 5, "PERSON")]},
        "spans": {"a": [(0, 5, "PERSON"), (9, 12, "GPE")], "b": [(0, 5, "ORG")], "c": [(0, 5, "PERSON")]},
        "stance": {"a": [], "b": []},
        "alone": {"a": [(0, 5, "PERSON")]},  # one coder: nothing to differ on
    }
    stances = {"Ukraine": {"calm": {"a": "FAVOR", "b": "FAVOR"}, "stance": {"a": "FAVOR", "b": "AGAINST"},
                           "alone": {"a": "NONE"}},
               "Russia": {"stance": {"a": "NONE"}}}  # b left Russia undecided: it differs too
    assert least_agreed(stances, spans) == [
        Disagreement("spans", 3, 3, 3),  # PERSON (a, c), GPE (a), ORG (b): none has all three coders
        Disagreement("stance", 2, 2, 2),
    ]


def test_an_item_gold_settles_by_majority_still_differs_here():
    """Two coders of three agree: gold takes it (majority, nothing disputed), the list counts it."""
    spans = {"d": {"a": [(0, 5, "PERSON")], "b": [(0, 5, "PERSON")], "c": []}}
    stances = {"Ukraine": {"d": {"a": "FAVOR", "b": "FAVOR", "c": "AGAINST"}}}
    assert least_agreed(stances, spans) == [Disagreement("d", 2, 2, 3)]
    versions = {coder: CoderVersion(frozenset(found), {"Ukraine": stances["Ukraine"]["d"][coder]})
                for coder, found in spans["d"].items()}
    derived = derive(versions, ["Ukraine"])
    assert derived.disputes == [] and {d.how for d in derived.decided} == {"majority"}
