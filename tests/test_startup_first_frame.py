"""The first frame a terminal gets is the whole start screen (issue 14).

Textual draws the start screen inside its start-up batch and used to throw that frame away:
the terminal got a few partial updates (the header line, the scrollbar, the footer) and the
whole screen only after two same-size resizes and a timer, 0.1-0.2 s of CPU later. These
tests run the real ``rmtui`` in a pseudo-terminal, or the app headless, and look at what is
written and laid out; they assert nothing about time.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import settled
from textual import events
from textual.screen import Screen

from rmtui.app import RmtuiApp
from rmtui.programme import Programme
from rmtui.screens.roster import PREVIEW_ROWS
from rmtui.search.rows import first_page
from rmtui.widgets.footer import Footer

# In the child: record every write to the terminal; at the first whole-screen frame (it
# starts on line 1, column 1) save what came before it, the frame, and which heavy modules
# were loaded by then, and stop.
CHILD = r"""
import json, os, sys
from textual.drivers import linux_driver

before = []
_write = linux_driver.LinuxDriver.write

def write(self, data):
    _write(self, data)
    if "\x1b[1;1H" in data:
        heavy = [name for name in ("numpy", "rapidfuzz", "rmtui.search.index") if name in sys.modules]
        with open(sys.argv[1], "w") as out:
            json.dump({"before": before, "frame": data, "heavy": heavy}, out)
        os._exit(0)
    before.append(data)

linux_driver.LinuxDriver.write = write
from rmtui.cli import main
main(["--db", sys.argv[2]])
"""

CURSOR_MOVE = re.compile(r"\x1b\[\d+;\d+H")
STYLE = re.compile(r"\x1b\[[0-9;?<>]*[A-Za-z]")


def _run_in_a_terminal(tmp_path: Path, db: Path, columns: int = 80, lines: int = 24) -> dict:
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    # Drain the terminal, as a terminal would: a full pty would block the app's writer.
    drained = threading.Thread(target=_drain, args=(master,), daemon=True)
    drained.start()
    out = tmp_path / "first-frame.json"
    env = {**os.environ, "TERM": "xterm-256color", "RMTUI_TODAY": "2026-11-20"}
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(out), str(db)],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        )
        child.wait(timeout=120)
    finally:
        os.close(slave)
        os.close(master)
    assert out.exists(), "rmtui wrote no whole-screen frame"
    return json.loads(out.read_text())


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def test_the_first_frame_on_the_terminal_is_the_whole_roster(demo_programme: Programme, tmp_path: Path) -> None:
    db = demo_programme.store.path
    os.chmod(db, 0o640)  # a group-writable file opens on a health warning over the roster
    rows = first_page(demo_programme.store, PREVIEW_ROWS)
    written = _run_in_a_terminal(tmp_path, db)
    # Nothing was painted before it (only the terminal's modes were set).
    assert not [data for data in written["before"] if CURSOR_MOVE.search(data)]
    shown = STYLE.sub("", written["frame"])
    assert "Roster — " in shown and f"{db.name} · " in shown  # the header's title and live state
    assert "Search: name, email" in shown  # the search field
    assert rows[0].name in shown and rows[1].name in shown  # the first page
    assert "Open" in shown and "Search" in shown and "palette" in shown  # the footer's keys
    # The search index (numpy, rapidfuzz) is built only after this frame, not beside it.
    assert written["heavy"] == []


async def test_a_resize_to_the_same_size_lays_nothing_out(demo_programme: Programme,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver says the size when it starts, and the terminal again when in-band resize
    reports are switched on: Textual laid the whole screen out for each."""
    layouts: list[object] = []
    refresh_layout = Screen._refresh_layout

    def counting(self: Screen, *args: object, **kwargs: object) -> None:
        layouts.append(args[0] if args else kwargs.get("size"))
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        monkeypatch.setattr(Screen, "_refresh_layout", counting)
        for _ in range(2):
            app.post_message(events.Resize(app.size, app.size))
            await settled(pilot)
        assert layouts == []
        await pilot.resize_terminal(90, 25)  # a real resize still lays the screen out
        await settled(pilot)
        assert layouts and app.screen.size == (90, 25)
        assert app.screen.query_one("#results").size.width == 90


async def test_the_roster_is_laid_out_first_with_its_footer_keys_and_live_header(
    demo_programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the first layout holds is what the first frame shows: the footer's keys (composed
    in the screen's on_mount, not by a recompose after its first refresh) and the header's
    live state beside the title."""
    first: list[tuple[bool, str, str]] = []
    refresh_layout = Screen._refresh_layout

    def recording(self: Screen, *args: object, **kwargs: object) -> None:
        if not first:
            footer = self.query_one(Footer)
            keys = " ".join(str(key.description) for key in footer.query("FooterKey"))
            first.append((footer.keys_shown, keys, str(self.app.sub_title)))
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Screen, "_refresh_layout", recording)
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        shown_at_first, keys, sub_title = first[0]
        assert shown_at_first and "Open" in keys and "Search" in keys
        assert sub_title.startswith(demo_programme.store.path.name)
        footer = app.screen.query_one(Footer)
        assert footer.shown_keys() == footer._shown  # still what the screen's keys are
