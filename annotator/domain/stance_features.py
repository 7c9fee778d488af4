"""What the trained stance model reads about one target: each mention of it, seen from where it stands.

A sentence often speaks of several targets with different stances ("X blamed Y"), so the model reads
each mention in its place, in four views:
- context: the mention's sentence with the mention wrapped in marker words;
- window: the words just left and right of the mention, tagged by side, and the mention's own words
  (the words around a name say what is done to it, and by it);
- lexicon: the sentiment words of a wider window, by side and distance, with a negation just before
  them turning them over (a lexicon knows words the gold never showed the model);
- sentiment texts: the left and right windows, near and wide, and the sentence, which the model's
  caller scores with a sentiment function;
- targeted: for a codebook's own target (not one each document names), the sentence's words and
  word pairs joined to the target's name: one model serves every target, and a word can speak for
  one target and against another ("god" on atheism and on a church).
A document's label for a target comes from all its mentions (the model averages their
probabilities); a target the text never mentions is read from the lead sentences, with no mention.

Training and suggesting build the views the same way, so the model sees at suggestion time what it
was trained on.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from annotator.domain.codebook import Target
from annotator.domain.stance_rules import find_mentions
from annotator.domain.suggestions import Offsets

NEAR, WIDE, LEXICON_WINDOW = 5, 12, 8  # words each side of the mention
MAX_MENTIONS = 8  # read per target: a long article's hundredth mention adds cost, not much insight
LEAD_SENTENCES = 2  # read when the target is never mentioned: an article's lead says what it is about
MAX_SENTENCE_CHARS = 1_000  # of a sentence around a mention: a run-on "sentence" (a table) is cut
NEGATIONS = frozenset({"not", "no", "never", "n't", "without", "nor", "cannot"})
START_MARK, END_MARK = "targetstart", "targetend"
WORD = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class MentionView:
    context: str
    window: str
    lexicon: str
    sentiment_texts: tuple[str, ...]  # left near, right near, left wide, right wide, sentence
    sentence: Offsets  # the evidence this mention gives
    targeted: str = ""


def mention_views(text: str, sentences: Sequence[Offsets], target: Target, entities: Iterable[Offsets] = (),
                  lexicon: Mapping[str, float] | None = None) -> list[MentionView]:
    """The views of the target's mentions, in text order (at most MAX_MENTIONS), or of the lead
    sentences when it has none. `sentences` are in text order; `lexicon` maps words to valence."""
    lexicon = lexicon or {}
    starts = [s for s, _ in sentences]
    # A target each document names ("main entity") is another entity in each: its name joins nothing
    tag = "" if target.from_meta is not None else "t_" + re.sub(r"\W+", "_", target.name.lower())
    views = []
    for start, end in find_mentions(text, target, entities)[:MAX_MENTIONS]:
        i = bisect_right(starts, start) - 1
        a, b = sentences[i] if i >= 0 and sentences[i][1] >= end else (0, len(text))
        a, b = max(a, start - MAX_SENTENCE_CHARS // 2), min(b, end + MAX_SENTENCE_CHARS // 2)
        views.append(_view(text[a:start], text[start:end], text[end:b], (a, b), lexicon, tag))
    if not views:
        lead = list(sentences[:LEAD_SENTENCES]) or [(0, len(text))]
        a, b = lead[0][0], min(lead[-1][1], lead[0][0] + MAX_SENTENCE_CHARS)
        views.append(_view("", "", text[a:b], (a, b), lexicon, tag, mentioned=False))
    return views


def _view(before: str, mention: str, after: str, sentence: Offsets, lexicon: Mapping[str, float], tag: str,
          mentioned: bool = True) -> MentionView:
    left, right = WORD.findall(before.lower()), WORD.findall(after.lower())
    words = WORD.findall(mention.lower())
    context = f"{before} {START_MARK} {mention} {END_MARK} {after}" if mentioned else f"nomention {after}"
    window = " ".join([*("L_" + w for w in left[-NEAR:]), *("M_" + w for w in words),
                       *("R_" + w for w in right[:NEAR])]) if mentioned else "nomention"
    raw_left, raw_right = WORD.findall(before), WORD.findall(after)
    texts = (" ".join(raw_left[-NEAR:]), " ".join(raw_right[:NEAR]), " ".join(raw_left[-WIDE:]),
             " ".join(raw_right[:WIDE]), f"{before}{mention}{after}")
    targeted = ""
    if tag:
        words = [w for w in WORD.findall(f"{before} {mention} {after}".lower()) if w[0].isalnum()]
        targeted = " ".join([*(f"{tag}|{w}" for w in words), *(f"{tag}|{a}_{b}" for a, b in zip(words, words[1:]))])
    return MentionView(" ".join(context.split()), window, _lexicon_hits(left, right, lexicon), texts, sentence,
                       targeted)


def _lexicon_hits(left: list[str], right: list[str], lexicon: Mapping[str, float]) -> str:
    """Sentiment words near the mention as features: side, side and distance (1-3), strength."""
    hits = []
    for side, words in (("L", left[-LEXICON_WINDOW:]), ("R", right[:LEXICON_WINDOW])):
        for j, word in enumerate(words):
            valence = lexicon.get(word)
            if not valence:
                continue
            negated = any(w in NEGATIONS for w in words[max(0, j - 3):j])
            polarity = "pos" if (valence > 0) != negated else "neg"
            distance = len(words) - j if side == "L" else j + 1
            hits += [f"{side}_{polarity}", f"{side}{min(distance, 3)}_{polarity}", f"any_{polarity}"]
            if abs(valence) >= 2:
                hits.append(f"{side}_strong{polarity}")
    return " ".join(hits) or "nolexicon"
