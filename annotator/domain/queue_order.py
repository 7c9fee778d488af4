"""The orders a coder can work through the queue in (`annotator code --order`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `annotator code` checks --order before its first frame: nothing more to load then
    from annotator.domain.suggestions import SuggestedStance

ORDERS = ("sequential", "random", "uncertain")
NO_CERTAINTY = 2.0  # above every score: documents without a scored stance suggestion come last


def shuffle_key(doc_id: str) -> int:
    """A document's place in the random order: a hash of its id (31 bits, any SQL integer holds
    it), so the shuffle is the same on every machine and for every coder."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=4).digest(), "big") >> 1


def certainty(stances: Iterable[SuggestedStance]) -> float:
    """How sure the suggester is about a document: its least certain target's score (lower first
    in the uncertain order, as one doubtful target is what a coder's judgement is needed for)."""
    return min((s.score for s in stances if s.score is not None), default=NO_CERTAINTY)
