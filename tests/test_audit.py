"""The audit: filters (person, pair, coordinator, day), the command, the screen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import settled

from rmtui.app import RmtuiApp
from rmtui.audit_log import AuditFilter, audit_count, audit_entries, describe_change, parse_filter
from rmtui.db import AuditEntry, Pair, Participant, Session, Store, Wave
from rmtui.programme import Programme
from rmtui.screens.audit import AuditDetailScreen


def at(instant: str):
    return lambda: instant


@pytest.fixture
def history(db_path: Path, programme: Programme) -> Programme:
    """Two coordinators' edits over three days (Europe/London; the 18th ends at 00:00 UTC)."""
    store = programme.store
    with Store(db_path, actor="alice", now=at("2026-11-18T10:00:00Z")) as alice:
        with alice.write() as w:
            w.set_setting("timezone", "Europe/London")
            ann = w.insert(Participant(name="Ann Lee", role="mentor", level=2))
            bo = w.insert(Participant(name="Bo Chen", role="mentee", level=7))
            cy = w.insert(Participant(name="Cy [bold]Ray[/bold]", role="mentee", level=6))
            wave = w.insert(Wave(name="Pilot", starts_on="2026-09-01"))
            pair = w.insert(Pair(wave_id=wave.id, mentor_id=ann.id, mentee_id=bo.id))
            session = w.insert(Session(pair_id=pair.id, seq=1, due_on="2026-09-01"))
    with Store(db_path, actor="bob", now=at("2026-11-19T23:30:00Z")) as bob:  # the 19th in London
        with bob.write() as w:
            w.update("participants", ann.id, 1, {"job_title": "Analyst"})
            w.update("sessions", session.id, 1, {"status": "held", "held_on": "2026-09-02"})
    with Store(db_path, actor="alice", now=at("2026-11-20T08:15:00Z")) as alice:
        with alice.write() as w:
            w.update("participants", cy.id, 1, {"level": 5})
            w.update("pairs", pair.id, 1, {"status": "active"})
    programme.ids = {"ann": ann.id, "bo": bo.id, "cy": cy.id, "pair": pair.id, "session": session.id}  # type: ignore[attr-defined]
    assert store.scalar("SELECT count(*) FROM audit") == 11
    return programme


def test_person_filter_takes_their_row_pairs_and_sessions(history: Programme) -> None:
    ids = history.ids  # type: ignore[attr-defined]
    found = audit_entries(history.store, AuditFilter(people=(ids["ann"],)))
    assert [(e.entity, e.action) for e in found] == [
        ("pairs", "update"),
        ("sessions", "update"),
        ("participants", "update"),
        ("sessions", "create"),
        ("pairs", "create"),
        ("participants", "create"),
    ]


def test_pair_filter_takes_the_pair_and_its_sessions(history: Programme) -> None:
    ids = history.ids  # type: ignore[attr-defined]
    found = audit_entries(history.store, AuditFilter(pair=ids["pair"]))
    assert {(e.entity, e.entity_id) for e in found} == {("pairs", ids["pair"]), ("sessions", ids["session"])}


def test_coordinator_filter(history: Programme) -> None:
    assert {e.actor for e in audit_entries(history.store, AuditFilter(actor="bob"))} == {"bob"}
    assert audit_count(history.store, AuditFilter(actor="bob")) == 2


def test_days_are_the_programmes_days_not_utc(history: Programme) -> None:
    # 23:30 UTC on the 19th is still the 19th in London in November, but the 20th in Tokyo.
    on_19th = audit_entries(history.store, AuditFilter(since="2026-11-19", until="2026-11-19"), tz="Europe/London")
    assert {e.actor for e in on_19th} == {"bob"} and len(on_19th) == 2
    london_20th = audit_entries(history.store, AuditFilter(since="2026-11-20", until="2026-11-20"), tz="Europe/London")
    assert len(london_20th) == 2
    tokyo_20th = audit_entries(history.store, AuditFilter(since="2026-11-20", until="2026-11-20"), tz="Asia/Tokyo")
    assert len(tokyo_20th) == 4 and {e.actor for e in tokyo_20th} == {"alice", "bob"}


def test_typed_filter_understands_names_and_reports_what_it_does_not(history: Programme) -> None:
    flt = parse_filter(history.store, "person:chen by:alice day:2026-11-20 colour:red")
    assert flt.people == (history.ids["bo"],)  # type: ignore[attr-defined]
    assert flt.actor == "alice" and flt.since == flt.until == "2026-11-20"
    assert flt.problems == ("unknown filter colour:",)
    assert parse_filter(history.store, "day:2026-13-45").problems == ("day: takes a day like 2026-11-20",)


def test_a_change_reads_before_to_after(history: Programme) -> None:
    latest = audit_entries(history.store, AuditFilter(entity="participants", entity_id=history.ids["cy"]))  # type: ignore[attr-defined]
    assert describe_change(latest[0]) == "Level: 6 → 5"
    assert describe_change(latest[1]) == "new: Cy [bold]Ray[/bold]"


def test_audit_command_prints_filtered_changes(history: Programme, db_path: Path) -> None:
    history.store.close()
    result = subprocess.run(
        [sys.executable, "-m", "rmtui", "--db", str(db_path), "audit", "--by", "bob", "--since", "2026-11-19"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("2026-11-19 23:30  bob") and "Status: planned → held" in lines[0]
    assert "Job title: “” → Analyst" in lines[1]


def test_audit_command_refuses_an_unknown_entity_in_one_line(history: Programme, db_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rmtui", "--db", str(db_path), "audit", "--entity", "spaceship"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1 and "spaceship" in result.stderr and "Traceback" not in result.stderr


async def test_audit_screen_filters_as_you_type_and_opens_a_change(history: Programme) -> None:
    app = RmtuiApp(history, start="audit")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert screen.view.total == 11
        await pilot.press("slash", *"by:bob")
        await settled(pilot)
        assert screen.view.total == 2
        await pilot.press("enter", "enter")
        await settled(pilot)
        assert isinstance(app.screen, AuditDetailScreen)
        assert app.screen.entry.actor == "bob"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


def test_audit_screen_snapshot(snap_compare, history: Programme) -> None:
    app = RmtuiApp(history, start="audit")

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)


def test_audit_detail_snapshot(snap_compare, history: Programme) -> None:
    app = RmtuiApp(history, start="audit")

    async def open_first(pilot) -> None:
        await settled(pilot)
        await pilot.press("down", "down", "enter")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_first)


def test_audit_screen_snapshot_wide_filtered_to_a_person(snap_compare, history: Programme) -> None:
    app = RmtuiApp(history, start="audit")

    async def filter_ann(pilot) -> None:
        await settled(pilot)
        await pilot.press("slash", *"person:ann")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=filter_ann)


def test_one_coordinators_changes_and_their_count_come_from_an_index(history: Programme) -> None:
    from rmtui.audit_log import _where

    where, params = _where(AuditFilter(actor="alice"), "UTC")
    plans = [
        " ".join(row[3] for row in history.store.query_tuples(f"EXPLAIN QUERY PLAN {sql}", params))
        for sql in (f"SELECT * FROM audit WHERE {where} ORDER BY id DESC LIMIT 50",
                    f"SELECT count(*) FROM audit WHERE {where}")
    ]
    assert all("audit_actor" in plan and "TEMP B-TREE" not in plan for plan in plans), plans


def _audit_lines(db_path: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "rmtui", "--db", str(db_path), "audit"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_a_reused_coordinator_id_keeps_each_audit_row_named_as_it_was(db_path: Path, programme: Programme) -> None:
    import os
    import pwd

    from rmtui.coordinators import add_coordinator, remove_coordinator

    me = pwd.getpwuid(os.geteuid()).pw_name  # the CLI below runs as this user: make them admin
    with Store(db_path, actor=me) as admin:
        with admin.write() as w:
            w.execute("INSERT OR IGNORE INTO coordinators (os_user, role, added_at) VALUES (?, 'admin', 'x')", (me,))
        add_coordinator(admin, "alice", "coordinator")
        alice_id = admin.scalar("SELECT id FROM coordinators WHERE os_user = 'alice'")
        remove_coordinator(admin, "alice")
        add_coordinator(admin, "bob", "viewer")
        assert admin.scalar("SELECT id FROM coordinators WHERE os_user = 'bob'") == alice_id  # SQLite reused it
    programme.store.close()
    lines = [line for line in _audit_lines(db_path) if "coordinator" in line]
    assert "create  coordinator bob: new: bob" in lines[0]
    assert "delete  coordinator alice: removed: alice" in lines[1]
    assert "create  coordinator alice: new: alice" in lines[2]
    assert not any("bob" in line and "alice" in line for line in lines)


async def test_a_withdrawn_pair_keeps_its_names_on_the_audit_screen_after_its_id_is_reused(
    db_path: Path, programme: Programme
) -> None:
    from rmtui.pairing import withdraw_proposal

    with programme.store.write() as w:
        ann = w.insert(Participant(name="Ann Lee", role="mentor", level=2))
        bo = w.insert(Participant(name="Bo Chen", role="mentee", level=7))
        cy = w.insert(Participant(name="Cy Ray", role="mentee", level=6))
        wave = w.insert(Wave(name="Pilot", starts_on="2026-09-01"))
        first = w.insert(Pair(wave_id=wave.id, mentor_id=ann.id, mentee_id=bo.id))
    withdraw_proposal(programme, first.id, 1)
    with programme.store.write() as w:
        second = w.insert(Pair(wave_id=wave.id, mentor_id=ann.id, mentee_id=cy.id))
    assert second.id == first.id  # the id was reused
    app = RmtuiApp(programme, start="audit")
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        view = app.screen.view
        named = [(e.action, view.label(e)) for e in view.entries if e.entity == "pairs"]
    assert named == [
        ("create", "pair Ann Lee & Cy Ray"),
        ("withdraw", "pair Ann Lee & Bo Chen"),
        ("create", "pair Ann Lee & Bo Chen"),
    ]


def test_the_label_migration_applies_to_a_database_with_audit_rows(tmp_path: Path) -> None:
    from rmtui.db.schema import MIGRATIONS
    from rmtui.db.sqlite import sqlite3
    from rmtui.db.store import _split_statements

    labels = next(n for n, script in enumerate(MIGRATIONS) if "ADD COLUMN label" in script)
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number in range(labels):
        for statement in _split_statements(MIGRATIONS[number]):
            conn.execute(statement)
    conn.execute(
        "INSERT INTO audit (at, actor, entity, entity_id, action, before, after) VALUES "
        "('2026-01-01T00:00:00Z', 'root', 'coordinators', 2, 'delete', '{\"os_user\": \"alice\"}', NULL), "
        "('2026-01-01T00:00:00Z', 'root', 'settings', NULL, 'set', NULL, '{\"timezone\": \"UTC\"}')"
    )
    conn.execute(f"PRAGMA user_version = {labels}")
    conn.close()
    with Store(path, actor="root") as store:
        assert store.query_tuples("SELECT label FROM audit ORDER BY id") == [("coordinator alice",), (None,)]


def test_changes_read_in_words_not_field_names() -> None:
    """Labels, yes/no, the timeline's status words, planned days: what a coordinator reads."""
    def entry(action: str, before, after, entity: str = "sessions") -> AuditEntry:
        return AuditEntry(at="2026-11-20T09:00:00Z", actor="alice", entity=entity, entity_id=3, action=action,
                          before=before, after=after)

    assert describe_change(entry("update", {"follow_up_sent": 0}, {"follow_up_sent": 1})) == "Follow-up sent: no → yes"
    assert describe_change(entry("update", {"consent_share": True}, {"consent_share": False}, "participants")) == (
        "Consent to share: yes → no"
    )
    assert describe_change(entry("update", {"status": "planned", "scheduled_at": None},
                                 {"status": "scheduled", "scheduled_at": "2026-12-01T14:00:00Z"})) == (
        "Status: planned → booked; Booked for: — → 2026-12-01T14:00:00Z"
    )
    assert describe_change(entry("plan sessions", None, {"sessions": [[1, "2026-12-01"], [2, "2026-12-22"]]}, "pairs")) == (
        "Plan sessions: 1 on 2026-12-01, 2 on 2026-12-22"
    )
    assert describe_change(entry("withdraw", None, {"reason": "moved"}, "participants")) == "Withdraw · Reason: moved"
    assert describe_change(entry("update", {"manager_id": None}, {"manager_id": 4}, "participants")) == "Manager: — → #4"
    assert describe_change(entry("update", {"status": "active"}, {"status": "closed_early"}, "pairs")) == (
        "Status: active → closed early"
    )
