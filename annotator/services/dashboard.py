"""What the dashboard shows: each coder's progress, agreement per target and label, and the
documents the coders agree on least."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.domain.coding_view import display_title
from annotator.domain.disagreement import Disagreement, least_agreed
from annotator.domain.suggestion_use import usage
from annotator.services.agreement import agreement_report, load
from annotator.store import assignments, documents
from annotator.store import usage as store_usage
from annotator.store.assignments import CoderRow
from annotator.store.engine import Engine


@dataclass(frozen=True)
class LeastAgreedDocument:
    pk: int
    id: str
    title: str  # its title, else its first sentence
    disagreement: Disagreement


@dataclass(frozen=True)
class Dashboard:
    coders: list[CoderRow]  # whoever codes: coders, and a lead only with work assigned or done
    documents: int  # in the project: a coder without an assignment may code all of them
    shared_documents: int  # done by two coders or more
    stance_alpha: dict[str, float | None]  # target -> Krippendorff's alpha
    label_f1: dict[str, float | None]  # entity label -> exact F1, all pairs pooled
    token_alpha: float | None
    least_agreed: list[LeastAgreedDocument]
    # coder -> shares of their decided suggestions (entities and stances together) and seconds per
    # done document: whether suggestions help or bias, beside each coder's progress
    suggestion_use: dict[str, dict[str, Any]] = field(default_factory=dict)


def dashboard(engine: Engine, limit: int = 20) -> Dashboard:
    data = load(engine)
    report = agreement_report(data, draws=200)
    ranked = least_agreed(data.stances, data.spans)[:limit]
    with engine.connect() as conn:
        rows = who_codes(assignments.coders(conn))
        total = documents.count(conn)
        found = documents.headings(conn, [int(d.document) for d in ranked])  # keyed by pk
        use = usage([("all", *row[1:]) for row in store_usage.decisions(conn)], store_usage.seconds(conn))
    return Dashboard(
        coders=rows, documents=total, shared_documents=data.shared_documents,
        stance_alpha={target: figures["alpha"] for target, figures in report["stance"].items()},
        label_f1={label: figures["f1_exact"] for label, figures in report["entities"]["per_label"].items()},
        token_alpha=report["entities"]["token_alpha"],
        least_agreed=[LeastAgreedDocument(d.document, found[d.document][0], display_title(*found[d.document][1:]), d)
                      for d in ranked if d.document in found],
        suggestion_use={coder: {**use.get("all", {}).get("by_coder", {}).get(coder, {}),
                                "seconds": use["seconds_per_document"].get(coder, {}).get("assisted")}
                        for coder in {r.name for r in rows}})


def who_codes(rows: list[CoderRow]) -> list[CoderRow]:
    """The people whose progress the dashboard shows: every coder, and a lead only when they code
    (work assigned or done). A lead who only adjudicates showed as a coder stuck at 0 of all."""
    return [row for row in rows if row.role != "lead" or row.assigned or row.done]
