"""One simulated coder: codes through their queue with the services the coding screen uses, one
decision at a time, as fast as it can (or for a given time), and prints a JSON line per stored
decision ({"saved": n, "ms": save latency}), then the annotations it left ({"final": ...}).

    python bench/simulated_coder.py DB CODER [--decisions N | --seconds S] [--seed K] [--pause S]

Used by tests/test_teams.py (eight at once, nothing lost) and bench/concurrency_bench.py."""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("coder")
    parser.add_argument("--decisions", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pause", type=float, default=0.0,
                        help="seconds between decisions (a coder's pace; 0: as fast as the services let it)")
    args = parser.parse_args(argv)

    from annotator.domain import coding as edits
    from annotator.services.coding import CodingSession, SaveFailed
    from annotator.services.project import open_project

    rng = random.Random(args.seed)
    session = CodingSession(open_project(args.db), args.coder)
    labels, stance_labels = session.codebook.entity_labels, session.codebook.stance_labels
    final: dict[int, dict] = {}
    saved = failed = 0
    pk = session.first_unfinished()
    doc = session.open(pk)
    words = [m.span() for m in re.finditer(r"\w+", doc.text)]
    ends_at = time.monotonic() + args.seconds if args.seconds else None
    print(json.dumps({"ready": True}), flush=True)
    while (saved < args.decisions) if args.decisions else (time.monotonic() < ends_at):
        if args.pause:
            time.sleep(args.pause)
        roll = rng.random()
        if roll < 0.5 and words:
            start, end = rng.choice(words)
            kind, edit = "span.add", (lambda a, s=start, e=end, d=doc: edits.add_span(a, s, e, rng.choice(labels), d.suggestion))
        elif roll < 0.85 and doc.target_names:
            target = rng.choice(doc.target_names)
            kind, edit = "stance.set", (lambda a, t=target: edits.set_stance(a, t, rng.choice(stance_labels), None))
        else:
            kind, edit = "status", (lambda a: edits.set_status(a, "done"))
        started = time.perf_counter()
        try:
            changed = session.apply(doc, kind, edit)
        except SaveFailed as exc:
            failed += 1
            print(json.dumps({"failed": str(exc)}), flush=True)
            continue
        if changed:
            saved += 1
            final[doc.pk] = doc.annotation.to_json()
            print(json.dumps({"saved": saved, "ms": (time.perf_counter() - started) * 1000}), flush=True)
        if kind == "status":  # on to the next document, as `d` does
            pk = session.next_pk(doc.pk) or session.first_unfinished()
            doc = session.open(pk)
            words = [m.span() for m in re.finditer(r"\w+", doc.text)]
    print(json.dumps({"final": final, "saved": saved, "failed": failed}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
