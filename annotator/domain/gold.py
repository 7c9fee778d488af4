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

from annotator.domain.spans import Span, Stance

SpanKey = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class CoderVersion:
    """What one coder's done annotation says, reduced to what gold is made of."""
    spans: frozenset[SpanKey]
    stances: Mapping[str, str]  # target -> label


@dataclass(frozen=True, slots=True)
class Decided:
    item: Span | Stance
    how: str  # unanimous | majority
    support: int  # coders who have it


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


def derive(versions: Mapping[str, CoderVersion], targets: Sequence[str], *, min_agreement: int | None = None,
           adjudicated_regions: Iterable[tuple[int, int]] = (), adjudicated_targets: Iterable[str] = ()) -> Derived:
    n = len(versions)
    k = needed(n, min_agreement)
    adjudicated = sorted(adjudicated_regions)
    done_targets = set(adjudicated_targets)
    coded = list(versions.values())
    decided: list[Decided] = []
    disputes: list[Dispute] = []
    outvoted = 0
    first = coded[0].spans if coded else frozenset()
    if all(v.spans == first for v in coded):  # the common case: every coder marked the same spans
        decided += [Decided(Span(*span), "unanimous", n) for span in sorted(first) if not _inside(span, adjudicated)]
    else:
        # One sweep over every coder's spans by start: regions of overlapping spans, each with how
        # many coders have each version and which coders marked anything there.
        regions: list[list] = []  # [start, end, {span: coders with it}, {coders marking here}]
        for span, coder in sorted((span, c) for c, v in enumerate(coded) for span in v.spans):
            if _inside(span, adjudicated):
                continue
            if regions and span[0] < regions[-1][1]:
                region = regions[-1]
                region[1] = max(region[1], span[1])
                region[2][span] = region[2].get(span, 0) + 1
                region[3].add(coder)
            else:
                regions.append([span[0], span[1], {span: 1}, {coder}])
        for start, end, support, markers in regions:
            winners = [span for span, have in support.items() if have >= k]
            decided += [Decided(Span(*span), "unanimous" if support[span] == n else "majority", support[span])
                        for span in winners]
            # If enough coders marked something here but no one version won, the region is disputed
            # (a three-way split on label or boundaries is not "no entity").
            if winners or n - len(markers) >= k:
                outvoted += len(support) - len(winners)
            else:
                disputes.append(Dispute("span", start, end, None,
                                        {coder: tuple(sorted(s for s in v.spans if s[0] < end and start < s[1]))
                                         for coder, v in versions.items()}))
    for target in targets:
        if target in done_targets:
            continue
        labels = [v.stances.get(target) for v in coded]
        given = [label for label in labels if label is not None]
        if not given:
            continue
        if len(given) == n and given.count(given[0]) == n:
            decided.append(Decided(Stance(target, given[0]), "unanimous", n))
            continue
        (label, have), *rest = Counter(given).most_common()
        if have >= k and not (rest and rest[0][1] == have):
            decided.append(Decided(Stance(target, label), "unanimous" if have == n else "majority", have))
        else:
            disputes.append(Dispute("stance", 0, 0, target, dict(zip(versions, labels))))
    return Derived(decided, disputes, n, outvoted)


def _inside(span: SpanKey, regions: list[tuple[int, int]]) -> bool:
    return bool(regions) and any(start < span[1] and span[0] < end for start, end in regions)
