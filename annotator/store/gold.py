"""Gold: the adjudicated version of a document, item by item, with how each item was reached."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from annotator.domain.spans import Span, Stance
from annotator.store import tables as t

GOLD = t.Gold.__table__
GOLD_SPAN = t.GoldSpan.__table__
GOLD_STANCE = t.GoldStance.__table__
CODER = t.Coder.__table__


@dataclass(frozen=True, slots=True)
class GoldItem:
    item: Span | Stance
    how: str  # unanimous | majority | adjudicated
    by: str | None  # the adjudicating lead


def of_document(conn: Connection, document_pk: int) -> list[GoldItem] | None:
    """The document's gold items (spans by position, then stances), or None when it has no gold."""
    gold_pk = conn.scalar(select(GOLD.c.pk).where(GOLD.c.document_pk == document_pk))
    if gold_pk is None:
        return None
    spans = conn.execute(select(GOLD_SPAN, CODER.c.name.label("by"))
                         .outerjoin(CODER, CODER.c.pk == GOLD_SPAN.c.by_coder_pk)
                         .where(GOLD_SPAN.c.gold_pk == gold_pk).order_by(GOLD_SPAN.c.start, GOLD_SPAN.c.end))
    stances = conn.execute(select(GOLD_STANCE, CODER.c.name.label("by"))
                           .outerjoin(CODER, CODER.c.pk == GOLD_STANCE.c.by_coder_pk)
                           .where(GOLD_STANCE.c.gold_pk == gold_pk).order_by(GOLD_STANCE.c.pk))
    return ([GoldItem(Span(s.start, s.end, s.label), s.how, s.by) for s in spans]
            + [GoldItem(Stance(s.target, s.label), s.how, s.by) for s in stances])


def count(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(GOLD))


def labels_in_use(conn: Connection) -> tuple[set[str], set[tuple[str, str]]]:
    """Entity labels and (target, stance label) pairs that gold uses."""
    spans = set(conn.scalars(select(GOLD_SPAN.c.label).distinct()))
    stances = {tuple(r) for r in conn.execute(select(GOLD_STANCE.c.target, GOLD_STANCE.c.label).distinct())}
    return spans, stances
