"""Gold derived item by item from crafted disagreements."""

from annotator.domain.gold import CoderVersion, Decided, derive, needed

TARGETS = ("Ukraine", "Russia", "NATO")
PUTIN, VPUTIN, BERLIN = (9, 14, "PERSON"), (0, 14, "PERSON"), (39, 45, "GPE")


def v(*spans, **stances) -> CoderVersion:
    return CoderVersion(frozenset(spans), {k.replace("_", " "): s for k, s in stances.items()})


def test_more_than_half_by_default_or_the_number_given():
    assert [needed(n, None) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]
    assert needed(3, 3) == 3 and needed(2, 5) == 2 and needed(4, 0) == 1


def test_two_coders_agreeing_make_unanimous_gold_and_differing_ones_disputes():
    got = derive({"alice": v(VPUTIN, BERLIN, Ukraine="FAVOR", Russia="AGAINST"),
                  "bob": v(PUTIN, BERLIN, Ukraine="FAVOR", Russia="NONE")}, TARGETS)
    assert got.decided == [Decided(BERLIN, "unanimous", 2), Decided(("Ukraine", "FAVOR"), "unanimous", 2)]
    span, stance = got.disputes
    # "Vladimir Putin" and "Putin" overlap: one dispute over their region, each coder's version shown
    assert (span.kind, span.start, span.end) == ("span", 0, 14)
    assert span.versions == {"alice": (VPUTIN,), "bob": (PUTIN,)}
    assert (stance.target, stance.versions) == ("Russia", {"alice": "AGAINST", "bob": "NONE"})
    assert "NATO" not in {d.target for d in got.disputes}  # nobody coded it: nothing to decide


def test_three_coders_majority_keeps_and_leaves_out_by_votes():
    got = derive({"alice": v(VPUTIN, BERLIN, Ukraine="FAVOR", Russia="AGAINST"),
                  "bob": v(VPUTIN, Ukraine="FAVOR", Russia="NONE"),
                  "carol": v(PUTIN, BERLIN, Ukraine="AGAINST", Russia="FAVOR")}, TARGETS)
    assert Decided(VPUTIN, "majority", 2) in got.decided
    assert Decided(BERLIN, "majority", 2) in got.decided
    assert Decided(("Ukraine", "FAVOR"), "majority", 2) in got.decided
    assert got.outvoted == 1  # carol's "Putin": two of three coders did not mark it
    assert [(d.kind, d.target) for d in got.disputes] == [("stance", "Russia")]  # three different labels


def test_a_target_only_one_coder_coded_is_disputed_and_holds_back_nothing_else():
    got = derive({"alice": v(BERLIN, NATO="AGAINST"), "bob": v(BERLIN)}, TARGETS)
    assert got.decided == [Decided(BERLIN, "unanimous", 2)]
    assert [(d.target, d.versions) for d in got.disputes] == [("NATO", {"alice": "AGAINST", "bob": None})]
    # with a lower bar, one coder is enough
    lenient = derive({"alice": v(BERLIN, NATO="AGAINST"), "bob": v(BERLIN)}, TARGETS, min_agreement=1)
    assert Decided(("NATO", "AGAINST"), "majority", 1) in lenient.decided and not lenient.disputes


def test_a_tie_is_disputed_even_when_each_side_reaches_the_bar():
    got = derive({"a": v(Ukraine="FAVOR"), "b": v(Ukraine="FAVOR"), "c": v(Ukraine="NONE"), "d": v(Ukraine="NONE")},
                 TARGETS, min_agreement=2)
    assert [d.target for d in got.disputes] == ["Ukraine"] and not got.decided


def test_one_coder_passes_as_is_and_adjudicated_regions_are_left_to_the_lead():
    alone = derive({"alice": v(VPUTIN, Ukraine="FAVOR")}, TARGETS)
    assert [d.how for d in alone.decided] == ["unanimous", "unanimous"] and not alone.disputes
    got = derive({"alice": v(VPUTIN, BERLIN, Russia="AGAINST"), "bob": v(PUTIN, BERLIN, Russia="NONE")}, TARGETS,
                 adjudicated_regions=[(0, 14)], adjudicated_targets=["Russia"])
    assert got.decided == [Decided(BERLIN, "unanimous", 2)] and not got.disputes


def test_a_split_on_label_or_boundaries_is_a_dispute_not_no_entity():
    by_label = derive({"a": v((0, 5, "PERSON")), "b": v((0, 5, "ORG")), "c": v((0, 5, "GPE"))}, TARGETS)
    assert not by_label.decided and by_label.outvoted == 0
    assert [(d.start, d.end) for d in by_label.disputes] == [(0, 5)]
    by_bounds = derive({"a": v((0, 12, "PERSON")), "b": v((0, 6, "PERSON")), "c": v((7, 12, "PERSON"))}, TARGETS)
    assert [(d.start, d.end) for d in by_bounds.disputes] == [(0, 12)]
    one_of_three = derive({"a": v((0, 5, "PERSON")), "b": v(), "c": v()}, TARGETS)
    assert not one_of_three.disputes and one_of_three.outvoted == 1  # two of three saw nothing there


def test_a_version_keeps_only_the_codebooks_labels():
    from annotator.domain.gold import CoderVersion

    version = CoderVersion(frozenset({(0, 5, "PERSON"), (6, 9, "NOPE")}), {"Ukraine": "FAVOR", "Russia": "BOGUS"})
    kept = version.within(frozenset({"PERSON"}), frozenset({"FAVOR", "AGAINST", "NONE"}))
    assert kept == CoderVersion(frozenset({(0, 5, "PERSON")}), {"Ukraine": "FAVOR"})
    assert version.within(frozenset({"PERSON", "NOPE"}), frozenset({"FAVOR", "BOGUS"})) is version


def test_a_win_at_one_end_of_a_region_does_not_settle_a_split_at_the_other():
    """Alice marks EVENT over the whole text and ORG at its end; Bob marks the same ORG and another
    ORG in the middle. The shared ORG wins, and outvotes the EVENT that overlaps it; Bob's middle ORG,
    which Alice's EVENT also covers, is a split between them: a dispute, not 'outvoted' (it was)."""
    alice = CoderVersion(frozenset({(33, 37, "ORG"), (0, 37, "EVENT")}), {})
    bob = CoderVersion(frozenset({(33, 37, "ORG"), (21, 25, "ORG")}), {})
    derived = derive({"alice": alice, "bob": bob}, [])
    assert [d.key for d in derived.decided] == [(33, 37, "ORG")]
    assert derived.outvoted == 1 and len(derived.disputes) == 1
    assert (derived.disputes[0].start, derived.disputes[0].end) == (21, 25)
    only_end = CoderVersion(frozenset({(33, 37, "ORG")}), {})  # marks nothing at 21-25
    outvoted = derive({"bob": bob, "carol": only_end, "dave": only_end}, [])
    assert [d.key for d in outvoted.decided] == [(33, 37, "ORG")]
    assert outvoted.outvoted == 1 and outvoted.disputes == []  # two of three say no entity at 21-25
