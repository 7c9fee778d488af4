"""spaCy's training format: a DocBin of documents with entities and stance categories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.domain.formats import ExportDocument, Unaligned, export_meta


class DocBinWriter:
    """Docs made with spaCy's English tokenizer; entities from the gold spans, the stance as `cats`
    named TARGET:LABEL (1.0 for the gold label, 0.0 for the target's other labels), so that
    `python -m spacy train` takes the file as it is (ner, textcat_multilabel)."""

    def __init__(self, categories: dict[str, tuple[str, ...]], include_meta: bool = False) -> None:
        import spacy
        from spacy.tokens import DocBin

        self.nlp = spacy.blank("en")
        self.categories = categories  # target -> its stance labels
        self.include_meta = include_meta
        self.docs = DocBin(store_user_data=True)
        self.count = 0

    def add(self, doc: ExportDocument, unaligned: Unaligned) -> None:
        made = self.nlp.make_doc(doc.text)
        ents: list[Any] = []
        taken: set[int] = set()
        for span in sorted(doc.spans):
            ent = made.char_span(span[0], span[1], label=span[2], alignment_mode="strict")
            if ent is None or taken & set(range(ent.start, ent.end)):  # off token boundaries, or overlapping
                unaligned.add(doc, span)
                continue
            taken |= set(range(ent.start, ent.end))
            ents.append(ent)
        made.ents = ents
        gold = {target: label for target, label, _ in doc.stances}
        made.cats = {f"{target}:{label}": float(gold.get(target) == label)
                     for target, labels in self.categories.items() if target in gold for label in labels}
        made.user_data["id"] = doc.id
        if self.include_meta:
            made.user_data["meta"] = export_meta(doc)
        self.docs.add(made)
        self.count += 1

    def write(self, path: Path) -> None:
        self.docs.to_disk(path)
