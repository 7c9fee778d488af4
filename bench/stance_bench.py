"""Stance: `annotator train` against a TF-IDF + logistic regression baseline on the same split.

    python bench/stance_bench.py PATH [--eval-split 0.2] [--seed 0] [--epochs 10] [--arch ensemble]

PATH is labelled JSONL as `annotator export` writes gold (id, text, stance: {target: label}, with
`annotators` and `adjudication`); `python tests/stance_corpus.py OUT N` writes one. The bench makes a
project with the default codebook, imports PATH as gold and runs `annotator train --task stance`.
On the very same split (documents by a hash of their id and the seed) and the same model input per
(document, target) (the target's name and the sentences that mention it), it trains
scikit-learn's TfidfVectorizer (words and word pairs) + LogisticRegression. Prints both models'
held-out accuracy, macro F1 and F_avg (SemEval-2016 Task 6: mean F1 of FAVOR and AGAINST), the
ratio of the trained model to the baseline, and the seconds each took to train, with the load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average  # noqa: E402

from annotator.domain.codebook import parse_codebook  # noqa: E402
from annotator.domain.metrics import stance_scores  # noqa: E402
from annotator.domain.stance_context import stance_context  # noqa: E402
from annotator.resources import default_schema  # noqa: E402
from annotator.services.export import split_of  # noqa: E402


def annotator(*args: str, cwd: Path) -> str:
    done = subprocess.run([str(Path(sys.executable).with_name("annotator")), *args], cwd=cwd, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    return done.stdout


def baseline(path: Path, seed: int, eval_split: float) -> tuple[dict, float, int]:
    """Held-out scores, training seconds and items of TF-IDF + logistic regression."""
    import spacy
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    codebook = parse_codebook(default_schema().read_text("utf-8"), "default codebook")
    targets = {t.name: t for t in codebook.targets}
    splitter = spacy.blank("en")
    splitter.add_pipe("sentencizer")
    shares = (1 - eval_split, 0.0, eval_split)
    sides: dict[str, list[tuple[str, str]]] = {"train": [], "held out": []}
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    for record, doc in zip(records, splitter.pipe(r["text"] for r in records)):
        sentences = [(s.start_char, s.end_char) for s in doc.sents]
        side = "train" if split_of(str(record["id"]), seed, shares) == "train" else "held out"
        for target, label in record.get("stance", {}).items():
            if target in targets and label in codebook.stance_labels:
                sides[side].append((stance_context(record["text"], sentences, targets[target])[0], label))
    t0 = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    features = vectorizer.fit_transform([text for text, _ in sides["train"]])
    model = LogisticRegression(max_iter=2000).fit(features, [label for _, label in sides["train"]])
    took = time.perf_counter() - t0
    predicted = model.predict(vectorizer.transform([text for text, _ in sides["held out"]]))
    scores = stance_scores([label for _, label in sides["held out"]], list(predicted))
    return {"accuracy": scores.accuracy, "macro_f1": scores.macro_f1, "f_avg": scores.f_avg}, took, len(sides["held out"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--eval-split", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--arch", default="ensemble")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        annotator("init", cwd=work)
        print(annotator("import", str(args.path.resolve()), cwd=work).strip().splitlines()[-1])
        t0 = time.perf_counter()
        report = json.loads(annotator("train", "--task", "stance", "--json", "--eval-split", str(args.eval_split),
                                      "--seed", str(args.seed), "--epochs", str(args.epochs), "--arch", args.arch,
                                      cwd=work))
        trained_seconds = time.perf_counter() - t0
    mine = report["stance"]
    theirs, baseline_seconds, held_out = baseline(args.path, args.seed, args.eval_split)
    assert held_out == report["held_out_items"], (held_out, report["held_out_items"])
    print(f"{report['train_documents']} training and {report['held_out_documents']} held-out documents "
          f"({report['train_items']} and {report['held_out_items']} stances)")
    print(f"{'held out':<10} {'annotator train':>16} {'TF-IDF + LR':>12} {'ratio':>7}")
    for name in ("accuracy", "macro_f1", "f_avg"):
        print(f"{name:<10} {mine[name]:>16.3f} {theirs[name]:>12.3f} {mine[name] / theirs[name]:>7.2f}")
    print(f"cold start: macro F1 {report['cold_start']['macro_f1']:.3f}, F_avg {report['cold_start']['f_avg']:.3f}")
    print(f"training: annotator train {trained_seconds:.0f} s in all (--arch {args.arch}, {args.epochs} epochs, "
          f"with loading the pipeline and reading gold); TF-IDF + LR {baseline_seconds:.1f} s")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
