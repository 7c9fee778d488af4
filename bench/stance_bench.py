"""Stance on real news: `annotator train` against the plain baseline, trained on the same data in the same run.

    python bench/stance_bench.py [--newsmtsc DIR] [--rounds 3]
    python bench/stance_bench.py --gold PATH [--schema CODEBOOK.toml] [--eval-split 0.2] [--seed 0]

NewsMTSC (Hamborg & Donnay, EACL 2021; MIT; `../shared/corpora/newsmtsc`): sentences from US news,
each with one to four target mentions and the sentence's sentiment toward each. The bench goes
through the product as a user would, with the command line's own commands:
- a codebook whose targets `target 1` ... `target 4` take their names from each document's meta
  (`from_meta = "t1"` ...), with the labels POSITIVE, NEGATIVE and NEUTRAL;
- `train.jsonl` imported as gold (each sentence a document, meta naming its mentions), then
  `annotator train --task stance --eval-split 0`;
- `devtest_rw` (the real-world distribution) and `devtest_mt` (two or more targets each) imported as
  plain documents into projects of their own, `annotator suggest --model` with the trained model,
  and each document's stances read as `annotator show --json` gives them.
The baseline is the corpus README's: TF-IDF over words and word pairs (sublinear tf, min_df 2) of
the sentence with the mention wrapped in marker words, and class-balanced logistic regression, trained
on `train.jsonl` and given each mention's exact offsets (the product finds mentions by their names).
Prints accuracy, macro F1 and F_avg (the mean F1 of POSITIVE and NEGATIVE) for both sets, with the
ratios, and the issue's target (macro F1 on devtest_rw >= baseline + 0.05, on devtest_mt above it).
With --gold: labelled gold JSONL (as `annotator export` writes it) in a project with that codebook
(the default one without --schema); `annotator train --task stance` holds out a share of the
documents by a hash of their id, and the baseline is one TF-IDF + class-balanced logistic regression
per target over the document's text (SemEval-2016 Task 6's per-target baselines), trained and scored
on the same split. Prints both models' held-out accuracy, macro F1 and F_avg with the ratio.

Then the cost of suggesting: `suggest --redo` (its service, each pipeline loaded once beforehand) with
the trained model against the cold start (the base pipeline and the rules), alternated over --rounds
rounds on devtest_rw, medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average  # noqa: E402

from annotator.domain.metrics import stance_scores  # noqa: E402

LABELS = {2.0: "NEGATIVE", 4.0: "NEUTRAL", 6.0: "POSITIVE"}
TARGETS = 4
CODEBOOK = """name = "newsmtsc"
version = 1
guidelines = "The sentence's sentiment toward each mentioned target."
""" + "".join(f"""
[[targets]]
name = "target {n}"
from_meta = "t{n}"
""" for n in range(1, TARGETS + 1)) + """
[[stances]]
label = "POSITIVE"
key = "+"
polarity = "positive"

[[stances]]
label = "NEGATIVE"
key = "-"
polarity = "negative"

[[stances]]
label = "NEUTRAL"
key = "0"
polarity = "neutral"
"""


def annotator(*args: str, cwd: Path) -> str:
    done = subprocess.run([str(Path(sys.executable).with_name("annotator")), *args], cwd=cwd, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"annotator {' '.join(args)}:\n{done.stdout}{done.stderr}")
    return done.stdout


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def as_documents(records: list[dict], prefix: str, gold: bool) -> list[dict]:
    """One document a sentence: meta t1..t4 name its mentions; gold records carry the stances."""
    out = []
    for n, record in enumerate(records):
        targets = record["targets"][:TARGETS]
        line = {"id": f"{prefix}-{n}", "text": record["sentence_normalized"],
                "meta": {f"t{i}": t["mention"] for i, t in enumerate(targets, 1)} | {"source": "NewsMTSC"}}
        if gold:
            line |= {"stance": {f"target {i}": LABELS[t["polarity"]] for i, t in enumerate(targets, 1)},
                     "annotators": ["newsmtsc"], "adjudication": "adjudicated"}
        out.append(line)
    return out


def write_jsonl(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    return path


def product_predictions(project: Path, documents: list[dict]) -> dict[tuple[str, str], str]:
    """(document id, target) -> the stance the trained model suggested, as `show --json` gives it."""
    from annotator.services.inspect import show_document
    from annotator.services.project import open_project

    engine = open_project(str(project / "annotator.db"))
    found = {}
    for doc in documents:
        shown = show_document(engine, doc["id"])
        (trained,) = [s for s in shown["suggestions"] if s["model"] == "stance"]
        found |= {(doc["id"], s["target"]): s["label"] for s in trained["stances"]}
    engine.dispose()
    return found


def baseline(train: list[dict], tests: dict[str, list[dict]]) -> tuple[dict[str, list[str]], float]:
    """The corpus README's baseline: predictions per mention for each test set, and training seconds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def marked(text: str, target: dict) -> str:
        a, b = target["from"], target["to"]
        return f"{text[:a]} targetstart {text[a:b]} targetend {text[b:]}"

    def mentions(records):
        return [(marked(r["sentence_normalized"], t), LABELS[t["polarity"]]) for r in records
                for t in r["targets"][:TARGETS]]

    started = time.perf_counter()
    items = mentions(train)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    model = LogisticRegression(class_weight="balanced", max_iter=2000).fit(
        vectorizer.fit_transform([x for x, _ in items]), [y for _, y in items])
    seconds = time.perf_counter() - started
    return {name: list(model.predict(vectorizer.transform([x for x, _ in mentions(records)])))
            for name, records in tests.items()}, seconds


def gold_labels(records: list[dict]) -> list[str]:
    return [LABELS[t["polarity"]] for r in records for t in r["targets"][:TARGETS]]


def timed(*args: str, cwd: Path) -> float:  # a whole command
    started = time.perf_counter()
    annotator(*args, cwd=cwd)
    return time.perf_counter() - started


def suggest_seconds(project: Path, model: Path, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of `suggest --redo` with the cold start and with the trained model, alternated, each
    pipeline loaded once beforehand: the cost per document, without start-up."""
    from annotator.nlp.pipeline import load_pipeline
    from annotator.services.project import open_project
    from annotator.services.suggest import suggest

    engine = open_project(str(project / "annotator.db"))
    pipelines = (load_pipeline(), load_pipeline(str(model)))
    seconds: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for pipeline, taken in zip(pipelines, seconds):
            started = time.perf_counter()
            suggest(engine, redo=True, pipeline=pipeline)
            taken.append(time.perf_counter() - started)
    engine.dispose()
    return seconds


def gold_bench(path: Path, schema: Path | None, eval_split: float, seed: int) -> None:
    """`annotator train` on a gold file's split against one TF-IDF + LR per target on the same split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from annotator.domain.codebook import parse_codebook
    from annotator.resources import default_schema
    from annotator.services.export import split_of

    codebook = parse_codebook((schema or default_schema()).read_text("utf-8"), "codebook")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        annotator("init", *(["--schema", str(schema.resolve())] if schema else []), cwd=work)
        print(annotator("import", str(path.resolve()), cwd=work).strip().splitlines()[-1])
        report = json.loads(annotator("train", "--task", "stance", "--json", "--eval-split", str(eval_split),
                                      "--seed", str(seed), cwd=work))
    shares = (1 - eval_split, 0.0, eval_split)
    sides: dict[str, dict[str, list]] = {"train": {}, "test": {}}
    for record in read(path):
        side = "train" if split_of(str(record["id"]), seed, shares) == "train" else "test"
        for target, label in record.get("stance", {}).items():
            if label in codebook.stance_labels:
                sides[side].setdefault(target, []).append((record["text"], label))
    gold, predicted = [], []
    for target, items in sides["test"].items():
        training = sides["train"].get(target, [])
        if len({label for _, label in training}) < 2:
            predicted += [training[0][1] if training else None] * len(items)
        else:
            vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
            model = LogisticRegression(class_weight="balanced", max_iter=2000).fit(
                vectorizer.fit_transform([x for x, _ in training]), [y for _, y in training])
            predicted += list(model.predict(vectorizer.transform([x for x, _ in items])))
        gold += [label for _, label in items]
    favor, against = codebook.polarity_labels.get("positive"), codebook.polarity_labels.get("negative")
    theirs = stance_scores(gold, predicted, (), favor, against)
    mine = report["stance"]
    print(f"{report['train_documents']} training and {report['held_out_documents']} held-out documents "
          f"({report['train_items']} and {report['held_out_items']} stances; baseline {len(gold)})")
    print(f"{'metric':<9} {'annotator':>9} {'per-target TF-IDF + LR':>23} {'ratio':>6}")
    for metric in ("accuracy", "macro_f1", "f_avg"):
        print(f"{metric:<9} {mine[metric]:>9.3f} {getattr(theirs, metric):>23.3f} "
              f"{mine[metric] / getattr(theirs, metric):>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--newsmtsc", type=Path, default=ROOT.parent / "shared" / "corpora" / "newsmtsc")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gold", type=Path)
    parser.add_argument("--schema", type=Path)
    parser.add_argument("--eval-split", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"start: {load_average()}")
    if args.gold:
        gold_bench(args.gold, args.schema, args.eval_split, args.seed)
        print(f"end:   {load_average()}")
        return
    train = read(args.newsmtsc / "train.jsonl")
    tests = {name: read(args.newsmtsc / f"{name}.jsonl") for name in ("devtest_rw", "devtest_mt")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        codebook = work / "newsmtsc.toml"
        codebook.write_text(CODEBOOK, "utf-8")
        trainer = work / "train"
        trainer.mkdir()
        annotator("init", "--schema", str(codebook), cwd=trainer)
        print(annotator("import", str(write_jsonl(work / "gold.jsonl", as_documents(train, "train", True))),
                        cwd=trainer).strip().splitlines()[-1])
        train_seconds = timed("train", "--task", "stance", "--eval-split", "0", "--out", str(work / "stance"),
                              cwd=trainer)
        mine: dict[str, list[str | None]] = {}
        projects = {}
        for name, records in tests.items():
            project = projects[name] = work / name
            project.mkdir()
            annotator("init", "--schema", str(codebook), cwd=project)
            documents = as_documents(records, name, False)
            annotator("import", str(write_jsonl(work / f"{name}.jsonl", documents)), cwd=project)
            annotator("suggest", "--model", str(work / "stance"), cwd=project)
            found = product_predictions(project, documents)
            mine[name] = [found.get((doc["id"], f"target {i}")) for doc, r in zip(documents, records)
                          for i in range(1, len(r["targets"][:TARGETS]) + 1)]
        theirs, baseline_seconds = baseline(train, tests)
        cold, trained = suggest_seconds(projects["devtest_rw"], work / "stance", args.rounds)
    print(f"{len(train)} training sentences ({sum(len(r['targets'][:TARGETS]) for r in train)} target mentions)")
    print(f"{'':<11} {'metric':<9} {'annotator':>9} {'baseline':>9} {'ratio':>6}")
    results = {}
    for name, records in tests.items():
        gold = gold_labels(records)
        a = stance_scores(gold, mine[name], (), "POSITIVE", "NEGATIVE")
        b = stance_scores(gold, theirs[name], (), "POSITIVE", "NEGATIVE")
        results[name] = (a.macro_f1, b.macro_f1)
        for metric in ("accuracy", "macro_f1", "f_avg"):
            x, y = getattr(a, metric), getattr(b, metric)
            print(f"{name:<11} {metric:<9} {x:>9.3f} {y:>9.3f} {x / y:>6.2f}")
    (rw, rw_base), (mt, mt_base) = results["devtest_rw"], results["devtest_mt"]
    print(f"target: devtest_rw macro F1 >= baseline + 0.05 ({rw_base + 0.05:.3f}): {rw:.3f}, "
          f"{'met' if rw >= rw_base + 0.05 else 'NOT met'}; devtest_mt above the baseline ({mt_base:.3f}): "
          f"{mt:.3f}, {'met' if mt > mt_base else 'NOT met'}")
    print(f"training: annotator train {train_seconds:.1f} s (the whole command: loading, reading gold, "
          f"training, saving; target <= 300 s); baseline {baseline_seconds:.1f} s")
    c, t = statistics.median(cold), statistics.median(trained)
    per = len(tests["devtest_rw"])
    print(f"suggest --redo on devtest_rw ({per} documents), medians of {args.rounds} alternated rounds: cold start "
          f"{c:.2f} s ({1000 * c / per:.2f} ms a document), trained model {t:.2f} s ({1000 * t / per:.2f} ms): "
          f"{t / c:.2f} x (target <= 1.2 x; pipelines loaded beforehand)")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
