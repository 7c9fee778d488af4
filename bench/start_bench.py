"""How long a reading command takes from a cold process, beside `annotator --help`.

    python bench/start_bench.py [--rounds 3] [--runs 5]

Makes a small project (the seeds' Wikinews articles, two coders' done work on six, gold), then
over --rounds rounds, each subject --runs times in a new process, the subjects' order rotated each
round: `annotator --help` (the floor: Python, the command line and its help, nothing of a project)
and the reading commands (status, show, agree, models, coder list, export). Prints every round's
median per subject, the medians over the rounds, each against --help, the load average, and the
target: a reading command starts and ends in <= 300 ms on a small project.
Python's byte-code cache is written once beforehand (a user's second run has it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import load_average, rotated  # noqa: E402

TARGET_MS = 300.0
ANNOTATOR = str(Path(sys.executable).with_name("annotator"))
SUBJECTS = {"help": ["--help"], "status": ["status"], "show": ["show", "{id}"], "agree": ["agree", "--json"],
            "models": ["models"], "coder list": ["coder", "list"], "export": ["export", "--out", "{out}", "--force"]}


def run(args: list[str], folder: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([ANNOTATOR, *args], cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def make_project(folder: Path, env: dict[str, str]) -> str:
    seeds = ROOT / "seeds" / "wikinews.jsonl"
    articles = [json.loads(line) for line in seeds.read_text("utf-8").splitlines()[:6]]
    first = articles[0]
    # Two coders' done work on six articles, so `agree` computes its coefficients (numpy and all)
    work = folder / "work.jsonl"
    work.write_text("".join(json.dumps({"id": a["id"], "text": a["text"], "coder": coder, "spans": [],
                                        "stance": {"NATO": label}}) + "\n"
                            for n, a in enumerate(articles) for coder, label in
                            (("ana", "FAVOR"), ("ben", ("FAVOR", "AGAINST", "NONE")[n % 3]))), "utf-8")
    for args in (["init"], ["import", str(seeds)], ["import", "--create-coders", str(work)], ["gold"]):
        subprocess.run([ANNOTATOR, *args], cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL)
    return str(first["id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    print(f"start: {load_average()}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        doc_id = make_project(folder, env)
        commands = {subject: [a.format(id=doc_id, out=folder / "out.jsonl") for a in argv]
                    for subject, argv in SUBJECTS.items()}
        for argv in commands.values():  # the byte-code cache, written as a first run writes it
            run(argv, folder, env)
        results: dict[str, list[float]] = {subject: [] for subject in commands}
        for r in range(args.rounds):
            for subject in rotated(tuple(commands), r):
                results[subject].append(statistics.median(run(commands[subject], folder, env)
                                                          for _ in range(args.runs)))
            print(f"round {r + 1}: " + ", ".join(f"{s} {results[s][-1]:.0f} ms" for s in commands), flush=True)
    floor = statistics.median(results["help"])
    print("\nmedians over the rounds (ms, and against --help):")
    for subject, found in results.items():
        median = statistics.median(found)
        verdict = "" if subject == "help" else f"  target <= {TARGET_MS:.0f} ms: {'met' if median <= TARGET_MS else 'NOT met'}"
        print(f"  {subject:10} {median:6.0f} ms  {median / floor:4.2f} x{verdict}")
    print(f"end: {load_average()}")


if __name__ == "__main__":
    main()
