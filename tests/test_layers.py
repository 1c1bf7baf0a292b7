"""The layer arrows of DESIGN.md hold: db/ and rmtui's domain import no Textual; widgets no db."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = {"rmtui/app.py", "rmtui/cli.py", "rmtui/run.py", "rmtui/__main__.py"}


LAYERS = ("db", "screens", "widgets")


def _package(module: str) -> str:
    """Name what ``module`` belongs to: a third-party top-level package, or one of rmtui's layers."""
    parts = module.split(".")
    if parts[0] == "rmtui" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return parts[0]


def _imports(path: Path) -> set[str]:
    """Return what every import in ``path`` reaches (lazy imports included): ``textual``,
    ``rmtui`` (the domain), ``db``, ``screens``, ``widgets``..."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_package(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(_package(node.module))
            if node.module == "rmtui":
                found.update(alias.name for alias in node.names if alias.name in LAYERS)
    return found


def _module(path: Path) -> str:
    """Return the installed module name of a source file (db/store.py is rmtui.db.store)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts if parts[0] == "rmtui" else ["rmtui", *parts])


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", _files("db"), ids=_rel)
def test_db_imports_neither_textual_nor_rmtui(path: Path) -> None:
    assert not _imports(path) & {"textual", "rmtui", "screens", "widgets"}


@pytest.mark.parametrize("path", [p for folder in ("db", "rmtui", "screens", "widgets", "tests") for p in _files(folder)], ids=_rel)
def test_every_import_carries_the_project_name(path: Path) -> None:
    """`db`, `screens` and `widgets` install as rmtui.db, rmtui.screens, rmtui.widgets:
    a bare `import db` would load whatever other package took that generic name."""
    bare = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
        bare.update(n for n in names if n.split(".")[0] in LAYERS)
    assert not bare


@pytest.mark.parametrize(
    "path", [p for p in _files("rmtui") if _rel(p) not in COMPOSITION_ROOT], ids=_rel
)
def test_rmtui_domain_imports_no_textual_screens_or_widgets(path: Path) -> None:
    assert not _imports(path) & {"textual", "screens", "widgets"}


@pytest.mark.parametrize("path", _files("widgets"), ids=_rel)
def test_widgets_never_touch_the_database(path: Path) -> None:
    assert not _imports(path) & {"db", "sqlite3", "sqlite_utils", "screens"}


def test_importing_the_domain_does_not_load_textual_transitively() -> None:
    domain = sorted(_module(p) for p in _files("rmtui") + _files("db") if _rel(p) not in COMPOSITION_ROOT)
    code = (
        "import importlib, sys\n"
        f"for name in {domain!r}: importlib.import_module(name)\n"
        "print('textual' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "path", [p for folder in ("db", "rmtui", "screens", "widgets", "tests") for p in _files(folder) if _rel(p) != "db/sqlite.py"],
    ids=_rel,
)
def test_sqlite3_is_imported_only_through_db_sqlite(path: Path) -> None:
    """Two SQLite libraries opening one file in a process can corrupt it: one driver, one place."""
    assert "sqlite3" not in _imports(path) and "pysqlite3" not in _imports(path)


def test_rmtui_and_sqlite_utils_open_databases_with_the_same_library() -> None:
    """(sqlite-utils imports the standard module for type hints only; it opens nothing with it.)"""
    code = (
        "from rmtui.app import RmtuiApp\n"
        "import rmtui.db.sqlite, sqlite_utils.utils\n"
        "print(rmtui.db.sqlite.sqlite3.connect(':memory:').__class__.__module__,"
        " sqlite_utils.utils.sqlite3.connect(':memory:').__class__.__module__)\n"
    )
    ours, theirs = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout.split()
    assert ours.split(".")[0] == theirs.split(".")[0]


# -- import-linter: the contracts in pyproject.toml ([tool.importlinter]) --------------------


def _lint_imports() -> str:
    """Return the lint-imports of the running interpreter's environment."""
    beside = Path(sys.executable).parent / "lint-imports"
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is not installed: pip install -e '.[test]'"
    return found


def _installed_tree(dest: Path) -> Path:
    """Copy the sources into the shape they install as (rmtui/db, rmtui/screens, rmtui/widgets).

    import-linter reads files under the package's folder, and the editable install maps
    db/, screens/ and widgets/ into rmtui by an import hook it cannot see.
    """
    src = dest / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "rmtui", src / "rmtui", ignore=skip)
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, src / "rmtui" / layer, ignore=skip)
    return src


def _run_lint_imports(tmp_path: Path, src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_lint_imports(), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_linter_contracts_hold(tmp_path: Path) -> None:
    """DESIGN.md's layer picture, no screen importing another, dialogs kept by their screen."""
    result = _run_lint_imports(tmp_path, _installed_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_import_linter_catches_a_screen_importing_another(tmp_path: Path) -> None:
    """The contracts can fail: a screen that imports another screen to navigate breaks one."""
    src = _installed_tree(tmp_path)
    roster = src / "rmtui" / "screens" / "roster.py"
    roster.write_text(roster.read_text(encoding="utf-8") + "\nfrom rmtui.screens.profile import ProfileScreen\n",
                      encoding="utf-8")
    result = _run_lint_imports(tmp_path, src)
    assert result.returncode != 0
    assert "rmtui.screens.roster is not allowed to import rmtui.screens.profile" in result.stdout


def test_the_contracts_name_every_module() -> None:
    """import-linter checks only the modules its contracts list: a new domain module or screen
    left out of them would be free to import Textual or another screen."""
    import tomllib

    contracts = {c["id"]: c for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]}
    no_textual = set(contracts["no-textual-below-screens"]["source_modules"])
    domain_layer = set(contracts["layers"]["layers"][4].split(" : "))
    screens = set(contracts["screens-independent"]["modules"])
    for path in _files("rmtui"):
        if _rel(path) in COMPOSITION_ROOT or path.name in ("__init__.py", "run.py") or "commands" in path.parts:
            continue
        top = path.relative_to(ROOT / "rmtui").parts[0].removesuffix(".py")
        assert f"rmtui.{top}" in no_textual and top in domain_layer, f"add rmtui.{top} to the import-linter contracts"
    for path in _files("screens"):
        if path.stem in ("__init__", "base", "navigation") or path.stem.endswith("_dialogs"):
            continue
        assert f"rmtui.screens.{path.stem}" in screens, f"add rmtui.screens.{path.stem} to screens-independent"
