"""The coding screen's latencies, this checkout against the code before a change, alternated.

    python bench/tui_before_after.py --before /path/to/checkout [--docs 20000] [--rounds 3] [--presses 100]

Builds one project (bench/tui_bench.py --keep), then runs tui_bench.py for one round at 80x24 with
each checkout's code first on PYTHONPATH, the order swapped every round (before, after; after,
before; ...). Prints each run's p50/p95 per key, the bare Textual repaint measured in the same run,
the start-up in tmux, then the medians of both, their ratio (after / before: nothing may be slower)
and the issue's targets: next document p95 <= 16 ms and <= 1.2 x the bare full repaint's p95.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_LINE = re.compile(r"80x24 p50/p95 ms \(n=\d+, held n=\d+\): (.*); in-process start ([\d.]+) s")
BARE_LINE = re.compile(r"80x24 bare Textual repaint p50/p95 ms: every line ([\d.]+)/([\d.]+), two lines ([\d.]+)/([\d.]+)")
START_LINE = re.compile(r"tmux first paint: bare app ([\d. ]+) s; annotator ([\d. ]+) s")
P95_TARGET_MS, BARE_RATIO_TARGET = 16.0, 1.2


def one_run(code: Path, db: Path, args) -> dict[str, float]:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "tui_bench.py"), "--rounds", "1", "--size", "80x24",
                          "--docs", str(args.docs), "--presses", str(args.presses), "--starts", str(args.starts),
                          "--keep", str(db)], env={**_env(), "PYTHONPATH": str(code)},
                         capture_output=True, text=True, check=True).stdout
    figures: dict[str, float] = {}
    keys = KEY_LINE.search(out)
    for cell in keys.group(1).split("; "):
        name, p50p95 = cell.rsplit(" ", 1)
        p50, p95 = (float(x) for x in p50p95.split("/"))
        figures[f"{name} p50"], figures[f"{name} p95"] = p50, p95
    figures["in-process start s"] = float(keys.group(2))
    bare = BARE_LINE.search(out)
    figures["bare repaint p95"], figures["bare 2 lines p95"] = float(bare.group(2)), float(bare.group(4))
    if (starts := START_LINE.search(out)) is not None:
        figures["tmux start ratio"] = (statistics.median(float(x) for x in starts.group(2).split())
                                       / statistics.median(float(x) for x in starts.group(1).split()))
    figures["load"] = float(re.search(r"load average ([\d.]+)", out).group(1))
    return figures


def _env() -> dict[str, str]:
    import os
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the code before the change")
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    subjects = {"before": args.before.resolve(), "after": ROOT}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in subjects}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        for r in range(args.rounds):
            order = list(subjects) if r % 2 == 0 else list(reversed(subjects))
            for name in order:
                figures = one_run(subjects[name], db, args)
                runs[name].append(figures)
                print(f"round {r + 1} {name:6}: " + "; ".join(f"{k} {v:.2f}" for k, v in figures.items()), flush=True)
    print(f"medians over {args.rounds} rounds (ms unless named; ratio after / before, > 1 is slower):")
    names = [k for k in runs["after"][0] if k != "load"]
    for key in names:
        before, after = (statistics.median(run[key] for run in runs[name] if key in run) for name in subjects)
        print(f"  {key:22} before {before:7.2f}   after {after:7.2f}   ratio {after / before:5.2f}")
    n95 = statistics.median(run["next document p95"] for run in runs["after"])
    bare = statistics.median(run["bare repaint p95"] for run in runs["after"])
    print(f"  target: next document p95 {n95:.1f} ms <= {P95_TARGET_MS:.0f} ms: {'yes' if n95 <= P95_TARGET_MS else 'NO'}; "
          f"{n95 / bare:.2f} x the bare full repaint <= {BARE_RATIO_TARGET}: {'yes' if n95 / bare <= BARE_RATIO_TARGET else 'NO'}")
    print(f"  load average at each run: {[run['load'] for name in subjects for run in runs[name]]}")


if __name__ == "__main__":
    main()
