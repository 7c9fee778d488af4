"""`annotator code --order`: the queue in import order, shuffled, or least certain stance first,
each a seek on an index whatever the project's size."""

from __future__ import annotations

import pytest

from annotator.domain.queue_order import NO_CERTAINTY, certainty, shuffle_key
from annotator.domain.suggestions import SuggestedStance
from annotator.services.coding import CodingSession
from annotator.services.project import open_project
from annotator.store import documents
from annotator.store.engine import make_engine
from conftest import execute, rows, write_jsonl


def _walk(session: CodingSession) -> list[int]:
    seen, pk = [], session.first_unfinished()
    while pk is not None:
        seen.append(pk)
        pk = session.next_pk(pk)
    return seen


def _expected(db, key: str) -> list[int]:
    return [pk for pk, in rows(db, f"SELECT pk FROM document ORDER BY {key}, pk")]


def test_uncertain_serves_the_least_certain_stance_suggestions_first(seeded):
    engine = open_project(str(seeded))
    session = CodingSession(engine, "alice", order="uncertain")
    walked = _walk(session)
    stored = dict(rows(seeded, "SELECT pk, certainty FROM document"))
    newest = {}
    for doc, stances in rows(seeded, "SELECT document_pk, CAST(stances AS TEXT) FROM suggestion ORDER BY pk"):
        newest[doc] = stances
    import json

    # the key is the lowest stance score of each document's newest suggestion
    for doc, stances in newest.items():
        assert stored[doc] == min(s["score"] for s in json.loads(stances))
    assert walked == sorted(stored, key=lambda pk: (stored[pk], pk)) and len(walked) == 25
    assert [stored[pk] for pk in walked] == sorted(stored.values()) and stored[walked[0]] < stored[walked[-1]]
    # back and forth, and the header's position, in that order
    assert session.previous_pk(walked[3]) == walked[2] and session.position(walked[3]) == 4


def test_random_is_the_same_shuffle_for_everyone_and_an_assignment_keeps_its_own_documents(cli, seeded):
    engine = open_project(str(seeded))
    walked = _walk(CodingSession(engine, "alice", order="random"))
    assert walked == _expected(seeded, "shuffle") and walked != sorted(walked)
    ids = dict(rows(seeded, "SELECT pk, id FROM document"))
    assert [shuffle_key(ids[pk]) for pk in walked] == sorted(shuffle_key(i) for i in ids.values())
    assert cli("coder", "add", "alice").code == 0 and cli("coder", "add", "bob").code == 0
    assert cli("assign", "--coders", "alice,bob").code == 0
    mine = {pk for pk, in rows(seeded, "SELECT document_pk FROM assignment a JOIN coder c ON c.pk = a.coder_pk "
                                       "WHERE c.name = 'alice'")}
    session = CodingSession(engine, "alice", order="random")
    assert _walk(session) == [pk for pk in walked if pk in mine]
    outside = next(pk for pk in walked if pk not in mine)
    assert session.position(outside) == 0 and session.next_pk(outside) == _walk(session)[0]


def test_an_unknown_order_is_refused_before_the_screen_opens(cli, seeded):
    result = cli("code", "--order", "newest")
    assert result.code == 1 and "--order 'newest': give one of sequential, random, uncertain" in result.err


def test_certainty_is_the_least_certain_target_and_unscored_documents_come_last():
    assert certainty([SuggestedStance("A", "FAVOR", 0.9), SuggestedStance("B", "NONE", 0.55)]) == 0.55
    assert certainty([SuggestedStance("A", "FAVOR", None)]) == certainty([]) == NO_CERTAINTY > 1


@pytest.mark.parametrize("order", ["random", "uncertain"])
def test_moving_on_is_an_index_seek_not_a_scan(seeded, order):
    from test_query_plans import _plan  # (step, whether it walks): SQLite's EXPLAIN QUERY PLAN, PostgreSQL's tree

    engine = make_engine(str(seeded))
    with engine.connect() as conn:
        plans = []

        def explain(connection, _cursor, statement, parameters, *_):
            if statement.lstrip().upper().startswith("SELECT"):
                plans.extend(_plan(connection, statement, parameters))

        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", explain)
        documents.neighbour(conn, 3, True, order=order)
        documents.neighbour(conn, 3, True, unfinished_by=1, order=order, assigned_to=1)
        event.remove(engine, "before_cursor_execute", explain)
    assert any(f"ix_document_{'shuffle' if order == 'random' else 'certainty'}" in step for step, _ in plans), plans
    assert not any(walks for _, walks in plans), plans


def test_a_document_suggested_while_coding_keeps_its_place_and_redo_keeps_the_newest_suggestions_key(seeded):
    from annotator.domain.suggestions import SuggestedStance, Suggestion
    from annotator.store import suggestions as store_suggestions
    from test_coding_screen import make_app  # noqa: F401  (the rule pipeline, as the screen has it)
    from conftest import rule_pipeline

    engine = open_project(str(seeded))
    ((pk,),) = rows(seeded, "SELECT pk FROM document ORDER BY pk LIMIT 1 OFFSET 3")
    execute(seeded, ("DELETE FROM suggestion WHERE document_pk = ?", pk),
            ("UPDATE document SET certainty = 2.0 WHERE pk = ?", pk))
    session = CodingSession(engine, "alice", order="uncertain", pipeline=rule_pipeline())
    walked = _walk(session)
    assert walked[-1] == pk  # no suggestion yet: last
    assert session.suggest_missing(pk) is not None  # the screen suggests for it on the spot ...
    assert _walk(session) == walked  # ... and it stays where the coder met it
    # With no stance model in use: a redo of an older model rewrites that model's row; the newest
    # suggestion, and the key, stay
    execute(seeded, "DELETE FROM model_in_use WHERE task = 'stance'")
    older = Suggestion("old", "1", stances=(SuggestedStance("Ukraine", "NONE", 0.1),))
    newer = Suggestion("new", "1", stances=(SuggestedStance("Ukraine", "FAVOR", 0.9),))
    with engine.begin() as conn:
        store_suggestions.save(conn, [(pk, older)], replace=False)
        store_suggestions.save(conn, [(pk, newer)], replace=False)
        store_suggestions.save(conn, [(pk, older)], replace=True)
    assert rows(seeded, "SELECT certainty FROM document WHERE pk = ?", pk)[0][0] == 0.9
    # With one in use, the key comes from the stances the screen shows: that model's
    from annotator.store import models

    with engine.begin() as conn:
        models.put_in_use(conn, "stance", "old", "1")
        store_suggestions.refresh_certainty(conn, [pk])
    assert rows(seeded, "SELECT certainty FROM document WHERE pk = ?", pk)[0][0] == 0.1


def _tied_project(cli, tmp_path, n: int) -> None:
    """n documents with no suggestions: every one's certainty ties at 2.0 (the uncertain order is
    then import order, by pk); coders alice and bob."""
    docs = [{"id": f"doc-{i}", "text": f"Report number {i} about Kyiv."} for i in range(n)]
    assert cli("import", str(write_jsonl(tmp_path / "docs.jsonl", docs))).code == 0
    assert cli("coder", "add", "alice").code == 0 and cli("coder", "add", "bob").code == 0


@pytest.mark.parametrize("order", ["random", "uncertain"])
@pytest.mark.parametrize("coder", ["alice", "bob"])
def test_the_position_after_a_step_is_the_counted_position(cli, project, tmp_path, order, coder):
    """`d` in the keyed orders counts only the documents between the one left and the next: the
    same positions as counting every document before, across ties, gaps and an assignment."""
    _tied_project(cli, tmp_path, 60)
    if coder == "bob":
        assert cli("assign", "--coders", "alice,bob", "--overlap", "0").code == 0
    engine = open_project(str(project))
    execute(project, "UPDATE document SET certainty = 0.5 WHERE pk % 7 = 0",  # some ties, some keys apart
            "UPDATE document SET certainty = 0.9 WHERE pk % 5 = 0")
    session = CodingSession(engine, coder, order=order)
    walked = _walk(session)
    assert len(walked) >= 25
    assert session.position_from(walked[0], 1, walked[1]) is None  # no place counted yet to carry from
    for i, before in enumerate(walked[:-1]):
        for after in (walked[i + 1], walked[min(i + 7, len(walked) - 1)]):
            assert session.position(after) == walked.index(after) + 1
            assert session.position_from(before, i + 1, after) == walked.index(after) + 1
            assert session.position_from(after, walked.index(after) + 1, before) == i + 1  # and back
    assert documents.count_between(engine.connect(), order, walked[5], walked[2]) is None  # not after it
    # documents added since the last count move places: nothing is carried until one is counted again
    assert cli("import", str(write_jsonl(tmp_path / "more.jsonl", [{"id": "late", "text": "Late news."}]))).code == 0
    assert session.position_from(walked[0], 1, walked[1]) is None


@pytest.mark.parametrize("order", ["random", "uncertain"])
def test_the_keyed_orders_cost_the_same_deep_among_tied_keys(cli, project, tmp_path, sqlite_only, order):
    """Next, previous, next unfinished and the position after `d`, near the start of the order and
    near its end, counted in the work SQLite's engine does (its progress handler), not in time: deep
    in 1,500 tied keys they read no more than near the start."""
    from sqlalchemy import event

    _tied_project(cli, tmp_path, 1500)
    engine = open_project(str(project))
    session = CodingSession(engine, "alice", order=order)
    walked = _walk(session)
    session.position(walked[0])  # (a place counted once, as the screen counts the first)
    steps = [0]

    def counted() -> int:
        steps[0] += 1
        return 0

    event.listen(engine, "before_cursor_execute",
                 lambda conn, *_: conn.connection.driver_connection.set_progress_handler(counted, 20))

    def work(at: int) -> list[int]:
        """The steps of each: next, next unfinished, previous, the position after `d`."""
        pk, following, spent = walked[at], walked[at + 1], []
        for step, expected in ((lambda: session.next_pk(pk), following),
                               (lambda: session.next_pk(pk, unfinished=True), following),
                               (lambda: session.previous_pk(pk), walked[at - 1]),
                               (lambda: session.position_from(pk, at + 1, following), at + 2)):
            steps[0] = 0
            assert step() == expected
            spent.append(steps[0])
        return spent

    # (a walk shows at one end or the other: forward from near the start is short, back is long)
    for each in zip(work(5), work(750), work(1490)):
        assert max(each) <= 2 * min(each) + 10, each
