"""What importing and starting the program does to the process: `annotator code` paints its first
frame before the database layer loads; importing a package changes no setting of the interpreter or
the environment, and an app gives back the collector settings it changed; modules use each other's
public names only, and no module imports names from the package that imports it."""

from __future__ import annotations

import ast
import gc
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "annotator"
TESTS = Path(__file__).resolve().parent
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "spacy")


def test_code_paints_its_first_frame_before_the_database_layer_or_pydantic_loads(tmp_path):
    modules = tmp_path / "modules.txt"
    env = {**os.environ, "TEXTUAL_DRIVER": "first_frame:FirstFrameDriver", "FIRST_FRAME_MODULES": str(modules),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    env.pop("ANNOTATOR_DB", None)
    done = subprocess.run([sys.executable, "-m", "annotator", "code"], cwd=tmp_path, env=env, timeout=60,
                          capture_output=True, text=True)
    assert modules.exists(), f"no first frame (exit {done.returncode}): {done.stderr[-2000:]}"
    loaded = modules.read_text().split()
    assert "annotator.tui.app" in loaded, "the snapshot is of the coding app's frame"
    early = [name for name in loaded if name.split(".")[0] in HEAVY]
    assert not early, f"imported before the first frame: {early[:10]}"


def test_importing_the_program_changes_no_setting_of_the_process():
    script = """
import gc, os, sys
before = (dict(os.environ), gc.get_threshold(), gc.get_freeze_count(), gc.isenabled())
import annotator.cli, annotator.tui, annotator.tui.app, annotator.tui.review_app, annotator.web.server
after = (dict(os.environ), gc.get_threshold(), gc.get_freeze_count(), gc.isenabled())
changed = [k for k in set(before[0]) | set(after[0]) if before[0].get(k) != after[0].get(k)]
print(changed, before[1:] == after[1:])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.split("\n")[0] == "[] True", done.stdout + done.stderr


async def test_an_app_gives_back_the_collector_settings_it_changed():
    from annotator.domain.errors import InputError
    from annotator.tui.app import CodingApp

    def no_project():
        raise InputError("no project here")

    before = (gc.get_threshold(), gc.get_freeze_count())
    app = CodingApp(opener=no_project, opening="nowhere")
    async with app.run_test() as pilot:
        assert gc.get_threshold()[2] == 1_000_000, "while it runs, full collections wait for an idle moment"
        await pilot.pause()
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    assert isinstance(app.open_error, InputError)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path):
    """(line, module imported from, name imported) for each `from X import Y` of the module, relative
    imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                yield node.lineno, source, alias.name, alias.asname or alias.name


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_uses_another_modules_private_name():
    modules = _modules()
    found = []
    for name, path in modules.items():
        aliases = {}  # local name -> module it stands for (import annotator.x as y, from annotator import x)
        for line, source, imported, local in _imports(name, path):
            if f"{source}.{imported}" in modules:
                aliases[local] = f"{source}.{imported}"
            elif source.startswith("annotator") and source != name and _private(imported):
                found.append(f"{path.relative_to(ROOT)}:{line}: from {source} import {imported}")
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases.update({a.asname: a.name for a in node.names if a.asname and a.name in modules})
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _private(node.attr)
                    and aliases.get(node.value.id, name) != name):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not found, "another module's private name:\n" + "\n".join(found)


def test_no_module_imports_names_from_the_package_that_imports_it():
    """A package's __init__ imports its modules (the command line's register their commands so); a
    module taking a name from that __init__ would need it half-run. Shared names live in a module."""
    modules = _modules()
    found = []
    for name, path in modules.items():
        if path.name == "__init__.py":
            continue
        ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        for line, source, imported, _ in _imports(name, path):
            whole = f"{source}.{imported}"
            if (source in ancestors and whole not in modules) or whole in ancestors:
                found.append(f"{path.relative_to(ROOT)}:{line}: from {source} import {imported}")
    assert not found, "\n".join(found)
