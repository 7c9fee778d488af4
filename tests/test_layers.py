"""The layers of DESIGN.md hold: import-linter's contracts pass here and fail on a deliberate break,
and the domain imports in a bare interpreter without a database, terminal or model library."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import annotator.domain
from conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True)


def test_the_layer_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout


def test_a_screen_that_imports_spacy_code_breaks_a_contract(tmp_path):
    """A copy of the package whose coding screen imports the nlp layer directly fails the check."""
    shutil.copytree(ROOT / "annotator", tmp_path / "annotator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    screen = tmp_path / "annotator" / "tui" / "screens" / "coding.py"
    screen.write_text(screen.read_text("utf-8") + "\nfrom annotator.nlp.tokens import token_bounds  # noqa\n", "utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "The screen talks to services only: no store, no spaCy, no SQL BROKEN" in result.stdout
    assert "annotator.tui.screens.coding -> annotator.nlp.tokens" in result.stdout


def test_domain_imports_no_database_terminal_or_model():
    """Every domain module, imported in a fresh interpreter, pulls in none of the heavy layers' libraries."""
    modules = [m.name for m in pkgutil.iter_modules(annotator.domain.__path__, "annotator.domain.")]
    assert "annotator.domain.coding_view" in modules and len(modules) >= 10
    code = (f"import sys, importlib; [importlib.import_module(m) for m in {modules!r}]; "
            "bad = [m for m in ('textual', 'sqlmodel', 'sqlalchemy', 'spacy', 'rich') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
