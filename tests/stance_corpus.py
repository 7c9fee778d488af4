"""A labelled stance corpus built for tests and the stance bench: gold JSONL records, as exported.

Each document: neutral filler sentences from the Wikinews corpus, and for two or three of the
default codebook's targets a sentence that carries its stance. Half of the stance sentences say it
in words whose everyday sentiment points the other way ("fought to stop the killing", "proudly
announced new strikes"), as news often does: a sentiment lexicon misreads them, a model trained on
gold need not.

    python tests/stance_corpus.py OUT.jsonl [N]
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIKINEWS = ROOT / "seeds" / "wikinews.jsonl"
ALIASES = {"Ukraine": ["Ukraine", "Kyiv"], "Russia": ["Russia", "Moscow", "the Kremlin"],
           "NATO": ["NATO", "the transatlantic alliance"], "United States": ["the United States", "Washington"]}
STANCE = {
    "FAVOR": ["{T} was praised by observers for keeping its promises to civilians.",
              "Residents thanked {T} for rebuilding the bridge within a month.",
              "{T} fought hard to stop the killing of civilians in the east.",
              "{T} refused to abandon the wounded despite the brutal shelling."],
    "AGAINST": ["Investigators accused {T} of hiding the casualty figures.",
                "{T} was blamed for the collapse of the talks.",
                "{T} proudly announced new missile strikes on apartment blocks.",
                "{T} cheerfully celebrated the seizure of the farmers' land."],
    "NONE": ["A spokesperson for {T} declined to comment on the schedule.",
             "The delegation from {T} arrived in the afternoon.",
             "{T} officials will meet again on Tuesday."],
}
TARGET_WORDS = re.compile(r"Ukrain|Russia|Moscow|Kremlin|Kyiv|NATO|alliance|United States|Washington|America",
                          re.IGNORECASE)


def _fillers() -> list[str]:
    sentences = []
    for line in WIKINEWS.read_text("utf-8").splitlines():
        for s in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]):
            s = " ".join(s.split())
            if 40 <= len(s) <= 200 and s[0].isupper() and not TARGET_WORDS.search(s):
                sentences.append(s)
    return sentences


def records(n: int, seed: int = 0) -> list[dict]:
    """n gold records (ids stance-0, stance-1, ...) with stances for some of the four targets."""
    rng = random.Random(seed)
    fillers = _fillers()
    out = []
    for i in range(n):
        targets = rng.sample(sorted(ALIASES), rng.choice([2, 3]))
        stance, parts = {}, rng.sample(fillers, 2)
        for target in targets:
            label = rng.choice(sorted(STANCE))
            stance[target] = label
            parts.insert(rng.randrange(len(parts) + 1),
                         rng.choice(STANCE[label]).replace("{T}", rng.choice(ALIASES[target])))
        text = " ".join(p[0].upper() + p[1:] for p in parts)
        out.append({"id": f"stance-{i}", "text": text, "meta": {"source": "stance corpus (tests)"}, "spans": [],
                    "stance": stance, "annotators": ["alice", "bob"], "adjudication": "unanimous"})
    return out


if __name__ == "__main__":
    path, count = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    path.write_text("".join(json.dumps(r) + "\n" for r in records(count)), "utf-8")
    print(f"wrote {count} labelled documents to {path}")
