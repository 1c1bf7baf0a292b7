"""The roster's detail line (the highlighted person's pairs) while someone types.

Each read of the pairs is a worker and one more frame, which made the next key wait: while
keys come the read waits for a pause in typing, and meanwhile the line says nothing rather
than another person's pairs.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from conftest import settled

from rmtui.app import RmtuiApp
from rmtui.people import pairs_line
from rmtui.programme import Programme
from rmtui.screens import roster
from rmtui.screens.roster import RosterScreen
from rmtui.widgets.virtual_table import VirtualTable

# Keys that move the top row between Cy, Ana (first by name, no query) and Ben.
KEYS = ["c", "y", "backspace", "backspace", "b", "e", "n", "backspace", "backspace", "backspace", "c", "y"]


class Reads:
    """Counts the roster's reads of someone's pairs; ``hold`` keeps them waiting."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.people: list[int] = []
        self.open = threading.Event()
        self.open.set()

        def counted(store: Any, person: int) -> str:
            self.people.append(person)
            self.open.wait(30)
            return pairs_line(store, person)

        monkeypatch.setattr(roster, "pairs_line", counted)


@pytest.fixture
def paired(programme: Programme) -> Programme:
    from rmtui.db import Participant
    from rmtui.pairing import pair_now
    from rmtui.waves import add_wave

    with programme.store.write() as writer:
        ana = writer.insert(Participant(name="Ana Silva", role="mentor", level=2, line_of_business="IT", status="active"))
        ben = writer.insert(Participant(name="Ben Okoro", role="mentee", level=7, line_of_business="Claims", status="active"))
        writer.insert(Participant(name="Cy Lone", role="mentee", level=6, line_of_business="Risk", status="active"))
    spring = add_wave(programme, "Spring", "2026-11-02")
    pair_now(programme, ana.id, ben.id, spring.id)
    return programme


def _highlighted(screen: RosterScreen) -> int | None:
    return screen.person_at(screen.query_one("#results", VirtualTable).cursor)


def _line(screen: RosterScreen) -> str:
    return str(screen.query_one("#detail").render())


async def _pause_in_typing(pilot: Any) -> RosterScreen:
    screen = await settled(pilot)
    while isinstance(screen, RosterScreen) and screen.detail_pending:
        await pilot.pause(0.05)
    return await settled(pilot)


async def test_typing_fast_reads_the_pairs_once_when_the_typing_pauses(
    paired: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    monkeypatch.setattr(roster, "DETAIL_WAIT", 5.0)  # "fast" on any machine: every key within it
    app = RmtuiApp(paired)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)
        await pilot.press("slash")
        before = len(reads.people)
        highlighted = [_highlighted(screen)]
        for key in KEYS:
            await pilot.press(key)
            highlighted.append(_highlighted(screen))
        changes = sum(1 for a, b in zip(highlighted, highlighted[1:], strict=False) if a != b)
        assert changes >= 4  # the old roster read the pairs on each of these
        assert reads.people[before:] == []  # none while the keys came
        screen = await _pause_in_typing(pilot)
        assert reads.people[before:] == [_highlighted(screen)]  # one read, for the one highlighted
        assert _line(screen) == "Not paired yet."  # Cy Lone


async def test_the_line_never_shows_another_persons_pairs_while_a_read_is_pending(
    paired: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    app = RmtuiApp(paired)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)
        store = paired.store
        said = {screen.person_at(i): pairs_line(store, screen.person_at(i)) for i in range(3)}  # no query: all three
        assert len(set(said.values())) == 3  # each person's line is their own
        assert _line(screen) == said[_highlighted(screen)]
        reads.open.clear()  # reads now wait: the line must not show the last person's meanwhile
        await pilot.press("slash")
        for key in [*KEYS, "down", "backspace", "backspace", "up"]:
            await pilot.press(key)
            await pilot.pause()
            line = _line(screen)
            assert line in ("", said[_highlighted(screen)]), (key, line)
        reads.open.set()
        screen = await _pause_in_typing(pilot)
        assert _line(screen) == said[_highlighted(screen)]


async def test_a_cursor_move_reads_the_pairs_at_once_even_while_typing(
    paired: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch)
    monkeypatch.setattr(roster, "DETAIL_WAIT", 30.0)  # a typed key's read would wait this long
    app = RmtuiApp(paired)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)
        await pilot.press("slash", "n")  # Ana, Ben (oKoro... any n) and Lone match
        await pilot.press("enter", "down")  # to the table, one down: no wait for a pause
        screen = await settled(pilot)
        assert not screen.detail_pending
        assert reads.people[-1] == _highlighted(screen)
        assert _line(screen) == pairs_line(paired.store, _highlighted(screen))
