from annotator.domain.disputes import Dispute, disputes


def test_documents_are_ranked_by_items_the_coders_code_differently():
    spans = {
        "calm": {"a": [(0, 5, "PERSON")], "b": [(0, 5, "PERSON")]},
        "spans": {"a": [(0, 5, "PERSON"), (9, 12, "GPE")], "b": [(0, 5, "ORG")], "c": [(0, 5, "PERSON")]},
        "stance": {"a": [], "b": []},
        "alone": {"a": [(0, 5, "PERSON")]},  # one coder: nothing to dispute
    }
    stances = {"Ukraine": {"calm": {"a": "FAVOR", "b": "FAVOR"}, "stance": {"a": "FAVOR", "b": "AGAINST"},
                           "alone": {"a": "NONE"}},
               "Russia": {"stance": {"a": "NONE"}}}  # b left Russia undecided: disputed too
    assert disputes(stances, spans) == [
        Dispute("spans", 3, 3, 3),  # PERSON (a, c), GPE (a), ORG (b): none has all three coders
        Dispute("stance", 2, 2, 2),
    ]
