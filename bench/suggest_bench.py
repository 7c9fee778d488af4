"""Suggestion speed against raw spaCy, in the same run.

    python bench/suggest_bench.py [--docs 2000]

Makes N Wikinews-size documents (the 24 Wikinews articles repeated with new ids), then:
  raw      nlp.pipe over the texts: the same pipeline object, the same components, one process;
  suggest  `annotator suggest` end to end on a project holding them: database reads, entity mapping,
           stance rules and writes included, with --n-process 1 and then 2.
The pipeline is loaded once before timing (its load time is printed apart). Prints documents per
second for each and the ratios suggest/raw (target >= 0.85) and 2 processes / 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import make_corpus  # noqa: E402


def project_with(corpus: Path, db: Path):
    from annotator.services.importer import import_paths
    from annotator.services.project import init_project, open_project

    init_project(str(db))
    engine = open_project(str(db))
    import_paths(engine, [corpus])
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    from annotator.nlp.pipeline import load_pipeline
    from annotator.services.suggest import suggest

    started = time.perf_counter()
    pipeline = load_pipeline()
    print(f"pipeline {pipeline.name} {pipeline.version}, components {pipeline.nlp.pipe_names}, "
          f"loaded in {time.perf_counter() - started:.2f} s; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "corpus.jsonl"
        make_corpus(corpus, args.docs)
        texts = [json.loads(line)["text"] for line in corpus.read_text("utf-8").splitlines()]
        print(f"{len(texts)} documents, {sum(map(len, texts)) / len(texts) / 1000:.1f} K characters each")

        start = time.perf_counter()
        entities = sum(len(doc.ents) for doc in pipeline.nlp.pipe(texts, batch_size=args.batch_size))
        raw = time.perf_counter() - start
        print(f"raw nlp.pipe, 1 process:       {len(texts) / raw:8.1f} docs/s ({raw:.1f} s, {entities} entities)")

        rates = {}
        for n_process in (1, 2):
            engine = project_with(corpus, work / f"p{n_process}.db")
            start = time.perf_counter()
            report = suggest(engine, pipeline=pipeline, n_process=n_process, batch_size=args.batch_size)
            took = time.perf_counter() - start
            assert report.suggested == len(texts)
            rates[n_process] = len(texts) / took
            print(f"annotator suggest, {n_process} process{'es' if n_process > 1 else '  '}: "
                  f"{rates[n_process]:8.1f} docs/s ({took:.1f} s, {report.spans} spans kept)")
            engine.dispose()
        print(f"ratio suggest/raw (1 process): {rates[1] / (len(texts) / raw):8.2f}   (target >= 0.85)")
        print(f"ratio 2 processes / 1:         {rates[2] / rates[1]:8.2f}   (target > 1)")


if __name__ == "__main__":
    main()
