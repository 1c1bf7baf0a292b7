"""Start-up stays light: what the first paint needs imports no heavy library."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "scipy", "sqlite_utils", "icalendar")


def test_the_app_and_its_roster_import_no_heavy_library() -> None:
    # A fresh interpreter: this test process has imported everything already.
    code = (
        "import sys\n"
        "import rmtui.cli, rmtui.app, rmtui.screens.roster, rmtui.search\n"
        f"print(' '.join(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_search_package_still_gives_every_name() -> None:
    import rmtui.search as search

    for name in search.__all__:
        assert getattr(search, name) is not None
    from rmtui.search.index import RosterRow, first_page

    assert search.RosterRow is RosterRow and search.first_page is first_page
