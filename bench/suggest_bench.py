"""Suggestion speed against raw spaCy, alternated over rounds so that neither side is favoured.

    python bench/suggest_bench.py [--docs 2000] [--rounds 3] [--batch-size 32]

Makes N Wikinews-size documents (the 24 Wikinews articles repeated with new ids), then times:
  raw        nlp.pipe over the texts: the same pipeline object, the same components, one process;
  suggest-1  `annotator suggest` end to end with 1 process: database reads, entity mapping, stance
             rules and writes included;
  suggest-2  the same with 2 processes.
The pipeline is loaded once (its load time is printed apart) and a warm-up pass runs all three on a
few documents first, so no side pays first-call costs. Each round runs the three in turn, the order
rotated a step every round, each suggest on a fresh project imported before timing. Prints every
round, the medians, the ratios of medians against the targets, and the load average at start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average, make_corpus, rotated, verdict  # noqa: E402

SUBJECTS = ("raw", "suggest-1", "suggest-2")
TARGETS = {"suggest/raw": 0.95, "2 processes / 1": 1.8}


def project_with(corpus: Path, db: Path):
    from annotator.services.importer import import_paths
    from annotator.services.project import init_project, open_project

    init_project(str(db))
    engine = open_project(str(db))
    import_paths(engine, [corpus])
    return engine


def time_raw(pipeline, texts: list[str], batch_size: int) -> tuple[float, int]:
    start = time.perf_counter()
    entities = sum(len(doc.ents) for doc in pipeline.nlp.pipe(texts, batch_size=batch_size))
    return time.perf_counter() - start, entities


def time_suggest(pipeline, engine, n_process: int, batch_size: int, expected: int) -> tuple[float, int]:
    from annotator.services.suggest import suggest

    start = time.perf_counter()
    report = suggest(engine, pipeline=pipeline, n_process=n_process, batch_size=batch_size)
    took = time.perf_counter() - start
    assert report.suggested == expected, (report.suggested, expected)
    engine.dispose()
    return took, report.spans


def run_round(pipeline, corpus: Path, texts: list[str], work: Path, tag: str, order, batch_size: int):
    """Seconds per subject for one pass; both projects are imported before anything is timed."""
    engines = {s: project_with(corpus, work / f"{tag}-{s}.db") for s in order if s != "raw"}
    seconds, counts = {}, {}
    for subject in order:
        if subject == "raw":
            seconds[subject], counts[subject] = time_raw(pipeline, texts, batch_size)
        else:
            n_process = int(subject[-1])
            seconds[subject], counts[subject] = time_suggest(pipeline, engines[subject], n_process,
                                                             batch_size, len(texts))
    return seconds, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    print(f"start: {load_average()}")

    from annotator.nlp.pipeline import load_pipeline

    started = time.perf_counter()
    pipeline = load_pipeline()
    print(f"pipeline {pipeline.name} {pipeline.version}, components {pipeline.nlp.pipe_names}, "
          f"loaded in {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus, warm = work / "corpus.jsonl", work / "warm.jsonl"
        make_corpus(corpus, args.docs)
        make_corpus(warm, min(args.docs, 4 * args.batch_size))  # enough for both workers to get batches
        texts = [json.loads(line)["text"] for line in corpus.read_text("utf-8").splitlines()]
        warm_texts = [json.loads(line)["text"] for line in warm.read_text("utf-8").splitlines()]
        print(f"{len(texts)} documents, {sum(map(len, texts)) / len(texts) / 1000:.1f} K characters each; "
              f"{args.rounds} rounds, batch size {args.batch_size}")

        run_round(pipeline, warm, warm_texts, work, "warm", SUBJECTS, args.batch_size)
        times: dict[str, list[float]] = {s: [] for s in SUBJECTS}
        for r in range(args.rounds):
            order = rotated(SUBJECTS, r)
            seconds, counts = run_round(pipeline, corpus, texts, work, f"r{r}", order, args.batch_size)
            cells = []
            for s in order:
                times[s].append(seconds[s])
                what = "entities" if s == "raw" else "spans kept"
                cells.append(f"{s} {len(texts) / seconds[s]:6.1f} docs/s ({seconds[s]:.1f} s, {counts[s]} {what})")
            print(f"round {r + 1}: " + "; ".join(cells) + f"; load {os.getloadavg()[0]:.2f}")

        median = {s: statistics.median(times[s]) for s in SUBJECTS}
        print("medians: " + "; ".join(f"{s} {len(texts) / median[s]:6.1f} docs/s ({median[s]:.2f} s)"
                                      for s in SUBJECTS))
        ratios = {"suggest/raw": median["raw"] / median["suggest-1"],  # of rates: raw time over suggest time
                  "2 processes / 1": median["suggest-1"] / median["suggest-2"]}
        for name, value in ratios.items():
            print(f"ratio of medians {name:16} {value:5.2f}   target >= {TARGETS[name]:.2f}: "
                  f"{verdict(value, TARGETS[name])}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
