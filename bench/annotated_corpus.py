"""One coder's pre-annotated work on N Wikinews-size documents, written in three tools' shapes.

    python bench/annotated_corpus.py OUT_DIR [--docs 20000] [--spans 10]

The documents are import_bench's (the 24 Wikinews articles repeated with new ids and a closing line
that keeps each text unique). Each gets `--spans` entity spans on real words: the entities spaCy's
English pipeline finds in its article, kept when the codebook (news-stance) has their label
(PERSON, ORG, GPE, NORP, LOC, EVENT), a different run of them for each copy. The same work is
written as
  annotator.jsonl  annotator's coder JSONL: one line a document, with `coder` and `spans` (each with
                   its text), stored as that coder's `done` annotation: pre-annotated work is finished
                   work, as Label Studio's `annotations` (not `predictions`) and doccano's labels are;
  plain.jsonl      the same documents without the work (the plain import's baseline);
  labelstudio.json a Label Studio import: tasks with `data` and `annotations[0].result` of `labels`
                   regions (offsets in UTF-16 code units, which equal Python's here: no text holds a
                   character past U+FFFF, checked);
  doccano.jsonl    doccano's sequence-labeling JSONL: `text` and `label: [[start, end, LABEL], ...]`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from import_bench import WIKINEWS

CODER = "alice"
LABELS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "NORP": "NORP", "LOC": "LOC", "FAC": "LOC",
          "EVENT": "EVENT", "LAW": "EVENT"}  # the model's label -> the codebook's (schemas/news-stance.toml)
LS_CONFIG = ('<View><Labels name="label" toName="text">'
             + "".join(f'<Label value="{label}"/>' for label in sorted(set(LABELS.values())))
             + '</Labels><Text name="text" value="$text"/></View>')
_CAPITALISED = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+")  # a capitalised word inside a sentence


def article_entities(articles: list[dict]) -> list[list[tuple[int, int, str]]]:
    """Each article's entities with a codebook label, sorted; padded with capitalised words (as
    PERSON) where spaCy finds too few."""
    from annotator.nlp.pipeline import load_pipeline

    nlp = load_pipeline().nlp
    found = []
    for article in articles:
        text = article["text"]
        spans = {(e.start_char, e.end_char, LABELS[e.label_]) for e in nlp(text).ents if e.label_ in LABELS}
        taken = [False] * len(text)
        for start, end, _ in spans:
            taken[start:end] = [True] * (end - start)
        for match in _CAPITALISED.finditer(text):
            if len(spans) >= 20:
                break
            if not any(taken[match.start():match.end()]):
                spans.add((match.start(), match.end(), "PERSON"))
        found.append(sorted(spans))
    return found


def write_corpora(out: Path, n: int, per_doc: int = 10) -> dict[str, Path]:
    """Writes the four files into `out`; returns them by name."""
    articles = [json.loads(line) for line in WIKINEWS.read_text("utf-8").splitlines()]
    assert not any(ord(c) > 0xFFFF for a in articles for c in a["text"]), "UTF-16 offsets would differ"
    entities = article_entities(articles)
    paths = {name: out / name for name in ("annotator.jsonl", "plain.jsonl", "labelstudio.json", "doccano.jsonl")}
    tasks = []
    with (paths["annotator.jsonl"].open("w", encoding="utf-8") as ours,
          paths["plain.jsonl"].open("w", encoding="utf-8") as plain,
          paths["doccano.jsonl"].open("w", encoding="utf-8") as doccano):
        for i in range(n):
            a = dict(articles[i % len(articles)])
            a["id"] = f"{a['id']}-{i}"
            a["text"] = f"{a['text']}\n\n(Bench copy {i}.)"  # as import_bench's corpus: offsets unchanged
            found = entities[i % len(articles)]
            first = (i // len(articles)) % len(found)  # each copy of an article a different run of them
            spans = sorted({found[(first + k) % len(found)] for k in range(min(per_doc, len(found)))})
            plain.write(json.dumps(a) + "\n")
            ours.write(json.dumps({**a, "coder": CODER, "spans": [
                {"start": s, "end": e, "label": label, "text": a["text"][s:e]} for s, e, label in spans]}) + "\n")
            doccano.write(json.dumps({"text": a["text"], "label": [[s, e, label] for s, e, label in spans],
                                      "doc_id": a["id"], "title": a["title"]}) + "\n")
            tasks.append({"data": {"text": a["text"], "doc_id": a["id"], "title": a["title"]},
                          "annotations": [{"result": [
                              {"id": f"r{i}-{k}", "from_name": "label", "to_name": "text", "type": "labels",
                               "value": {"start": s, "end": e, "text": a["text"][s:e], "labels": [label]}}
                              for k, (s, e, label) in enumerate(spans)]}]})
    paths["labelstudio.json"].write_text(json.dumps(tasks), "utf-8")
    return paths


def span_count(path: Path) -> int:
    return sum(len(json.loads(line)["spans"]) for line in path.open(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--spans", type=int, default=10, help="entity spans a document")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    paths = write_corpora(args.out, args.docs, args.spans)
    print(f"{args.docs} documents, {span_count(paths['annotator.jsonl'])} spans:", file=sys.stderr)
    for path in paths.values():
        print(f"  {path} ({path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
