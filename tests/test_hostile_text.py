"""Hostile text in every participant field is shown literally and never reaches the terminal raw.

The person is written straight into the database (as an old import or another tool might
have left them), so nothing at intake gets a chance to clean it first: the screens must.
"""

from __future__ import annotations

import fcntl
import html
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from conftest import settled

from rmtui.app import RmtuiApp
from rmtui.db import Participant, Store
from rmtui.programme import Programme
from rmtui.screens.profile import ProfileScreen

MARKUP = "[bold red]Markup[/bold red] [link=https://evil.example]click[/link]"
ANSI = "\x1b[31mREDTEXT\x1b[0m"
OSC_TITLE = "\x1b]0;PWNED-TITLE\x07"
OSC_CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
OSC_LINK = "\x1b]8;;https://evil.example\x1b\\LINKTEXT\x1b]8;;\x1b\\"
RTL = "\u202eRTLOVERRIDE\u202c\u200f"
EMOJI = "👩🏽‍💻🚀"
NUL = "nul\x00byte"
LONG = "L" * 10_000
EVERYTHING = f"{MARKUP} {ANSI} {OSC_TITLE}{OSC_CLIPBOARD}{OSC_LINK} {RTL} {EMOJI} {NUL}"

RAW = ["\x1b", "\x07", "\x00", "\u202e", "\u202c", "\u200f"]


def hostile_person() -> Participant:
    """A participant whose every text field carries hostile text."""
    return Participant(
        name=f"Zed {EVERYTHING}",
        role="mentor",
        email=f"{ANSI}zed@example.com",
        job_title=f"{OSC_TITLE}Chief {MARKUP}",
        level=3,
        line_of_business=f"{RTL}Finance",
        department=f"{ANSI}Dept {LONG}",
        team=EVERYTHING,
        location=f"{EMOJI} {OSC_LINK}",
        timezone=f"{NUL}Europe/London",
        current_role=[EVERYTHING, LONG],
        development_goals=[MARKUP, ANSI, OSC_CLIPBOARD],
        competencies=[RTL, EMOJI, NUL],
        past_experience=f"{EVERYTHING}\n{LONG}",
        education=MARKUP,
        birthplace=f"{OSC_TITLE}{RTL}",
        hobbies=[EVERYTHING, "[/]"],
        interests=[ANSI, "[", "]"],
    )


def add_hostile(programme: Programme) -> int:
    with programme.store.write() as writer:
        return writer.insert(hostile_person()).id


def screen_text(svg: str) -> str:
    """Return the characters of a screenshot, row by row (the SVG splits rows into styled runs)."""
    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in re.findall(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text).replace("\xa0", " ")))
    return "\n".join("".join(t for _, t in sorted(runs)) for _, runs in sorted(rows.items()))


def assert_literal(screen_svg: str) -> str:
    """Return the screen's text after checking no raw control character is in it."""
    for char in RAW:
        assert char not in html.unescape(screen_svg), f"{char!r} reached the screen"
    return screen_text(screen_svg)


async def test_hostile_text_is_shown_literally_in_the_roster_and_profile(programme: Programme) -> None:
    add_hostile(programme)
    app = RmtuiApp(programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        roster = assert_literal(app.export_screenshot())
        assert "Zed [bold red]Markup[/bold" in roster

        await pilot.press("enter", "enter")  # into the results, open the profile
        await settled(pilot)
        assert isinstance(app.screen, ProfileScreen)
        text = assert_literal(app.export_screenshot())
        assert "[bold red]Markup[/bold red]" in text
        assert "REDTEXT" in text and "RTLOVERRIDE" in text
        for _ in range(30):  # scroll the whole profile through the screen
            await pilot.press("pagedown")
            await pilot.pause()
            assert_literal(app.export_screenshot())
        assert app.is_running


def test_no_hostile_sequence_is_ever_written_to_a_real_terminal(tmp_path: Path) -> None:
    """Run the real app in a pseudo-terminal and read every byte it sends."""
    db = tmp_path / "programme.db"
    with Store(db, actor="ada") as store, store.write() as writer:
        writer.insert(hostile_person())
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24", "RMTUI_TODAY": "2026-11-20"}
    app = subprocess.Popen(
        [sys.executable, "-m", "rmtui", "--db", str(db), "roster"],
        stdin=secondary, stdout=secondary, stderr=secondary, env=env, start_new_session=True,
    )
    os.close(secondary)
    output = bytearray()

    def read_until(marker: bytes, limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while marker not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.2)
            if ready:
                try:
                    output.extend(os.read(primary, 65536))
                except OSError:
                    break

    try:
        read_until(b"REDTEXT")  # the roster row
        os.write(primary, b"\r")  # open the profile (the roster starts on its results)
        read_until(b"Disclosure")  # the profile's first section
        for _ in range(12):  # page through the whole profile, 10,000-character fields and all
            os.write(primary, b"\x1b[6~")
            read_until(b"\x00\x00never", limit=0.3)
        read_until(b"Birthplace")
    finally:
        os.killpg(app.pid, signal.SIGKILL)
        app.wait(timeout=30)
        os.close(primary)

    assert b"REDTEXT" in output and b"Disclosure" in output and b"Birthplace" in output, output[-400:]
    for raw in (ANSI, OSC_TITLE, OSC_CLIPBOARD, "\x1b]8;;https://evil", "\x1b]52;", "\x1b]0;PWNED", RTL[0], "\x00"):
        assert raw.encode() not in bytes(output), f"{raw!r} was sent to the terminal"
