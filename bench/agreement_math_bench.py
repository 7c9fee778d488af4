"""Agreement report speed on a large synthetic project: the math alone, no database.

    python bench/agreement_math_bench.py [--docs 100000] [--rounds 3] [--draws 2000]

Makes, with a fixed seed:
  stance    N documents x 3 coders x 4 targets, labels FAVOR/AGAINST/NONE; each coder keeps a
            document's true label with probability 0.8, else draws one of the three at random;
            5% of the codings are missing, so some units have two coders;
  entities  N short documents (~60 tokens; token layouts shared between documents, as the service
            would hand over token offsets it already holds), 3 true spans each (PERSON/ORG/GPE/DATE);
            each coder keeps a span with probability 0.8, else shifts its end a token, relabels it
            or drops it.
Then times `agreement.report` (alpha with its 2,000-draw bootstrap interval, Fleiss, Cohen for every
pair and percent agreement per target; exact and relaxed span F1 per pair, per-label F1, token
alpha) over --rounds rounds after one warm-up, and each part apart. Prints every round, the medians
against the target and the load average at start and end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from import_bench import load_average, verdict  # noqa: E402

from annotator.domain import agreement  # noqa: E402

TARGET = 5.0  # seconds, the whole report
CODERS = ("alice", "bob", "carol")
TARGETS = ("economy", "immigration", "climate", "health")
STANCES = ("FAVOR", "AGAINST", "NONE")
ENTITY_LABELS = ("PERSON", "ORG", "GPE", "DATE")
LAYOUTS = 500


def stance_units(rng: random.Random, docs: int) -> dict[str, dict[str, dict[str, str]]]:
    by_target = {}
    for target in TARGETS:
        units = {}
        for d in range(docs):
            truth = rng.choice(STANCES)
            units[f"doc-{d}"] = {coder: truth if rng.random() < 0.8 else rng.choice(STANCES)
                                 for coder in CODERS if rng.random() >= 0.05}
        by_target[target] = units
    return by_target


def token_layouts(rng: random.Random) -> list[list[tuple[int, int]]]:
    layouts = []
    for _ in range(LAYOUTS):
        tokens, at = [], 0
        for _ in range(rng.randint(50, 70)):
            length = rng.randint(1, 9)
            tokens.append((at, at + length))
            at += length + 1
        layouts.append(tokens)
    return layouts


def coder_spans(rng: random.Random, tokens: list[tuple[int, int]], truth: list[tuple[int, int, str]]):
    spans = []
    for first, last, label in truth:
        roll = rng.random()
        if roll < 0.8:
            spans.append((tokens[first][0], tokens[last][1], label))
        elif roll < 0.87:
            spans.append((tokens[first][0], tokens[min(last + 1, len(tokens) - 1)][1], label))
        elif roll < 0.94:
            spans.append((tokens[first][0], tokens[last][1], rng.choice(ENTITY_LABELS)))
    return spans


def entity_docs(rng: random.Random, docs: int):
    layouts = token_layouts(rng)
    docs_tokens, docs_spans = {}, {}
    for d in range(docs):
        tokens = layouts[d % LAYOUTS]
        third = len(tokens) // 3
        truth = []
        for k in range(3):  # one true span in each third of the document, 1 to 3 tokens long
            first = rng.randrange(k * third, (k + 1) * third - 3)
            truth.append((first, first + rng.randint(0, 2), rng.choice(ENTITY_LABELS)))
        docs_tokens[f"doc-{d}"] = tokens
        docs_spans[f"doc-{d}"] = {coder: coder_spans(rng, tokens, truth) for coder in CODERS}
    return docs_tokens, docs_spans


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--draws", type=int, default=2000)
    args = parser.parse_args()
    print(f"start: {load_average()}")
    rng = random.Random(7)
    built, (units, (docs_tokens, docs_spans)) = timed(lambda: (stance_units(rng, args.docs), entity_docs(rng, args.docs)))
    tokens = sum(len(docs_tokens[doc]) for doc in docs_tokens)
    print(f"{args.docs} documents x {len(CODERS)} coders x {len(TARGETS)} targets; {args.docs} entity documents, "
          f"{tokens:,} tokens; built in {built:.1f} s; {args.rounds} rounds, {args.draws} bootstrap draws")

    parts = {
        "report": lambda: agreement.report(units, docs_spans, docs_tokens, draws=args.draws),
        "stance": lambda: agreement.stance_report(units, draws=args.draws),
        "entities": lambda: agreement.entity_report(docs_spans, docs_tokens),
        "token alpha": lambda: agreement.token_alpha(docs_tokens, docs_spans),
        "alpha interval (1 target)": lambda: agreement.alpha_interval(units[TARGETS[0]], draws=args.draws),
    }
    for work in parts.values():  # warm-up: imports and first-call costs
        work()
    times: dict[str, list[float]] = {name: [] for name in parts}
    for r in range(args.rounds):
        for name, work in parts.items():
            seconds, result = timed(work)
            times[name].append(seconds)
            if name == "report":
                report = result
        print(f"round {r + 1}: " + "; ".join(f"{name} {times[name][-1]:.2f} s" for name in parts))
    for name in parts:
        print(f"median {name + ':':27} {statistics.median(times[name]):6.3f} s")
    whole = statistics.median(times["report"])
    print(f"whole agree report < {TARGET:.0f} s: {whole:.2f} s, {verdict(TARGET / whole, 1.0)}")
    stance = report["stance"][TARGETS[0]]
    print(f"sample: {TARGETS[0]} alpha {stance['alpha']:.3f} ci95 {stance['alpha_ci95'][0]:.3f}..{stance['alpha_ci95'][1]:.3f}, "
          f"units {stance['units']}; entities f1_exact {report['entities']['f1_exact']}, "
          f"token alpha {report['entities']['token_alpha']:.3f}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
