"""The trained stance model: a class-balanced logistic regression over what each mention of a target
shows (domain/stance_features.py): TF-IDF of its marked sentence, of its tagged window and of the
sentence's words joined to a codebook target's name, lexicon hits, and sentiment scores of the text
around it. A document's label averages its mentions' probabilities.

Chosen on NewsMTSC against TF-IDF + logistic regression over the marked sentence alone (its
published plain baseline): see bench/stance_bench.py and the README. Saved as JSON and a NumPy
array (the vectorisers' vocabularies and IDF, the regression's weights), not as a pickle: loading a
model folder runs no code from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from annotator.domain.errors import InputError
from annotator.domain.stance_features import MentionView

FOLDER = "stance_model"  # inside a saved pipeline's folder
FORMAT = 1
# (view, token pattern, n-gram range): the marked sentence in words and pairs, the window's tagged
# words one by one, lexicon hits and the target-joined words as they are. A view no example has
# (targeted, when each document names its targets) is left out.
VIEWS = (("context", r"(?u)\b\w\w+\b", (1, 2)), ("window", r"\S+", (1, 1)), ("lexicon", r"\S+", (1, 1)),
         ("targeted", r"\S+", (1, 1)))
MIN_DF = 2


@dataclass(frozen=True)
class StanceGuess:
    label: str
    score: float  # the label's probability
    ranked: tuple[int, ...]  # the mentions' indexes, the one most sure of the label first


class StanceModel:
    def __init__(self, vectorizers: dict[str, Any], classifier, sentiment: Callable[[str], Sequence[float]] | None = None) -> None:
        self.vectorizers, self.classifier = vectorizers, classifier
        self.sentiment = sentiment or sentiment_scores

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.classifier.classes_]

    @classmethod
    def fit(cls, examples: Sequence[tuple[Sequence[MentionView], str]],
            sentiment: Callable[[str], Sequence[float]] | None = None, seed: int = 0) -> StanceModel:
        """Train on (a target's mention views in one document, its gold label). Each mention is an
        example weighted 1/mentions, so a long article counts as much as a sentence."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        views = [view for mentions, _ in examples for view in mentions]
        labels = [label for mentions, label in examples for _ in mentions]
        weights = np.array([1 / len(mentions) for mentions, _ in examples for _ in mentions])
        vectorizers = {name: TfidfVectorizer(token_pattern=pattern, ngram_range=ngrams, sublinear_tf=True,
                                             min_df=MIN_DF if len(examples) >= 50 else 1)
                       for name, pattern, ngrams in VIEWS}
        for name, vectorizer in list(vectorizers.items()):
            texts = [getattr(v, name) for v in views]
            if not any(texts):  # targeted, when every target is one each document names
                del vectorizers[name]
                continue
            try:
                vectorizer.fit(texts)
            except ValueError:  # too few examples for any term to occur twice
                vectorizer.set_params(min_df=1).fit(texts)
        model = cls(vectorizers, None, sentiment)
        model.classifier = LogisticRegression(class_weight="balanced", max_iter=3000, random_state=seed).fit(
            model._features(views), labels, sample_weight=weights)
        return model

    def predict(self, targets: Sequence[Sequence[MentionView]]) -> list[StanceGuess]:
        """One guess per target, from the mean of its mentions' probabilities."""
        views = [view for mentions in targets for view in mentions]
        if not views:
            return []
        probabilities = self.classifier.predict_proba(self._features(views))
        guesses, at = [], 0
        for mentions in targets:
            rows = probabilities[at:at + len(mentions)]
            at += len(mentions)
            mean = rows.mean(axis=0)
            best = int(mean.argmax())
            ranked = tuple(int(i) for i in np.argsort(-rows[:, best], kind="stable"))
            guesses.append(StanceGuess(self.labels[best], round(float(mean[best]), 3), ranked))
        return guesses

    def _features(self, views: Sequence[MentionView]):
        from scipy.sparse import csr_matrix, hstack

        scored = np.array([[x for text in v.sentiment_texts for x in self.sentiment(text)] for v in views])
        return hstack([*(vectorizer.transform([getattr(v, name) for v in views])
                         for name, vectorizer in self.vectorizers.items()), csr_matrix(scored)]).tocsr()

    def to_disk(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        described = {"format": FORMAT, "labels": self.labels,
                     "views": {name: {"vocabulary": {term: int(i) for term, i in v.vocabulary_.items()},
                                      "idf": v.idf_.tolist(), "token_pattern": v.token_pattern,
                                      "ngram_range": list(v.ngram_range)}
                               for name, v in self.vectorizers.items()}}
        (folder / "model.json").write_text(json.dumps(described), "utf-8")
        np.save(folder / "weights.npy", np.hstack([self.classifier.coef_, self.classifier.intercept_[:, None]]))

    @classmethod
    def from_disk(cls, folder: Path, sentiment: Callable[[str], Sequence[float]] | None = None) -> StanceModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        try:
            described = json.loads((folder / "model.json").read_text("utf-8"))
            weights = np.load(folder / "weights.npy", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the stance model in {folder}: {exc}; train it again with "
                             "`annotator train --task stance`") from None
        if described.get("format") != FORMAT:
            raise InputError(f"the stance model in {folder} is of format {described.get('format')!r}, this "
                             f"release reads {FORMAT}: train it again with `annotator train --task stance`")
        vectorizers = {}
        for name, view in described["views"].items():
            vectorizer = TfidfVectorizer(token_pattern=view["token_pattern"], ngram_range=tuple(view["ngram_range"]),
                                         sublinear_tf=True, vocabulary=view["vocabulary"])
            vectorizer.idf_ = np.array(view["idf"])
            vectorizers[name] = vectorizer
        classifier = LogisticRegression()
        classifier.coef_, classifier.intercept_ = weights[:, :-1], weights[:, -1]
        classifier.classes_ = np.array(described["labels"])
        return cls(vectorizers, classifier, sentiment)


@lru_cache(maxsize=1)
def vader():
    """VADER, loaded once a process (its lexicon takes about 0.1 s to read)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment_scores(text: str) -> tuple[float, float, float]:
    """VADER's negative, positive and compound scores of a text; zeros for none."""
    if not text.strip():
        return (0.0, 0.0, 0.0)
    found = vader().polarity_scores(text)
    return (found["neg"], found["pos"], found["compound"])


def sentiment_lexicon() -> Mapping[str, float]:
    """VADER's lexicon: word -> valence."""
    return vader().lexicon
