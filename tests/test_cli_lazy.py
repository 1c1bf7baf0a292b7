"""The command line imports a sub-command's module only when that command runs (issue 14):
`rmtui` and `rmtui --help` start without icalendar, scipy, numpy or sqlite_utils, and the
help lists every command with the line its own help gives."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from rmtui.cli import LAZY_COMMANDS, cli

HEAVY = ("icalendar", "scipy", "numpy", "sqlite_utils", "rmtui.matching", "rmtui.calendar_export")


@pytest.mark.parametrize(("name", "module", "attribute", "summary"), LAZY_COMMANDS, ids=[c[0] for c in LAZY_COMMANDS])
def test_each_lazy_entry_names_its_command_and_repeats_its_help(name: str, module: str, attribute: str, summary: str) -> None:
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)
    assert command.name == name
    assert summary == (command.help or "").partition("\n\n")[0]
    for width in (20, 45, 74, 200):
        assert click.Command(name, help=summary).get_short_help_str(width) == command.get_short_help_str(width)


def test_help_lists_every_command_without_importing_their_modules() -> None:
    code = (
        "import sys\n"
        "from rmtui.cli import main\n"
        "main(['--help'])\n"
        f"print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r} or m in {HEAVY!r} "
        "or m.startswith('rmtui.commands.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"COLUMNS": "100", "PATH": "", "PYTHONSAFEPATH": "1"})
    listed = result.stdout.split("Commands:", 1)[1]
    for name, *_ in LAZY_COMMANDS:
        assert f"\n  {name} " in listed, name
    assert result.stdout.strip().splitlines()[-1] == "LOADED []"


def test_a_lazy_command_runs_and_its_help_is_its_own() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["wave", "--help"])
    assert result.exit_code == 0, result.output
    assert "The waves pairs are deployed in" in result.output
    listed = runner.invoke(cli, ["--help"]).output
    assert "calendar" in listed and "users" in listed and "roster" in listed


def test_unknown_command_is_still_refused() -> None:
    result = CliRunner().invoke(cli, ["nonsense"])
    assert result.exit_code == 2
    assert "No such command" in result.output
