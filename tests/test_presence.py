"""Presence: who else has the programme open, on which screen and record (issue 15).

The other coordinators are real processes (tests/writer_process.py, mode ``presence``);
the app is the real one under Pilot. Nothing here is timed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import line_from, settled, wait_until

from rmtui.app import RmtuiApp
from rmtui.db import Participant
from rmtui.db.sqlite import sqlite3
from rmtui.db.watch import DATA, NOTHING, PRESENCE, ChangeWatcher
from rmtui.presence import (
    STALE_SECONDS,
    Entry,
    Presence,
    Spot,
    editing,
    editing_notice,
    fit_header,
    who_is_here,
)
from rmtui.programme import Programme

WRITER = Path(__file__).with_name("writer_process.py")


def _other_app(db: Path, actor: str, *spot: str, beat: float = 0.2) -> subprocess.Popen[str]:
    """Another coordinator's open app: its presence heartbeat, every ``beat`` seconds."""
    child = subprocess.Popen(
        [sys.executable, str(WRITER), "presence", str(db), actor, str(beat), *spot],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert line_from(child) == "here"
    return child


def _tell(child: subprocess.Popen[str], line: str) -> str:
    assert child.stdin is not None
    child.stdin.write(line + "\n")
    child.stdin.flush()
    return line_from(child)


def _rows(db: Path) -> list[tuple[str, int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT actor, pid, area FROM presence ORDER BY actor").fetchall()


def _spots(db: Path) -> list[tuple[str, str, int | None, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT actor, area, entity_id, editing FROM presence").fetchall()


def _entry(actor: str, area: str = "", label: str = "", entity: str | None = None, entity_id: int | None = None,
           editing: bool = False, started: float = 0.0) -> Entry:
    return Entry(actor, "host", 1, Spot(area, entity, entity_id, label, editing), 0.0, started, 0.0)


# -- two processes ---------------------------------------------------------------------------


def test_another_app_appears_with_its_screen_and_record_and_leaves_cleanly(programme: Programme, db_path: Path) -> None:
    mine = Presence(programme.store)
    assert mine.announce(Spot("roster"))
    alice = _other_app(db_path, "alice", "timeline", "pair", "14", "pair_14")
    try:
        [seen] = mine.others()
        assert (seen.actor, seen.pid, seen.spot) == ("alice", alice.pid, Spot("timeline", "pair", 14, "pair 14"))
        assert _tell(alice, "move intake participant 3 Cécile_Martin editing") == "moved"
        [seen] = mine.others()
        assert seen.spot == Spot("intake", "participant", 3, "Cécile Martin", editing=True)
        assert seen.spot.describe() == "editing Cécile Martin · intake"
        assert _tell(alice, "leave") == "left"
        assert alice.wait(timeout=30) == 0
    finally:
        alice.kill()
    assert mine.others() == []
    assert [actor for actor, _, _ in _rows(db_path)] == ["coordinator"]  # its row is gone, not only hidden


def test_a_killed_app_disappears_and_its_row_is_pruned(programme: Programme, db_path: Path) -> None:
    mine = Presence(programme.store)
    bob = _other_app(db_path, "bob", "pairing")
    assert [e.actor for e in mine.others()] == ["bob"]
    os.kill(bob.pid, signal.SIGKILL)
    bob.wait(timeout=30)
    # Same host, pid gone: left out at once, long before its row would age out...
    assert mine.others() == []
    assert "bob" in [actor for actor, _, _ in _rows(db_path)]
    # ...and the next heartbeat deletes it.
    assert mine.heartbeat()
    assert [actor for actor, _, _ in _rows(db_path)] == ["coordinator"]


def test_another_hosts_entry_counts_until_it_stops_beating(programme: Programme, db_path: Path) -> None:
    now = 1_800_000_000.0
    mine = Presence(programme.store, clock=lambda: now)
    mine.announce(Spot("roster"))
    with sqlite3.connect(db_path) as conn:  # apps on another server: their pids mean nothing here
        for pid, actor, seen in ((os.getpid(), "carol", now - 2), (1, "dave", now - STALE_SECONDS - 1)):
            conn.execute(
                "INSERT INTO presence (host, pid, actor, area, joined_at, started_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ("elsewhere", pid, actor, "audit", seen, seen, seen),
            )
    assert [(e.actor, e.host) for e in mine.others()] == [("carol", "elsewhere")]
    assert mine.heartbeat()
    assert [actor for actor, _, _ in _rows(db_path)] == ["carol", "coordinator"]  # dave's row pruned by age


def test_a_heartbeat_while_a_save_waits_for_the_lock_skips_its_beat(programme: Programme, db_path: Path) -> None:
    with programme.store.write() as writer:
        writer.insert(Participant(name="Ana Lopez", role="mentor"))
    locker = subprocess.Popen(
        [sys.executable, str(WRITER), "lock", str(db_path), "stdin", "coordinator"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert line_from(locker) == "locked"
        saved: list[object] = []
        store = programme.store

        def save() -> None:
            try:
                with store.write(wait=True) as writer:
                    person = store.query("SELECT id, version FROM participants")[0]
                    writer.update("participants", person["id"], person["version"], {"job_title": "Actuary"})
                saved.append("saved")
            except BaseException as error:  # noqa: BLE001 - reported below
                saved.append(error)

        saving = threading.Thread(target=save)
        saving.start()
        presence = Presence(store)
        # The lock is someone else's: the heartbeat neither waits for it nor raises; it
        # skips this beat, so it can never be queued in front of the waiting save.
        assert presence.announce(Spot("intake", "participant", 1, "Ana Lopez", editing=True)) is False
        assert presence.skipped == 1 and presence.writes == 0
        assert saving.is_alive() and saved == []
        assert locker.stdin is not None
        locker.stdin.write("go\n")
        locker.stdin.flush()
        saving.join(timeout=60)
        assert saved == ["saved"]
        assert store.scalar("SELECT job_title FROM participants") == "Actuary"
        assert presence.heartbeat() is True  # the next beat writes
    finally:
        locker.kill()
        locker.wait(timeout=30)


# -- what changed: presence only, or data ------------------------------------------------------


def test_the_watcher_tells_a_presence_commit_from_a_data_commit(programme: Programme, db_path: Path) -> None:
    watcher = ChangeWatcher(db_path)
    try:
        assert watcher.changes() == NOTHING
        Presence(programme.store).announce(Spot("roster"))
        assert watcher.changes() == {PRESENCE}
        with programme.store.write() as writer:
            writer.insert(Participant(name="Ana Lopez", role="mentor"))
        assert watcher.changes() == {DATA}
        with programme.store.write():
            pass  # a write that changed nothing is no news
        assert watcher.changes() == NOTHING
        with sqlite3.connect(db_path) as conn:  # another tool, which stamps nothing: data, to be safe
            conn.execute("UPDATE participants SET job_title = 'Actuary'")
        assert watcher.changes() == {DATA}
    finally:
        watcher.close()


# -- the header --------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [200, 80, 62, 44, 28, 20, 12, 8, 3])
def test_the_header_fits_its_room(width: int) -> None:
    others = [_entry("alice", "timeline", "pair 14", "pair", 14), _entry("bob", "intake")]
    text = fit_header("programme.db", "coordinator", False, "14:02:03", others, width)
    assert len(text) <= width
    assert "+2" in text or "2 others here" in text  # the others are the last thing to go


def test_the_header_shortens_the_others_as_the_room_shrinks() -> None:
    others = [_entry("alice", "timeline", "pair 14", "pair", 14), _entry("bob", "intake")]
    assert fit_header("p.db", "me", False, "14:02:03", others, 200) == (
        "p.db · me · live, changed 14:02:03 · 2 others here: alice (pair 14 · timeline), bob (intake)"
    )
    assert fit_header("p.db", "me", False, "14:02:03", others, 40) == "me · changed 14:02 · +2 here: alice, bob"
    assert fit_header("p.db", "me", False, None, others, 31) == "me · live · +2 here: alice, bob"
    assert fit_header("p.db", "me", False, None, others, 30) == "live · +2 here: alice, bob"
    assert who_is_here(others, 17) == "+2 here: alice, …"
    assert who_is_here(others, 16) == "+2 here"
    assert who_is_here(others, 6) == ""
    assert fit_header("p.db", "me", False, None, [], 80) == "p.db · me · live"
    # Another window of this same coordinator is "you".
    assert who_is_here([_entry("me", "audit")], 80, me="me") == "1 other here: you (audit)"


def test_the_editing_notice_names_who_edits_the_record_and_since_when() -> None:
    others = [_entry("alice", "intake", "Cécile Martin", "participant", 7, editing=True, started=60.0),
              _entry("bob", "profile", "Cécile Martin", "participant", 7)]
    found = editing(others, "participant", 7)
    assert [e.actor for e in found] == ["alice"]
    assert editing(others, "participant", 8) == [] and editing(others, None, None) == []
    assert editing_notice(found, lambda instant: f"t{instant:g}") == (
        "alice is editing Cécile Martin since t60 — your save will be checked against theirs."
    )


async def test_the_header_shows_another_coordinator_without_refreshing_the_screen(
    programme: Programme, db_path: Path, notes
) -> None:
    app = RmtuiApp(programme, start="audit")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await settled(pilot)
        generation = app.data_generation
        alice = _other_app(db_path, "alice", "timeline", "pair", "14", "pair_14", beat=0.1)
        try:
            for _ in range(600):  # a poll (0.15 s) notices her first commit
                await pilot.pause(0.02)
                if "alice" in app.sub_title:
                    break
            assert "+1 here: alice" in app.sub_title or "1 other here: alice (pair 14 · timeline)" in app.sub_title
            assert app.who_is_here_lines()[0].startswith("alice: pair 14 · timeline (since ")
            await pilot.press("U")
            assert notes.shown[-1].title == "Who is here (1 other)"
            assert notes.shown[-1].message.startswith("alice: pair 14 · timeline (since ")
            header = app.screen.query_one("Header")
            assert header.tooltip is not None and "alice: pair 14 · timeline" in str(header.tooltip)
            # Her heartbeats change only presence: no screen re-read its data.
            await pilot.pause(0.5)
            assert app.data_generation == generation
            assert _tell(alice, "leave") == "left"
            for _ in range(600):
                await pilot.pause(0.02)
                if "alice" not in app.sub_title:
                    break
            assert "here" not in app.sub_title
            assert app.data_generation == generation
        finally:
            alice.kill()
            alice.wait(timeout=30)


async def test_a_person_someone_else_edits_says_so_before_you_type(programme: Programme, db_path: Path) -> None:
    with programme.store.write() as writer:
        person = writer.insert(Participant(name="Cécile Martin", role="mentee"))
    alice = _other_app(db_path, "alice", "intake", "participant", str(person.id), "Cécile_Martin", "editing")
    try:
        app = RmtuiApp(programme, start="roster")
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            wait_until(lambda: bool(Presence(programme.store).others()), what="alice's entry", processes=[alice])
            app.read_presence()
            await settled(pilot)
            from rmtui.screens.intake import IntakeScreen

            app.push_screen(IntakeScreen(person.id))
            screen = await settled(pilot)
            notice = screen.query_one("#presence-notice")
            assert notice.display
            assert str(notice.render()).startswith("alice is editing Cécile Martin since ")
            assert "your save will be checked against theirs" in str(notice.render())
            # And this app tells the others it edits her too (once the spot held for a check).
            mine = ("coordinator", "intake", person.id, 1)
            for _ in range(300):
                await pilot.pause(0.02)
                if mine in _spots(db_path):
                    break
            assert mine in _spots(db_path)
    finally:
        alice.kill()
        alice.wait(timeout=30)


async def test_a_closed_app_takes_its_row_away(programme: Programme, db_path: Path) -> None:
    app = RmtuiApp(programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        for _ in range(300):  # the first spot is announced after the debounce
            await pilot.pause(0.02)
            if _rows(db_path):
                break
        assert _rows(db_path) == [("coordinator", os.getpid(), "roster")]
    assert _rows(db_path) == []


async def test_names_in_presence_are_shown_literally(programme: Programme, db_path: Path) -> None:
    with programme.store.write() as writer:
        pair_person = writer.insert(Participant(name="Ana Lopez", role="mentor"))
    alice = _other_app(db_path, "alice", "profile", "participant", str(pair_person.id), "[b]Zoë[/b]", "editing")
    try:
        app = RmtuiApp(programme, start="audit")
        async with app.run_test(size=(200, 24)) as pilot:
            await settled(pilot)
            title = app.screen.query_one("HeaderTitle")
            for _ in range(600):  # (the title is painted from the sub-title a frame later: CI saw it between)
                await pilot.pause(0.02)
                if "alice" in app.sub_title and "[b]Zoë[/b]" in str(title.render()):
                    break
            assert "alice (editing [b]Zoë[/b] · profile)" in app.sub_title
            header = app.screen.query_one("Header")
            assert "editing [b]Zoë[/b] · profile" in str(header.tooltip)
            assert "[b]Zoë[/b]" in str(title.render())
    finally:
        alice.kill()
        alice.wait(timeout=30)


async def test_the_header_refits_when_the_terminal_is_resized(programme: Programme) -> None:
    app = RmtuiApp(programme, start="leaderboard")  # "Leaderboard — Reverse mentoring": 28 columns left
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert app.sub_title == "coordinator · live"  # "programme.db · coordinator · live" was cut here
        await pilot.resize_terminal(160, 40)
        await settled(pilot)
        assert app.sub_title == "programme.db · coordinator · live"
        await pilot.resize_terminal(80, 24)
        await settled(pilot)
        assert app.sub_title == "coordinator · live"
