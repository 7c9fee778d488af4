"""Stance on real news: `annotator train` against the plain baseline, trained on the same data in the same run.

    python bench/stance_bench.py [--newsmtsc DIR] [--rounds 3]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--newsmtsc", type=Path, default=ROOT.parent / "shared" / "corpora" / "newsmtsc")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"start: {load_average()}")
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
