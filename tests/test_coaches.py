"""Issue 11 item 6: HR coaches, their workload, balanced wave assignment, the coach commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import settled
from lifecycle_data import build

from rmtui.cli import cli
from rmtui.coaches import CoachError, add_coach, assign_coach, assign_wave, resolve_coach, workloads
from rmtui.db import SCHEMA_VERSION, Pair, Store
from rmtui.db.schema import MIGRATIONS
from rmtui.db.sqlite import sqlite3
from rmtui.programme import Programme


def going(programme: Programme) -> dict[str, int]:
    return {w.coach.name: w.going for w in workloads(programme.store)}


def test_balanced_wave_assignment_accounts_for_current_load(programme: Programme) -> None:
    for name in ("Ana", "Bo", "Cy"):
        add_coach(programme.store, name)
    old = build(programme, pairs=3, wave_name="Old wave")
    for pair_id in old:  # Ana already coaches three pairs
        assign_coach(programme.store, pair_id, resolve_coach(programme.store, "ana").id)
    build(programme, pairs=7, wave_name="New wave")
    given = assign_wave(programme.store, 2)
    # 3 + 7 = 10 pairs over three coaches: 4/3/3 at best, Ana already has 3 so gets at most 1.
    assert given == {"Ana": 1, "Bo": 3, "Cy": 3}
    loads = going(programme)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert sum(loads.values()) == 10
    assert programme.store.scalar("SELECT count(*) FROM pairs WHERE coach_id IS NULL") == 0
    # The name column readers use is kept in step.
    assert all(p.coach for p in programme.store.all(Pair))
    assert assign_wave(programme.store, 2) == {}  # nothing left without a coach


def test_uneven_load_that_a_small_wave_cannot_even_out_goes_to_the_least_loaded(programme: Programme) -> None:
    for name in ("Ana", "Bo"):
        add_coach(programme.store, name)
    for pair_id in build(programme, pairs=4, wave_name="Old"):
        assign_coach(programme.store, pair_id, 1)
    build(programme, pairs=2, wave_name="New")
    assert assign_wave(programme.store, 2) == {"Bo": 2}
    assert going(programme) == {"Ana": 4, "Bo": 2}


def test_add_coach_refuses_duplicates_and_bad_emails(programme: Programme) -> None:
    add_coach(programme.store, "Priya Raman", "priya@example.com")
    with pytest.raises(CoachError, match="already a coach called"):
        add_coach(programme.store, "priya raman")
    with pytest.raises(CoachError, match="already has the email"):
        add_coach(programme.store, "Other", "PRIYA@example.com")
    with pytest.raises(CoachError):
        add_coach(programme.store, "Third", "not-an-email")
    with pytest.raises(CoachError, match="needs a name"):
        add_coach(programme.store, "  ")
    with pytest.raises(CoachError, match="the coaches are: Priya Raman"):
        resolve_coach(programme.store, "Nobody")


def test_renaming_a_coach_renames_it_on_their_pairs(programme: Programme) -> None:
    coach = add_coach(programme.store, "Tom")
    first, _ = build(programme)
    assign_coach(programme.store, first, coach.id)
    with programme.store.write() as w:
        w.update("coaches", coach.id, coach.version, {"name": "Tom Okafor"})
    assert programme.store.get(Pair, first).coach == "Tom Okafor"


def test_migration_turns_coach_texts_into_coaches(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    mine = next(i for i, m in enumerate(MIGRATIONS) if "CREATE TABLE coaches" in m)
    for script in MIGRATIONS[:mine]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {mine}")
    conn.execute("INSERT INTO waves (name, starts_on) VALUES ('W', '2026-01-05')")
    for n, coach in enumerate(("Priya (HR)", "Tom", "priya (HR) ", "", "Tom")):
        conn.execute("INSERT INTO participants (name, role, created_at, updated_at) VALUES (?, 'mentor', 'x', 'x')", (f"a{n}",))
        conn.execute("INSERT INTO participants (name, role, created_at, updated_at) VALUES (?, 'mentee', 'x', 'x')", (f"b{n}",))
        conn.execute(
            "INSERT INTO pairs (wave_id, mentor_id, mentee_id, coach, created_at, updated_at) VALUES (1, ?, ?, ?, 'x', 'x')",
            (2 * n + 1, 2 * n + 2, coach),
        )
    conn.commit()
    conn.close()
    with Store(path, actor="tester") as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.query_tuples("SELECT id, name FROM coaches ORDER BY id") == [(1, "Priya (HR)"), (2, "Tom")]
        assert store.query_tuples("SELECT coach_id, coach FROM pairs ORDER BY id") == [
            (1, "Priya (HR)"), (2, "Tom"), (1, "Priya (HR)"), (None, ""), (2, "Tom"),
        ]


def test_coach_commands(programme: Programme, db_path: Path) -> None:
    build(programme, pairs=3)
    programme.close()
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--db", str(db_path), "--today", "2026-11-20", *args])

    assert run("coach", "add", "Ana Silva", "--email", "ana@example.com").exit_code == 0
    assert run("coach", "add", "Bo Li").exit_code == 0
    refused = run("coach", "add", "ana silva")
    assert refused.exit_code != 0 and "already a coach called Ana Silva" in refused.output
    assigned = run("coach", "assign", "--wave", "wave 1")
    assert assigned.exit_code == 0, assigned.output
    assert "Ana Silva: 2 pairs" in assigned.output and "Bo Li: 1 pair" in assigned.output
    by_id = run("coach", "assign", "--wave", "1")
    assert by_id.exit_code == 0 and "already" in by_id.output
    unknown = run("coach", "assign", "--wave", "Wave 9")
    assert unknown.exit_code != 0 and "the waves are: Wave 1 (#1)" in unknown.output
    moved = run("coach", "assign", "--pair", "1", "bo li")
    assert moved.exit_code == 0, moved.output
    listed = run("coach", "list")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert "Ana Silva" in lines[0] and "1 active" in lines[0] and "<ana@example.com>" in lines[0]
    assert "Bo Li" in lines[1] and "2 active" in lines[1]
    assert run("coach", "assign", "--pair", "1").exit_code != 0


async def test_the_coaches_screen_adds_coaches_and_assigns_a_wave(programme: Programme) -> None:
    from textual.widgets import Input

    from rmtui.app import RmtuiApp
    from rmtui.screens.coaches import CoachesScreen, parse_coach
    from rmtui.widgets.virtual_table import VirtualTable

    assert parse_coach("Priya Raman, priya@example.com") == ("Priya Raman", "priya@example.com")
    assert parse_coach("Tom <tom@example.com>") == ("Tom", "tom@example.com")
    assert parse_coach("Smith, Jo") == ("Smith, Jo", None)
    build(programme, pairs=3)
    app = RmtuiApp(programme, start="timeline")

    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert "Coaches and their workload" in [c.title for c in app.get_system_commands(app.screen)]
        app.action_show_coaches()
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, CoachesScreen)
        for line in ("Ana Silva, ana@example.com", "Bo Li"):
            await pilot.press("a")
            await pilot.pause()
            app.screen.query_one(Input).value = line
            await pilot.press("enter")
            await settled(pilot)
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one(Input).value = "wave 1"
        await pilot.press("enter")
        await settled(pilot)
        assert going(programme) == {"Ana Silva": 2, "Bo Li": 1}
        table = screen.query_one("#coaches", VirtualTable)
        assert len(table.source) == 2
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one(Input).value = "Wave 7"
        await pilot.press("enter")
        await settled(pilot)
        assert going(programme) == {"Ana Silva": 2, "Bo Li": 1}
        await pilot.press("escape")
        await settled(pilot)
        assert app.screen.__class__.__name__ == "TimelineScreen"


def _coaches_app(tmp_path: Path):
    from rmtui.app import RmtuiApp
    from rmtui.clock import FixedClock
    from rmtui.demo import build_demo

    programme = Programme.open(tmp_path / "programme.db", FixedClock.on("2026-11-20"), actor="coordinator")
    build_demo(programme.store, people=60, seed=7, today=programme.today())
    return RmtuiApp(programme, start="timeline")


async def _show_coaches(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    pilot.app.action_show_coaches()
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_coaches(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_coaches_app(tmp_path), terminal_size=size, run_before=_show_coaches)


def test_assigning_a_wave_with_no_pairs_yet_says_to_match_it_first(programme) -> None:
    from click.testing import CliRunner

    from rmtui.cli import cli
    from rmtui.waves import add_wave

    add_wave(programme, "Spring 2027", "2026-12-01")
    db = str(programme.store.path)
    assert CliRunner().invoke(cli, ["--db", db, "coach", "add", "Ana Silva"]).exit_code == 0
    result = CliRunner().invoke(cli, ["--db", db, "coach", "assign", "--wave", "Spring 2027"])
    assert "Spring 2027 has no pairs going yet; match the wave first" in result.output
