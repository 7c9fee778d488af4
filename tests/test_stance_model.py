"""The trained stance model: what it reads of each mention, and that it learns who a sentence is
against when the sentence names two targets (what a sentence-level classifier cannot)."""

from __future__ import annotations

import random

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from annotator.domain.codebook import Target
from annotator.domain.stance_features import LEAD_SENTENCES, MAX_MENTIONS, NEAR, mention_views
from annotator.nlp.stance_model import StanceModel, sentiment_lexicon

TEXT = "Talks began. Critics said Kyiv failed badly, while Moscow was not happy. Markets rose."
SENTENCES = [(0, 12), (13, 72), (73, 86)]


def test_each_mention_is_marked_in_its_sentence_with_its_window_tagged_by_side():
    (view,) = mention_views(TEXT, SENTENCES, Target(name="Ukraine", aliases=("Kyiv",)), lexicon=sentiment_lexicon())
    assert view.context == "Critics said targetstart Kyiv targetend failed badly, while Moscow was not happy."
    assert view.window == "L_critics L_said M_kyiv R_failed R_badly R_, R_while R_moscow"
    assert view.sentence == (13, 72)
    # "failed" and "badly" are negative right after the mention; "happy" is turned over by "not"
    assert "R1_neg" in view.lexicon.split() and "R2_neg" in view.lexicon.split()
    assert "R_pos" not in view.lexicon.split() and view.lexicon.split().count("R_neg") == 3
    assert view.sentiment_texts[:2] == ("Critics said", "failed badly , while Moscow")
    assert view.sentiment_texts[-1] == TEXT[13:72]


def test_a_codebook_target_joins_its_name_to_the_words_and_one_each_document_names_does_not():
    (fixed,) = mention_views("Kyiv said no.", [(0, 13)], Target(name="Ukraine", aliases=("Kyiv",)))
    assert fixed.targeted == "t_ukraine|kyiv t_ukraine|said t_ukraine|no t_ukraine|kyiv_said t_ukraine|said_no"
    named = Target(name="main entity", from_meta="entity").for_document({"entity": "Kyiv"})
    (per_document,) = mention_views("Kyiv said no.", [(0, 13)], named)
    assert per_document.targeted == "" and per_document.window == fixed.window


def test_a_target_never_mentioned_is_read_from_the_lead_and_many_mentions_are_capped():
    (view,) = mention_views(TEXT, SENTENCES, Target(name="NATO"))
    assert view.window == "nomention" and view.context.startswith("nomention Talks began.")
    assert view.sentence == (SENTENCES[0][0], SENTENCES[LEAD_SENTENCES - 1][1])
    long = " ".join(["Kyiv spoke."] * 20)
    views = mention_views(long, [(i * 12, i * 12 + 11) for i in range(20)], Target(name="Kyiv"))
    assert len(views) == MAX_MENTIONS and views[0].window == "M_kyiv R_spoke R_."
    assert len(mention_views(long, [], Target(name="Kyiv"))[0].window.split()) == 1 + NEAR  # no sentences: the text


def _sentences(n: int, seed: int) -> list[tuple[list, str, str]]:
    """Two targets a sentence, the one before a blame verb blames, the one after is blamed, so the
    same sentence has a different label per target."""
    rng = random.Random(seed)
    people = ["Alice Moor", "Bert Lang", "Carla Diaz", "Dan Roy", "Eve Stone", "Frank Hall"]
    verbs = {"AGAINST": ["blamed", "attacked", "condemned"], "FAVOR": ["praised", "thanked", "defended"]}
    out = []
    for _ in range(n):
        a, b = rng.sample(people, 2)
        kind = rng.choice(sorted(verbs))
        text = f"On {rng.choice(['Monday', 'Friday'])} {a} {rng.choice(verbs[kind])} {b} in a statement."
        out.append((text, a, "NONE"))
        out.append((text, b, kind))
    return out


def _views(items):
    lexicon = sentiment_lexicon()
    return [(mention_views(text, [(0, len(text))], Target(name=name), lexicon=lexicon), label)
            for text, name, label in items]


def test_the_model_learns_the_stance_toward_each_target_of_the_same_sentence(tmp_path):
    model = StanceModel.fit(_views(_sentences(300, seed=1)))
    held_out = _views(_sentences(100, seed=2))
    guesses = model.predict([views for views, _ in held_out])
    accuracy = np.mean([g.label == label for g, (_, label) in zip(guesses, held_out)])
    assert accuracy >= 0.95, accuracy
    assert all(0.33 < g.score <= 1 for g in guesses)
    # Saved and read back without a pickle, it predicts the same, with the same scores
    model.to_disk(tmp_path / "stance_model")
    assert sorted(p.name for p in (tmp_path / "stance_model").iterdir()) == ["model.json", "weights.npy"]
    assert set(model.vectorizers) == {"context", "window", "lexicon", "targeted"}
    again = StanceModel.from_disk(tmp_path / "stance_model")
    assert again.predict([views for views, _ in held_out]) == guesses


def test_a_restored_vectoriser_transforms_as_scikit_learns_fitted_one(tmp_path):
    model = StanceModel.fit(_views(_sentences(60, seed=3)))
    model.to_disk(tmp_path / "m")
    again = StanceModel.from_disk(tmp_path / "m")
    texts = [v.context for views, _ in _views(_sentences(20, seed=4)) for v in views]
    for name, fitted in model.vectorizers.items():
        reference = TfidfVectorizer(**fitted.get_params()).fit([getattr(v, name) for views, _ in
                                                                 _views(_sentences(60, seed=3)) for v in views])
        restored = again.vectorizers[name].transform(texts)
        assert abs(restored - reference.transform(texts)).max() < 1e-12


def test_one_model_learns_that_the_same_words_mean_opposite_stances_toward_two_targets():
    """Per target, as the per-target baselines of SemEval-2016 Task 6 are: "prayed" is AGAINST
    atheism and FAVOR the church."""
    rng = random.Random(5)
    items = []
    for _ in range(200):
        word, filler = rng.choice(["prayed", "mocked"]), rng.choice(["today", "again", "loudly"])
        target = rng.choice(["Atheism", "Church"])
        label = {("prayed", "Atheism"): "AGAINST", ("prayed", "Church"): "FAVOR",
                 ("mocked", "Atheism"): "FAVOR", ("mocked", "Church"): "AGAINST"}[word, target]
        items.append((f"They {word} {filler}.", target, label))
    lexicon = sentiment_lexicon()
    views = [(mention_views(text, [(0, len(text))], Target(name=name), lexicon=lexicon), label)
             for text, name, label in items]
    model = StanceModel.fit(views[:150])
    guesses = model.predict([v for v, _ in views[150:]])
    assert all(g.label == label for g, (_, label) in zip(guesses, views[150:]))


def test_a_document_label_averages_its_mentions_and_ranks_them_for_evidence():
    model = StanceModel.fit(_views(_sentences(300, seed=1)))
    text = "Alice Moor praised Bert Lang in a statement. Later Carla Diaz blamed Bert Lang in a statement."
    views = mention_views(text, [(0, 44), (45, len(text))], Target(name="Bert Lang"), lexicon=sentiment_lexicon())
    (guess,) = model.predict([views])
    single = model.predict([[v] for v in views])
    assert {g.label for g in single} == {"FAVOR", "AGAINST"}
    assert guess.score < max(g.score for g in single)  # two mentions that disagree: less sure than either
    assert sorted(guess.ranked) == [0, 1] and single[guess.ranked[0]].label == guess.label
