"""The plain start, ``rmtui`` or ``rmtui --db PATH``, opens the app without the command line
(click and the sub-command registry, issue 14), and does exactly what the command line does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rmtui.cli import cli
from rmtui.programme import Programme
from rmtui.startup import NOT_PLAIN, plain_db

# Start rmtui as `python -m rmtui ARGS` does (or through rmtui.cli's main with ARGS), the app
# headless and closed once its first screen is mounted; print what it opened and what loaded.
CHILD = r"""
import json, runpy, sys
from textual.app import App

_run = App.run
seen = {}
def run(self, *args, **kwargs):
    kwargs["headless"] = True
    self.call_after_refresh(self.exit)
    seen["db"] = str(self.programme.store.path)
    seen["today"] = str(self.programme.today())
    seen["screen"] = self.start
    seen["loaded"] = sorted(m for m in ("click", "rmtui.cli", "rmtui.commands") if m in sys.modules)
    return _run(self, *args, **kwargs)
App.run = run

how, args = sys.argv[1], sys.argv[2:]
try:
    if how == "module":
        sys.argv = ["rmtui", *args]
        runpy.run_module("rmtui", run_name="__main__", alter_sys=True)
    else:
        from rmtui.cli import main
        main(args)
except SystemExit as done:
    seen["exit"] = done.code
print(json.dumps(seen))
"""


def _start(how: str, args: list[str], env: dict[str, str] | None = None) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, how, *args],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "RMTUI_TODAY": "2026-11-20", **(env or {})},
    )
    lines = done.stdout.strip().splitlines()
    return (json.loads(lines[-1]) if lines else {}), done.stderr


@pytest.mark.parametrize(
    "argv",
    [[], ["--db", "p.db"], ["--db=p.db"], ["--db", "\u200bp.db\ufeff"], ["--db", " spaced name.db "], ["--db", "é/p.db"]],
)
def test_a_plain_start_names_the_database_the_command_line_would(argv: list[str]) -> None:
    context = cli.make_context("rmtui", list(argv), resilient_parsing=True)
    assert plain_db(argv) == context.params["db"]


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["-h"], ["--version"], ["roster"], ["demo"], ["--db"], ["--db", "p.db", "roster"],
     ["--db", "p.db", "--today", "2026-01-01"], ["--today", "2026-01-01"], ["--db", ""], ["--db="],
     ["--db", "--help"], ["--db", "p.db", "--db", "q.db"]],
)
def test_anything_else_goes_through_the_command_line(argv: list[str]) -> None:
    assert plain_db(argv) == NOT_PLAIN


def test_a_folder_goes_through_the_command_line_which_refuses_it(tmp_path: Path) -> None:
    assert plain_db(["--db", str(tmp_path)]) == NOT_PLAIN


def test_the_plain_start_opens_what_the_command_line_opens_without_loading_it(
    demo_programme: Programme, tmp_path: Path
) -> None:
    db = str(demo_programme.store.path)
    os.chmod(db, 0o640)
    plain, _ = _start("module", ["--db", db])
    through_cli, _ = _start("cli", ["--db", db])
    assert plain["db"] == through_cli["db"] == db
    assert plain["today"] == through_cli["today"] == "2026-11-20"
    assert plain["screen"] == through_cli["screen"]
    assert plain["loaded"] == [] and "click" in through_cli["loaded"]
    # $RMTUI_DB, no arguments: the same too.
    plain, _ = _start("module", [], env={"RMTUI_DB": db})
    through_cli, _ = _start("cli", [], env={"RMTUI_DB": db})
    assert plain["db"] == through_cli["db"] == db and plain["loaded"] == []
    # Anything else is the command line's: `python -m rmtui --db PATH roster`.
    other, _ = _start("module", ["--db", db, "dashboard"])
    assert other["screen"] == "dashboard" and "click" in other["loaded"]


def test_a_plain_start_fails_as_the_command_line_does(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-folder" / "p.db")
    plain, plain_said = _start("module", ["--db", missing])
    through_cli, cli_said = _start("cli", ["--db", missing])
    assert plain["exit"] == through_cli["exit"] == 1
    assert plain_said == cli_said
    assert plain_said.startswith("rmtui: ") and plain_said.count("\n") == 1 and "Traceback" not in plain_said
    # A bad RMTUI_TODAY: one line, the same both ways.
    plain, plain_said = _start("module", ["--db", missing], env={"RMTUI_TODAY": "not a day"})
    through_cli, cli_said = _start("cli", ["--db", missing], env={"RMTUI_TODAY": "not a day"})
    assert plain["exit"] == through_cli["exit"] != 0 and plain_said == cli_said and "Traceback" not in plain_said
