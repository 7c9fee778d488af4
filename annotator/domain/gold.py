"""Gold by rule: from several coders' done annotations of one document, item by item.

Each span (start, end, label) and each target's stance is decided on its own, so one disputed item
does not hold back the rest of the document:
- a span is in gold when at least `k` coders have it exactly (`unanimous` when every coder does);
  the other versions overlapping it are outvoted. Where no version wins, the overlapping spans are
  out when at least `k` coders marked nothing there (their silence is a vote too), and disputed
  as one region otherwise (a split on label or boundaries is a dispute, not "no entity");
- a target takes the label at least `k` coders gave it (`unanimous` when every coder gave it);
  else it is disputed, a target only some coders coded included.
`k` defaults to more than half the document's coders. A document coded by one coder passes as that
coder's annotation (`unanimous`: every coder of it agrees). Items inside a region a lead has
adjudicated are left to the lead's decision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from annotator.domain.spans import Span, Stance

SpanKey = tuple[int, int, str]


class CoderVersion(NamedTuple):
    """What one coder's done annotation says, reduced to what gold is made of."""
    spans: frozenset[SpanKey]
    stances: Mapping[str, str]  # target -> label

    def within(self, span_labels: frozenset[str], stance_labels: frozenset[str]) -> CoderVersion:
        """Only the labels the codebook has: one written around the tool never becomes gold."""
        spans = frozenset(s for s in self.spans if s[2] in span_labels)
        stances = {t: label for t, label in self.stances.items() if label in stance_labels}
        if len(spans) == len(self.spans) and len(stances) == len(self.stances):
            return self
        return CoderVersion(spans, stances)


class Decided(NamedTuple):
    """An item gold holds, named by its key: (start, end, label) for a span, (target, label) for a
    stance. A plain tuple: a big project derives millions, and a dataclass holding a Span was a
    third of deriving."""
    key: SpanKey | tuple[str, str]
    how: str  # unanimous | majority
    support: int  # coders who have it

    @property
    def is_span(self) -> bool:
        return len(self.key) == 3

    @property
    def item(self) -> Span | Stance:
        return Span(*self.key) if len(self.key) == 3 else Stance(*self.key)


@dataclass(frozen=True, slots=True)
class Dispute:
    """Items the coders do not settle: overlapping spans grouped, or one target. `versions` says what
    each coder has there (spans inside the region, or the target's label, None for not coded)."""
    kind: str  # span | stance
    start: int  # the region of a span dispute (0, 0 for a stance)
    end: int
    target: str | None
    versions: Mapping[str, tuple[SpanKey, ...] | str | None]

    @property
    def key(self) -> str:
        return f"stance:{self.target}" if self.kind == "stance" else f"span:{self.start}-{self.end}"


@dataclass(frozen=True)
class Derived:
    decided: list[Decided]
    disputes: list[Dispute]
    coders: int
    outvoted: int = 0  # spans some coders had that the majority left out
    skipped: list[str] = field(default_factory=list)  # items left to a lead's adjudication


def needed(coders: int, min_agreement: int | None) -> int:
    """How many coders must agree: the given number (at most all of them), else more than half."""
    if min_agreement is None:
        return coders // 2 + 1
    return max(1, min(min_agreement, coders))


def _overlap(a: SpanKey, b: SpanKey) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _stretches(spans: Sequence[SpanKey]) -> list[list[SpanKey]]:
    """Spans (sorted) grouped into runs that overlap one another."""
    runs: list[list[SpanKey]] = []
    end = -1
    for span in sorted(spans):
        if runs and span[0] < end:
            runs[-1].append(span)
            end = max(end, span[1])
        else:
            runs.append([span])
            end = span[1]
    return runs


def derive(versions: Mapping[str, CoderVersion], targets: Sequence[str], *, min_agreement: int | None = None,
           adjudicated_regions: Iterable[tuple[int, int]] = (), adjudicated_targets: Iterable[str] = ()) -> Derived:
    n = len(versions)
    k = needed(n, min_agreement)
    adjudicated = sorted(adjudicated_regions)
    coded = list(versions.values())
    marked = [v.spans for v in coded]
    if adjudicated:  # what a lead settled is not derived again
        marked = [frozenset(s for s in spans if not _inside(s, adjudicated)) for spans in marked]
    decided: list[Decided] = []
    disputes: list[Dispute] = []
    outvoted = 0
    first = marked[0] if marked else frozenset()
    if all(spans == first for spans in marked):  # the common case: every coder marked the same spans
        decided += [Decided(span, "unanimous", n) for span in sorted(first)]
    else:
        support = Counter(chain.from_iterable(marked))  # span -> coders who have it
        # One sweep over the distinct spans by start: regions of overlapping spans.
        region: list[SpanKey] = []
        end = -1
        for span in sorted(support) + [None]:
            if span is not None and span[0] < end:
                region.append(span)
                end = max(end, span[1])
                continue
            if len(region) == 1:  # the common case: a span no other overlaps; its coders are all who marked here
                only = region[0]
                have = support[only]
                if have >= k:
                    decided.append(Decided(only, "unanimous" if have == n else "majority", have))
                elif n - have >= k:
                    outvoted += 1
                else:
                    disputes.append(_span_dispute(versions, only[0], end))
            elif region:
                winners = [s for s in region if support[s] >= k]
                decided += [Decided(s, "unanimous" if support[s] == n else "majority", support[s]) for s in winners]
                # A version overlapping a winner is outvoted by it. The rest of the region is judged
                # apart, stretch by stretch: a win at one end does not settle a split at the other.
                # If enough coders marked something there but no one version won, it is disputed
                # (a three-way split on label or boundaries is not "no entity").
                apart = [s for s in region if s not in winners and not any(_overlap(s, w) for w in winners)]
                outvoted += len(region) - len(winners) - len(apart)
                for stretch in _stretches(apart if winners else region):
                    start, stop = stretch[0][0], max(e for _, e, _ in stretch)
                    marking = sum(any(a < stop and start < b for a, b, _ in spans) for spans in marked)
                    if n - marking >= k:
                        outvoted += len(stretch)
                    else:
                        disputes.append(_span_dispute(versions, start, stop))
            if span is not None:
                region, end = [span], span[1]
    done_targets = set(adjudicated_targets)
    stances = coded[0].stances if coded else {}
    if not done_targets and all(v.stances == stances for v in coded):  # the common case again: all alike
        decided += [Decided((target, stances[target]), "unanimous", n) for target in targets if target in stances]
        return Derived(decided, disputes, n, outvoted)
    maps = [v.stances for v in coded]
    for target in targets:
        if target in done_targets:
            continue
        labels = [m.get(target) for m in maps]
        label = labels[0] if labels else None
        if label is not None and labels.count(label) == n:
            decided.append(Decided((target, label), "unanimous", n))
            continue
        counts: dict[str, int] = {}
        for label in labels:
            if label is not None:
                counts[label] = counts.get(label, 0) + 1
        if not counts:
            continue
        have = max(counts.values())
        top = [label for label, c in counts.items() if c == have]
        if have >= k and len(top) == 1:
            decided.append(Decided((target, top[0]), "unanimous" if have == n else "majority", have))
        else:
            disputes.append(Dispute("stance", 0, 0, target, dict(zip(versions, labels))))
    return Derived(decided, disputes, n, outvoted)


def _span_dispute(versions: Mapping[str, CoderVersion], start: int, end: int) -> Dispute:
    return Dispute("span", start, end, None, {coder: tuple(sorted(s for s in v.spans if s[0] < end and start < s[1]))
                                              for coder, v in versions.items()})


def _inside(span: SpanKey, regions: list[tuple[int, int]]) -> bool:
    return bool(regions) and any(start < span[1] and span[0] < end for start, end in regions)
