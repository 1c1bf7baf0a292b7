"""The pairing screen's modules (numpy, matching, the rules: 0.3-0.45 s of CPU at import) are
imported in a background thread once the app's first screen is on the terminal, so that
pressing 3 does not pay for them on the UI thread (issue 14: pairing usable ≤ 1 s at 100k)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Run `rmtui --db PATH` headless on its roster; note who imports rmtui.screens.pairing, and
# whether it is there a moment after the first paint (PRELOAD_SECONDS), without any key.
PRELOADED = r"""
import contextlib, json, sys, threading
import importlib.abc
from textual.app import App

seen = {}

class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "rmtui.screens.pairing":
            seen.setdefault("thread", threading.current_thread().name)
        return None
sys.meta_path.insert(0, Watch())

_run = App.run
def run(self, *args, **kwargs):
    kwargs["headless"] = True
    from rmtui.app import PRELOAD_SECONDS
    def look():
        seen["loaded"] = "rmtui.screens.pairing" in sys.modules
        seen["screen"] = type(self.screen).__name__
        self.exit()
    self.call_later(lambda: self.set_timer(PRELOAD_SECONDS + 2.0, look))
    return _run(self, *args, **kwargs)
App.run = run

from rmtui.cli import main
with contextlib.suppress(SystemExit):
    main(["--db", sys.argv[1]])
print(json.dumps(seen))
"""


def test_the_app_imports_the_pairing_screen_in_the_background_after_its_first_screen(demo_programme, db_path) -> None:
    env = {**os.environ, "TEXTUAL_ANIMATIONS": "none"}
    done = subprocess.run([sys.executable, "-c", PRELOADED, str(db_path)], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["screen"] == "RosterScreen"  # no key pressed: still on the roster
    assert seen["loaded"], "the pairing screen's modules are imported before 3 is pressed"
    assert seen["thread"] == "preload", "off the UI thread"
