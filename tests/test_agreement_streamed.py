"""`annotator agree` reads a project a slice of documents at a time into columns of integers
(services.agreement.agreement); the dashboard's road builds mappings per document (load and
agreement_report). Both must give the same report to the last bit, on projects with what makes the
columns' road branch: disagreements, missing values, documents one coder did, overlapping and
touching spans, spans that cut words, labels and targets the codebook lacks, suggestions and blind
documents, token counts kept and not."""

from __future__ import annotations

import json
import random

import pytest
from conftest import rows, write_jsonl

from annotator.domain.suggestions import SuggestedSpan, SuggestedStance, Suggestion
from annotator.services.agreement import agreement, agreement_report, load
from annotator.services.project import open_project
from annotator.store import suggestions, tables as t

WORDS = ("Kyiv's", "don't", "U.S.", "NATO", "talks", "in", "Berlin", "Zelensky", "said,", "(again)", "Putin", "x")
TARGETS = ("Ukraine", "Russia", "Mars")  # Mars: a target the codebook lacks
STANCES = ("FAVOR", "AGAINST", "NONE", "MAYBE")  # MAYBE: a label it lacks
ENTITIES = ("PERSON", "ORG", "GPE", "EVENT")  # EVENT: likewise
CODERS = ("zoe", "amy", "max", "bob")  # keys in another order than names


def build(db, cli, tmp_path, seed: int, documents: int = 30) -> None:
    rng = random.Random(seed)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12))) + f" #{i}" for i in range(documents)]
    docs = [{"id": f"d{i}", "text": text} for i, text in enumerate(texts)]
    assert cli("import", str(write_jsonl(tmp_path / "docs.jsonl", docs))).code == 0
    for coder in CODERS:
        assert cli("coder", "add", coder).code == 0
    engine = open_project(str(db))
    with engine.begin() as conn:
        pk_of = dict(conn.execute(t.Document.select().with_only_columns(t.Document.c.id, t.Document.c.pk)).all())
        coder_pk = dict(conn.execute(t.Coder.select().with_only_columns(t.Coder.c.name, t.Coder.c.pk)).all())
        truth = [_spans(rng, text) for text in texts]
        for coder in CODERS:  # coder by coder: annotation keys are not in document order
            for i, text in enumerate(texts):
                if rng.random() < 0.25:
                    continue  # not this coder's document
                status = "done" if rng.random() < 0.9 else "draft"
                annotation = conn.execute(t.Annotation.insert().values(
                    document_pk=pk_of[f"d{i}"], coder_pk=coder_pk[coder], status=status)).inserted_primary_key[0]
                spans = {s if rng.random() < 0.7 else rng.choice(_spans(rng, text) or [s]) for s in truth[i]}
                spans = list(spans) + ([rng.choice(list(spans))] if spans and rng.random() < 0.1 else [])
                if spans:
                    conn.execute(t.AnnotationSpan.insert(), [{"annotation_pk": annotation, "start": a, "end": b,
                                                              "label": label} for a, b, label in spans])
                stances = [{"annotation_pk": annotation, "target": target, "label": rng.choice(STANCES[:3])
                            if rng.random() < 0.8 else rng.choice(STANCES)}
                           for target in TARGETS if rng.random() < (0.8 if target != "Mars" else 0.2)]
                if stances:
                    conn.execute(t.AnnotationStance.insert(), stances)
        suggested = [(pk_of[f"d{i}"], Suggestion("m", "1", tuple(SuggestedSpan(a, b, label) for a, b, label in
                                                                  _spans(rng, text, ("PERSON", "GPE", "NORP"))),
                                                 tuple(SuggestedStance(target, rng.choice(STANCES[:3]))
                                                       for target in ("Ukraine", "Venus"))))
                     for i, text in enumerate(texts) if rng.random() < 0.6]
        suggestions.save(conn, suggested, replace=True)
        blind = [pk_of[f"d{i}"] for i in range(documents) if rng.random() < 0.3]
        conn.execute(t.Document.update().where(t.Document.c.pk.in_(blind)).values(blind=True))
        kept = [pk_of[f"d{i}"] for i in range(documents) if rng.random() < 0.5]
        conn.execute(t.Document.update().where(t.Document.c.pk.in_(kept)).values(token_count=7))
    engine.dispose()


def _spans(rng: random.Random, text: str, labels=ENTITIES) -> list[tuple[int, int, str]]:
    """A few spans: whole words, pieces of words, some overlapping or touching each other."""
    found = []
    for _ in range(rng.randint(0, 4)):
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.randint(1, 12))
        found.append((start, end, rng.choice(labels)))
        if rng.random() < 0.2:  # one touching it, or inside it with another label
            found.append((end, min(len(text), end + 3), rng.choice(labels)) if rng.random() < 0.5
                         else (start, end, rng.choice(labels)))
    return found


def reports(db, **options) -> tuple[str, str]:
    engine = open_project(str(db))
    streamed = agreement(engine, slice_documents=7, **options)
    straight = agreement_report(load(engine, options.get("coders"), options.get("target")))
    engine.dispose()
    return json.dumps(streamed.report), json.dumps(straight)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_columns_give_the_report_of_the_mappings_to_the_last_bit(cli, project, tmp_path, seed):
    build(project, cli, tmp_path, seed)
    streamed, straight = reports(project)
    assert streamed == straight
    report = json.loads(streamed)
    assert "Mars" in report["stance"]  # found in the annotations, as the mappings find it
    assert report["suggestions"]["blind"]["documents"] > 0 and report["entities"]["token_alpha"] is not None
    assert any(v is not None for v in report["entities"]["f1_relaxed"].values())
    assert any(m["stance_kappa"] is not None and m["f1_exact"] is not None
               for m in report["suggestions"]["assisted"]["model"].values())  # coders set against the model
    # counts the first report computed were kept, and the second reads them to the same figures
    assert len(rows(project, "SELECT pk FROM document WHERE token_count IS NULL")) < 30
    assert reports(project)[0] == streamed


def test_the_columns_agree_for_some_coders_and_one_target(cli, project, tmp_path):
    build(project, cli, tmp_path, 4)
    streamed, straight = reports(project, coders=["max", "zoe", "bob"], target="Ukraine")
    assert streamed == straight
    assert list(json.loads(streamed)["stance"]) == ["Ukraine"]
    assert set(json.loads(streamed)["stance"]["Ukraine"]["cohen_kappa"]) == {"bob~max", "bob~zoe", "max~zoe"}


def test_a_project_without_done_work_gives_the_same_empty_report(cli, project):
    streamed, straight = reports(project)
    assert streamed == straight


def test_the_columns_agree_on_a_project_without_spans(cli, project, tmp_path):
    build(project, cli, tmp_path, 5)
    engine = open_project(str(project))
    with engine.begin() as conn:
        conn.execute(t.AnnotationSpan.delete())
    engine.dispose()
    streamed, straight = reports(project)
    assert streamed == straight
    assert json.loads(streamed)["entities"]["token_alpha"] is None  # every token outside: one category
