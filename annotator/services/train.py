"""`annotator train`: the suggesters learn from gold.

Gold documents are split by a hash of their id (the same document always falls on the same side for
a seed); the model trains on one side and is scored on the other, where the cold-start suggester is
scored too, so the report says whether training helped. The model is saved as a spaCy pipeline
with a version one above the one it replaces.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.domain.codebook import Codebook
from annotator.domain.errors import InputError
from annotator.domain.formats import ExportDocument
from annotator.domain.metrics import Scores, StanceScores, span_scores, stance_scores
from annotator.domain.spans import strip_offsets
from annotator.domain.stance_features import MentionView, mention_views
from annotator.domain.stance_rules import suggest_stances
from annotator.nlp.pipeline import Pipeline, load_pipeline
from annotator.nlp.suggester import Suggester
from annotator.nlp.stance_model import StanceModel, FOLDER as STANCE_FOLDER, sentiment_lexicon
from annotator.nlp.training import train_entities
from annotator.services.export import gold_documents, split_of
from annotator.services.project import active_codebook
from annotator.store import models, suggestions
from annotator.store.models import TrainedModel
from annotator.store.engine import Engine

TASKS = ("stance", "entities")
DEV_SHARES = (0.9, 0.0, 0.1)  # of the training side, for early stopping
MIN_FOR_DEV = 10  # training documents below which all of them train (a dev set of none says nothing)


@dataclass
class TrainReport:
    task: str
    out: Path
    version: str = ""
    train_documents: int = 0
    held_out_documents: int = 0
    train_items: int = 0
    held_out_items: int = 0
    seconds: float = 0.0
    stance: StanceScores | None = None  # the trained model on the held-out documents
    cold_start: StanceScores | None = None  # the rule-based suggester on the same documents
    entities: dict[str, Scores] | None = None
    base_entities: dict[str, Scores] | None = None  # the pipeline before fine-tuning, on the same documents
    off_tokens: int = 0  # gold spans off token boundaries, left out of entity training
    score: float | None = None  # on the held-out documents: stance macro F1, entity exact-span F1 over all labels
    score_in_use: float | None = None  # the model in use for the task, on the same documents
    in_use_then: str = ""  # which model that was
    put_in_use: bool = False
    f_avg_of: str = ""  # the two labels F_avg averages (the codebook's positive and negative ones)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Parsed:
    doc: ExportDocument
    sentences: list[tuple[int, int]]
    entities: list[tuple[int, int, str]]  # what the base pipeline finds, in codebook labels


StanceItem = tuple[list[MentionView], str, str, _Parsed]  # a target's mention views, gold label, target, document
OnStage = Callable[[str, int], None]  # a stage of the progress bar begins: its name and steps
OnStep = Callable[[], None]


def train(engine: Engine, task: str, out: Path | None = None, *, eval_split: float = 0.2, epochs: int = 10,
          base: str | None = None, seed: int = 0,
          on_stage: Callable[[str, int], None] = lambda stage, total: None,
          on_step: Callable[[], None] = lambda: None) -> TrainReport:
    """`on_stage(name, steps)` starts a stage of the progress bar, `on_step()` advances it."""
    if task not in TASKS:
        raise InputError(f"--task {task!r}: give one of {', '.join(TASKS)}")
    if not 0 <= eval_split < 1:
        raise InputError(f"--eval-split {eval_split}: give the share of gold documents held out, from 0 up to (not "
                         "including) 1, e.g. 0.2")
    if epochs < 1:
        raise InputError(f"--epochs {epochs}: give at least 1")
    if not 0 <= seed < 2**32:  # what numpy's and scikit-learn's generators take
        raise InputError(f"--seed {seed}: give a whole number from 0 to {2**32 - 1}")
    codebook = active_codebook(engine)
    out = out or Path("models") / task
    if out.exists() and not (out / "meta.json").is_file():
        raise InputError(f"{out} exists and is not a saved model; give --out a new folder or a model to replace")
    docs = list(gold_documents(engine))
    if not docs:
        raise InputError("no gold to train on: derive it with `annotator gold` (and settle disputes with "
                         "`annotator review`), or import gold JSONL with `annotator import`")
    started = time.perf_counter()
    pipeline = load_pipeline(base)
    report = TrainReport(task, out)
    shares = (1 - eval_split, 0.0, eval_split)
    parsed = _parse(pipeline, codebook, docs, on_stage, on_step)
    train_side = [p for p in parsed if split_of(p.doc.id, seed, shares) == "train"]
    held_out = [p for p in parsed if split_of(p.doc.id, seed, shares) != "train"]
    report.train_documents, report.held_out_documents = len(train_side), len(held_out)
    stance = pipeline.stance  # kept as it is when entities are trained
    with engine.connect() as conn:
        current = models.in_use(conn).get(task)
        record = models.find(conn, *current) if current else None
    if task == "stance":
        stance, testing = _train_stance(pipeline, codebook, train_side, held_out, report, seed, on_stage, on_step)
        report.score = report.stance.macro_f1 if report.stance else None
        report.score_in_use, report.in_use_then = _stance_in_use(current, record, testing, report, codebook)
    else:
        _train_entities(pipeline, codebook, train_side, held_out, report, epochs, seed, on_stage, on_step)
        report.score = report.entities["all"].f1 if report.entities else None
        report.score_in_use, report.in_use_then = _entities_in_use(current, record, pipeline, codebook, held_out,
                                                                   report)
    with engine.connect() as conn:  # a version this project has suggestions from is never reused
        taken = suggestions.versions_of(conn, out.name)
    report.version = _save(pipeline, stance, out, task, report, taken)
    report.put_in_use = (report.score >= report.score_in_use
                         if report.score is not None and report.score_in_use is not None
                         else current is None or report.score is not None)
    with engine.begin() as conn:
        models.record(conn, TrainedModel(out.name, report.version, task, f"{pipeline.name} {pipeline.version}",
                                         str(out.resolve()), report.train_documents, report.held_out_documents,
                                         report.score, report.score_in_use, report.in_use_then or None))
        if report.put_in_use:
            models.put_in_use(conn, task, out.name, report.version)
    report.seconds = time.perf_counter() - started
    return report


def _stance_in_use(current: tuple[str, str] | None, record: TrainedModel | None, testing: list[StanceItem],
                   report: TrainReport, codebook: Codebook) -> tuple[float | None, str]:
    """The stance model in use, scored on the same held-out stances: a stance model trained here, or
    else the cold-start rules (what any base pipeline suggests)."""
    if not testing:
        return None, ""
    if record is not None and record.task == "stance" and (Path(record.path) / STANCE_FOLDER).is_dir():
        model = StanceModel.from_disk(Path(record.path) / STANCE_FOLDER)
        predicted = [g.label for g in model.predict([views for views, _, _, _ in testing])]
        favor, against = codebook.polarity_labels.get("positive"), codebook.polarity_labels.get("negative")
        scores = stance_scores([label for _, label, _, _ in testing], predicted, (), favor, against)
        return scores.macro_f1, f"{record.name} {record.version}"
    return (report.cold_start.macro_f1 if report.cold_start else None), "the cold start"


def _entities_in_use(current: tuple[str, str] | None, record: TrainedModel | None, pipeline: Pipeline, codebook: Codebook, held_out: list[_Parsed],
                     report: TrainReport) -> tuple[float | None, str]:
    """The entity model in use, scored on the same held-out documents: the pipeline trained from
    when none is in use, or when it is that pipeline."""
    if not held_out:
        return None, ""
    base = report.base_entities["all"].f1 if report.base_entities else None
    if current is None or current == (pipeline.name, pipeline.version):
        return base, f"{pipeline.name} {pipeline.version}"
    try:
        other = load_pipeline(record.path if record is not None else current[0])
    except InputError:  # gone since: the base is what is left to compare with
        return base, f"{pipeline.name} {pipeline.version}"
    label_map = Suggester(other, codebook).label_map
    gold = {(p.doc.id, s, e, label) for p in held_out for s, e, label, _ in p.doc.spans if label in label_map.values()}
    found = {(p.doc.id, e.start_char, e.end_char, label_map[e.label_])
             for doc, p in other.nlp.pipe(((p.doc.text, p) for p in held_out), as_tuples=True)
             for e in doc.ents if e.label_ in label_map}
    return span_scores(gold, found)["all"].f1, f"{other.name} {other.version}"


def _parse(pipeline: Pipeline, codebook: Codebook, docs: list[ExportDocument], on_stage: OnStage,
           on_step: OnStep) -> list[_Parsed]:
    """Sentences and the base pipeline's entities of every gold document, as suggesting finds them."""
    on_stage("Reading gold documents", len(docs))
    label_map = Suggester(pipeline, codebook).label_map
    parsed = []
    for doc, source in pipeline.nlp.pipe(((d.text, d) for d in docs), as_tuples=True):
        sentences = [s for s in (strip_offsets(source.text, x.start_char, x.end_char) for x in doc.sents) if s[0] < s[1]]
        entities = [(e.start_char, e.end_char, label_map[e.label_]) for e in doc.ents if e.label_ in label_map]
        parsed.append(_Parsed(source, sentences, entities))
        on_step()
    return parsed


def _stance_items(codebook: Codebook, parsed: list[_Parsed]) -> list[StanceItem]:
    """(the target's mention views, gold label, target, its document) per gold stance."""
    labels = set(codebook.stance_labels)
    lexicon = sentiment_lexicon()
    items = []
    for p in parsed:
        targets = {t.name: t for t in codebook.targets_for(p.doc.meta)}  # per-document ones with its aliases
        entities = [(s, e) for s, e, _ in p.entities]
        for target_name, label, _how in p.doc.stances:
            if target_name in targets and label in labels:
                views = mention_views(p.doc.text, p.sentences, targets[target_name], entities, lexicon)
                items.append((views, label, target_name, p))
    return items


def _train_stance(pipeline: Pipeline, codebook: Codebook, train_side: list[_Parsed], held_out: list[_Parsed],
                  report: TrainReport, seed: int, on_stage: OnStage, on_step: OnStep
                  ) -> tuple[StanceModel, list[StanceItem]]:
    if not codebook.targets or not codebook.stance_labels:
        raise InputError("the codebook has no stance targets or labels: there is no stance to train")
    training = _stance_items(codebook, train_side)
    if len({label for _, label, _, _ in training}) < 2:
        raise InputError(f"gold of {len(train_side)} training document(s) uses fewer than two stance labels: "
                         "a classifier needs examples of at least two; code or import more gold")
    testing = _stance_items(codebook, held_out)
    report.train_items, report.held_out_items = len(training), len(testing)
    on_stage("Training stance", 1)
    model = StanceModel.fit([(views, label) for views, label, _, _ in training], seed=seed)
    on_step()
    if not testing:
        report.notes.append("nothing held out (--eval-split 0, or too few gold documents): no held-out scores")
        return model, testing
    gold = [label for _, label, _, _ in testing]
    predicted = [guess.label for guess in model.predict([views for views, _, _, _ in testing])]
    favor, against = codebook.polarity_labels.get("positive"), codebook.polarity_labels.get("negative")
    report.f_avg_of = f"{favor}, {against}" if favor and against else "no positive and negative labels"
    report.stance = stance_scores(gold, predicted, (), favor, against)  # macro F1 over the labels in use
    cold = Suggester(pipeline, codebook)
    guesses: dict[int, dict[str, str]] = {}
    for _, _, _target, p in testing:
        if id(p) not in guesses:
            found = suggest_stances(p.doc.text, p.sentences, codebook, cold.sentiment,
                                    entities=[(s, e) for s, e, _ in p.entities],
                                    targets=codebook.targets_for(p.doc.meta))  # as `suggest` does
            guesses[id(p)] = {g.target: g.label for g in found}
    report.cold_start = stance_scores(gold, [guesses[id(p)].get(target) for _, _, target, p in testing],
                                      (), favor, against)
    return model, testing


def _train_entities(pipeline: Pipeline, codebook: Codebook, train_side: list[_Parsed], held_out: list[_Parsed],
                    report: TrainReport, epochs: int, seed: int, on_stage: OnStage, on_step: OnStep) -> None:
    labels = set(codebook.entity_labels)

    def spans_of(p: _Parsed) -> tuple[str, list[tuple[int, int, str]]]:
        return p.doc.text, [(s, e, label) for s, e, label, _ in p.doc.spans if label in labels]

    # Early stopping reads a share of the training side, never the held-out documents
    dev = [p for p in train_side if split_of(p.doc.id, seed + 1, DEV_SHARES) != "train"] \
        if len(train_side) >= MIN_FOR_DEV else []
    fit = [p for p in train_side if p not in dev]
    training = [spans_of(p) for p in fit]
    report.train_items = sum(len(spans) for _, spans in training)
    if not report.train_items:
        raise InputError("gold has no entity spans with the codebook's labels to train on")
    gold = {(p.doc.id, s, e, label) for p in held_out for s, e, label, _ in p.doc.spans if label in labels}
    report.held_out_items = len(gold)
    report.base_entities = span_scores(gold, {(p.doc.id, s, e, label) for p in held_out for s, e, label in p.entities})
    on_stage("Training entities", epochs)
    done = train_entities(pipeline.nlp, training, [spans_of(p) for p in dev], labels=labels, epochs=epochs, seed=seed,
                          on_epoch=lambda epoch, loss: on_step())
    report.off_tokens = done.off_tokens
    if dev:
        kept = (f"epoch {done.best_epoch} of {done.epochs}" if done.best_epoch else
                "the base pipeline's weights: no epoch did better")
        scores = ", ".join(f"{x:.3f}" for x in done.dev_scores)
        report.notes.append(f"early stopping on {len(dev)} dev document(s) cut from the training side: dev F1 "
                            f"{done.dev_before:.3f} before, then {scores}; kept {kept}")
    if not held_out:
        report.notes.append("nothing held out (--eval-split 0, or too few gold documents): no held-out scores")
        return
    found = set()
    for doc, p in pipeline.nlp.pipe(((p.doc.text, p) for p in held_out), as_tuples=True):
        found |= {(p.doc.id, e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in labels}
    report.entities = span_scores(gold, found)


def _save(pipeline: Pipeline, stance: StanceModel | None, out: Path, task: str, report: TrainReport,
          taken: list[str]) -> str:
    """Save beside `out` and swap it in, so a failed save leaves the model it replaces; returns the
    version: one above the model it replaces and above every version of this name that has
    suggested in the project (suggestions are kept per name and version)."""
    previous = json.loads((out / "meta.json").read_text("utf-8")) if (out / "meta.json").is_file() else {}
    before = previous.get("annotator", {})
    numbers = [int(v) for v in [before.get("model_version", 0), *taken] if str(v).isdigit()]
    version = str(max(numbers, default=0) + 1)
    nlp = pipeline.nlp
    trained = sorted({*pipeline.trained, task})
    nlp.meta.update({"name": out.name, "version": version})
    nlp.meta["annotator"] = {"model_version": version, "trained": trained, "base": f"{pipeline.name} {pipeline.version}",
                             "task": task, "train_documents": report.train_documents,
                             "held_out_documents": report.held_out_documents}
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.saving")
    shutil.rmtree(staging, ignore_errors=True)
    nlp.to_disk(staging)
    if stance is not None:
        stance.to_disk(staging / STANCE_FOLDER)
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return version
