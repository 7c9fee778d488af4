"""The cold-start stance rules, on hand-made sentences with a known sentiment function."""

from __future__ import annotations

from annotator.domain.codebook import parse_codebook
from annotator.domain.stance_rules import find_mentions, suggest_stances
from conftest import ROOT

CODEBOOK = parse_codebook((ROOT / "schemas" / "news-stance.toml").read_text("utf-8"))
TARGETS = {t.name: t for t in CODEBOOK.targets}


def texts(text, spans):
    return [text[a:b] for a, b in spans]


def test_aliases_match_whole_words_in_any_case():
    text = "KYIV and kyiv agreed; Kyivstar did not. The Ukrainians and ukraine-based firms."
    assert texts(text, find_mentions(text, TARGETS["Ukraine"])) == ["KYIV", "kyiv", "Ukrainians", "ukraine"]


def test_short_acronyms_match_only_in_capitals():
    text = "Let us talk about the US and the U.S. economy, and America."
    assert texts(text, find_mentions(text, TARGETS["United States"])) == ["US", "U.S.", "America"]


def test_entities_whose_text_is_an_alias_count_as_mentions():
    text = "The transatlantic Alliance met; the North Atlantic Treaty Organization agreed."
    found = find_mentions(text, TARGETS["NATO"], entities=[(4, 26)])
    assert texts(text, found) == ["transatlantic Alliance", "North Atlantic Treaty Organization"]


SENTENCES_TEXT = "Russia is brutal. Ukraine is brave. The weather was mild."
SENTENCES = [(0, 17), (18, 35), (36, 56)]
SCORES = {"Russia is brutal.": -0.6, "Ukraine is brave.": 0.5, "The weather was mild.": 0.0}


def test_labels_scores_and_evidence_from_the_sentiment_of_mentioning_sentences():
    guesses = {g.target: g for g in suggest_stances(SENTENCES_TEXT, SENTENCES, CODEBOOK, SCORES.__getitem__)}
    assert (guesses["Russia"].label, guesses["Russia"].score, guesses["Russia"].evidence) == ("AGAINST", 0.8, ((0, 17),))
    assert (guesses["Ukraine"].label, guesses["Ukraine"].score, guesses["Ukraine"].evidence) == ("FAVOR", 0.75, ((18, 35),))
    assert (guesses["NATO"].label, guesses["NATO"].score, guesses["NATO"].evidence) == ("NONE", 1.0, ())
    assert [g.target for g in guesses.values()] == list(CODEBOOK.target_names)


def test_mixed_sentences_average_and_evidence_is_strongest_first():
    text = "Putin lied. Russia paid a fair price. Moscow is calm."
    sentences = [(0, 11), (12, 37), (38, 53)]
    scores = {"Putin lied.": -0.4, "Russia paid a fair price.": 0.3, "Moscow is calm.": 0.13}
    (russia,) = [g for g in suggest_stances(text, sentences, CODEBOOK, scores.__getitem__) if g.target == "Russia"]
    assert russia.label == "NONE"  # mean +0.01 lies inside the +-0.05 band
    assert russia.score == 0.9 and russia.evidence == ((0, 11), (12, 37), (38, 53))



def with_stances(stances: str):
    """The bundled codebook with its [[stances]] replaced."""
    head = (ROOT / "schemas" / "news-stance.toml").read_text("utf-8").split("[[stances]]")[0]
    return parse_codebook(head + stances)


def labels(codebook) -> dict[str, str]:
    return {g.target: g.label for g in suggest_stances(SENTENCES_TEXT, SENTENCES, codebook, SCORES.__getitem__)}


def test_stance_labels_follow_their_polarity():
    codebook = with_stances("""
[[stances]]
label = "NEUTRAL"
key = "0"
polarity = "neutral"
[[stances]]
label = "CON"
key = "-"
polarity = "negative"
[[stances]]
label = "PRO"
key = "+"
polarity = "positive"
""")
    assert labels(codebook) == {"Ukraine": "PRO", "Russia": "CON", "United States": "NEUTRAL", "NATO": "NEUTRAL"}


def test_labels_without_polarity_get_no_guesses():
    codebook = with_stances('[[stances]]\nlabel = "YES"\nkey = "+"\n[[stances]]\nlabel = "NO"\nkey = "-"\n')
    assert labels(codebook) == {}


def test_a_polarity_without_a_label_gets_no_guess():
    codebook = with_stances('[[stances]]\nlabel = "PRO"\nkey = "+"\npolarity = "positive"\n'
                            '[[stances]]\nlabel = "CON"\nkey = "-"\npolarity = "negative"\n')
    assert labels(codebook) == {"Ukraine": "PRO", "Russia": "CON"}  # the unmentioned ones would be neutral
    text = "Putin lied. Russia paid a fair price."
    scores = {"Putin lied.": -0.3, "Russia paid a fair price.": 0.3}
    assert suggest_stances(text, [(0, 11), (12, 37)], codebook, scores.__getitem__) == []  # mean 0: neutral


def test_favor_against_none_take_their_polarity_by_default():
    assert all(s.polarity is None for s in CODEBOOK.stances)
    assert labels(CODEBOOK) == {"Ukraine": "FAVOR", "Russia": "AGAINST", "United States": "NONE", "NATO": "NONE"}
