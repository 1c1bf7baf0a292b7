"""Start-up stays light: what the first paint needs imports no heavy library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rmtui.cli import LAZY_COMMANDS

HEAVY = ("numpy", "scipy", "sqlite_utils", "icalendar")

# Loaded by commands, exports, the search index or other screens; never by the first paint.
NOT_BEFORE_FIRST_PAINT = (
    "numpy",
    "scipy",
    "rapidfuzz",
    "sqlite_utils",
    "icalendar",
    "pendulum",
    "dateutil",
    *sorted({module for _name, module, _attribute, _summary in LAZY_COMMANDS}),
    "rmtui.search.index",
    "rmtui.search.build",
    "rmtui.demo",
    "rmtui.csv_import",
    "rmtui.csv_export",
    "rmtui.calendar_export",
    "rmtui.screens.intake",
    "rmtui.screens.pairing",
    "rmtui.screens.leaderboard",
    "rmtui.screens.timeline",
)

# Run `rmtui --db PATH` as a coordinator does, headless, and list the modules loaded at the
# moment the roster hands its first rows to the table (before the frame that paints them;
# the search index, which is allowed numpy and rapidfuzz, is built only after that frame).
FIRST_PAINT = r"""
import json, sys
from textual.app import App

_run = App.run
def run(self, *args, **kwargs):
    kwargs["headless"] = True
    return _run(self, *args, **kwargs)
App.run = run

from rmtui.widgets.virtual_table import VirtualTable
_set_source = VirtualTable.set_source
seen = {}
def set_source(self, source, **kwargs):
    _set_source(self, source, **kwargs)
    if len(source) and "modules" not in seen:
        seen["modules"] = sorted(sys.modules)
        seen["rows"] = len(source)
        self.app.call_later(self.app.exit)
VirtualTable.set_source = set_source

from rmtui.cli import main
try:
    main(["--db", sys.argv[1]])
except SystemExit:
    pass
print(json.dumps(seen))
"""


def test_the_app_and_its_roster_import_no_heavy_library() -> None:
    # A fresh interpreter: this test process has imported everything already.
    code = (
        "import sys\n"
        "import rmtui.cli, rmtui.app, rmtui.screens.roster, rmtui.search\n"
        f"print(' '.join(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_first_paint_of_rmtui_loads_none_of_the_heavy_modules(tmp_path: Path, clock) -> None:
    from rmtui.demo import build_demo
    from rmtui.programme import Programme

    path = tmp_path / "programme.db"
    programme = Programme.open(path, clock)
    build_demo(programme.store, people=60, seed=7, today=programme.today())
    programme.close()
    done = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT, str(path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "TEXTUAL_ANIMATIONS": "none"},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["rows"] > 0  # the roster's first rows, not an empty table
    loaded = [name for name in NOT_BEFORE_FIRST_PAINT if name in seen["modules"]]
    assert loaded == []
    # The check is real: the roster's own modules are there.
    assert "rmtui.screens.roster" in seen["modules"] and "rmtui.search.rows" in seen["modules"]


def test_rmtui_help_lists_every_command_without_importing_them() -> None:
    code = (
        "import sys\n"
        "from rmtui.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED ' + ' '.join(sorted(m for m in sys.modules if m.startswith('rmtui.commands.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listing, loaded = done.stdout.rsplit("LOADED", 1)
    assert loaded.strip() == ""
    for name, _module, _attribute, summary in LAZY_COMMANDS:
        assert f"  {name} " in listing
        assert summary.split()[0] in listing


def test_the_search_package_still_gives_every_name() -> None:
    import rmtui.search as search

    for name in search.__all__:
        assert getattr(search, name) is not None
    from rmtui.search.index import RosterRow, first_page

    assert search.RosterRow is RosterRow and search.first_page is first_page
