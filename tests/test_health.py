"""Programme health: each metric's definition as a table, the whole programme and per wave on a
real database, and the dashboard screen (targets marked, chart, wave switch); snapshots."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import settled
from textual.widgets import Sparkline

from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.db import Feedback, Pair, Participant, Session, Wave
from rmtui.health import (
    completion,
    drop_out,
    goal_achievement,
    match_satisfaction,
    programme_health,
    programme_satisfaction,
    rematch,
    sessions_per_week,
    weekly_held,
)
from rmtui.programme import Programme
from rmtui.schedule import write_pair_plan
from rmtui.screens.dashboard import DashboardScreen

TODAY = dt.date(2026, 11, 20)


def pair(pair_id: int, status: str, mentee: int | None = None, started: str | None = "2026-01-05", wave: int = 1, planned: int = 7) -> tuple:
    """A pair as health reads it: (id, wave_id, mentee_id, status, started_on, sessions_planned)."""
    return (pair_id, wave, mentee if mentee is not None else 100 + pair_id, status, started, planned)


# -- drop-out: closed early / started; target ≤ 15% ---------------------------------------

@pytest.mark.parametrize(
    ("statuses", "value", "met"),
    [
        (["completed"] * 17 + ["closed_early"] * 3, 0.15, True),  # 15% is within the target
        (["completed"] * 16 + ["closed_early"] * 4, 0.20, False),
        (["active", "paused", "completed", "closed_early"], 0.25, False),
        (["proposed", "proposed", "active"], 0.0, True),  # proposals have not started
        (["proposed"], None, None),  # nothing started: no data yet
    ],
)
def test_drop_out_rate(statuses: list[str], value: float | None, met: bool | None) -> None:
    metric = drop_out([pair(n, s) for n, s in enumerate(statuses, start=1)])
    assert metric.value == (pytest.approx(value) if value is not None else None)
    assert metric.met is met


# -- completion: finished mentees with ≥ 5 of 7 held / finished mentees; target ≥ 70% ------

@pytest.mark.parametrize(
    ("pairs", "held", "done", "finished", "met"),
    [
        # completed with 5, 7 and 4 held: two of three made it
        ([pair(1, "completed"), pair(2, "completed"), pair(3, "completed")], {1: 5, 2: 7, 3: 4}, 2, 3, False),
        # closed early with 2 held counts as finished and not completed
        ([pair(1, "completed"), pair(2, "closed_early")], {1: 6, 2: 2}, 1, 2, False),
        # still active: not finished, not counted
        ([pair(1, "completed"), pair(2, "active")], {1: 5, 2: 1}, 1, 1, True),
        # a re-matched mentee keeps what they held: 2 in the first pair + 3 in the second
        ([pair(1, "closed_early", mentee=9), pair(2, "completed", mentee=9)], {1: 2, 2: 3}, 1, 1, True),
        # a re-matched mentee whose second pair runs is not finished yet
        ([pair(1, "closed_early", mentee=9), pair(2, "active", mentee=9)], {1: 2, 2: 3}, 0, 0, None),
        # a wave of six sessions: the bar is ⌈5/7 × 6⌉ = 5
        ([pair(1, "completed", planned=6), pair(2, "completed", planned=6)], {1: 5, 2: 4}, 1, 2, False),
        # seven of ten finished mentees: exactly the target
        ([pair(n, "completed") for n in range(10)], {n: 5 if n < 7 else 3 for n in range(10)}, 7, 10, True),
    ],
)
def test_completion(pairs: list[tuple], held: dict[int, int], done: int, finished: int, met: bool | None) -> None:
    metric = completion(pairs, held)
    assert (metric.numerator, metric.denominator, metric.met) == (done, finished, met)


# -- re-match: started pairs whose mentee had an earlier pair closed early / started; ≤ 10% --

@pytest.mark.parametrize(
    ("pairs", "wave", "rematches", "started"),
    [
        ([pair(1, "closed_early", mentee=9, started="2026-01-05"), pair(2, "active", mentee=9, started="2026-03-02")], None, 1, 2),
        # the closed pair started later: the active one is not a re-match
        ([pair(1, "active", mentee=9, started="2026-01-05"), pair(2, "closed_early", mentee=9, started="2026-03-02")], None, 0, 2),
        # a second mentee of the same mentor is not a re-match (different mentees)
        ([pair(1, "completed"), pair(2, "active")], None, 0, 2),
        # per wave: the re-match is in wave 2, the closed pair in wave 1
        ([pair(1, "closed_early", mentee=9, wave=1), pair(2, "active", mentee=9, wave=2, started="2026-06-01"),
          pair(3, "active", wave=2)], 2, 1, 2),
        ([pair(1, "closed_early", mentee=9, wave=1), pair(2, "active", mentee=9, wave=2, started="2026-06-01")], 1, 0, 1),
    ],
)
def test_rematch_rate(pairs: list[tuple], wave: int | None, rematches: int, started: int) -> None:
    metric = rematch(pairs, wave)
    assert (metric.numerator, metric.denominator) == (rematches, started)


# -- surveys: (pair_id, kind, respondent, rating, goal_achieved) ------------------------------

FEEDBACK = [  # (kind, respondent, rating, goal_achieved, how many answered so)
    ("pre", "mentee", 2, None, 1),
    ("mid", "mentee", 5, None, 1),
    ("mid", "mentor", 4, None, 1),
    ("mid", "mentee", 3, None, 1),
    ("mid", "mentor", None, None, 1),  # answered without a rating: not counted
    ("post", "mentee", 5, 1, 1),
    ("post", "mentor", 2, None, 1),  # mentors' post ratings are not programme satisfaction
    ("post", "mentee", 3, 0, 1),
    ("post", "mentee", 4, None, 1),
    ("close", "mentee", 2, 0, 1),
    ("close", "mentee", 3, 1, 1),
]


@pytest.mark.parametrize(
    ("measure", "good", "rated", "met"),
    [
        # mid-point answers of both sides rating 4-5: 2 of 3 (≥ 80% wanted)
        (match_satisfaction, 2, 3, False),
        # mentees' post and close answers saying the goal was achieved: 2 of 4 (> 50% wanted)
        (goal_achievement, 2, 4, False),
        # mentees' post ratings of 4-5: 2 of 3 (≥ 80% wanted)
        (programme_satisfaction, 2, 3, False),
    ],
)
def test_survey_metrics(measure, good: int, rated: int, met: bool) -> None:
    metric = measure(FEEDBACK)
    assert (metric.numerator, metric.denominator, metric.met) == (good, rated, met)


def test_survey_targets_at_the_edge() -> None:
    five = [("post", "mentee", 4, 1, 3), ("post", "mentee", 4, 0, 1), ("post", "mentee", 3, 0, 1)]
    assert programme_satisfaction(five).met is True  # 4 of 5 = 80%
    assert goal_achievement(five).met is True  # 3 of 5 > 50%
    assert goal_achievement([("post", "mentee", 4, 1, 3), ("close", "mentee", 2, 0, 3)]).met is False  # 3 of 6 is not most
    assert match_satisfaction([]).value is None and match_satisfaction([]).shown() == "no data yet"


def test_weekly_held_counts_whole_weeks_back_from_yesterday() -> None:
    days = [("2026-11-19", 1), ("2026-11-13", 2), ("2026-11-12", 1), ("2026-11-20", 5), ("2026-05-01", 1), ("2026-11-06", 1)]
    # 19 Nov and 13 Nov fall in the last week (13-19 Nov); 12 and 6 Nov in the one before;
    # today's and May's are outside the four weeks charted.
    assert weekly_held(days, TODAY, weeks=4) == [0, 0, 2, 3]
    assert sessions_per_week([0, 0, 2, 3]).value == 1.25
    assert sessions_per_week([0, 0, 2, 3]).shown() == "1.2 a week"


# -- on a real database ---------------------------------------------------------------------

@pytest.fixture
def health_programme(programme: Programme) -> Programme:
    """Two waves: wave 1 done (3 completed, 1 closed early), wave 2 running with a re-match."""
    store = programme.store
    with store.write() as w:
        w.insert(Wave(name="Pilot", starts_on="2026-01-05"))
        w.insert(Wave(name="Wave 2", starts_on="2026-09-07"))
        people = [w.insert(Participant(name=f"P{n}", role="mentor" if n % 2 else "mentee", department=f"D{n % 3}")).id
                  for n in range(1, 15)]
        mentors, mentees = people[0::2], people[1::2]
        plan = [  # wave, mentor, mentee, status, started
            (1, 0, 0, "completed", "2026-01-05"), (1, 1, 1, "completed", "2026-01-05"),
            (1, 2, 2, "completed", "2026-01-05"), (1, 3, 3, "closed_early", "2026-01-05"),
            (2, 4, 4, "active", "2026-09-07"), (2, 5, 5, "closed_early", "2026-09-07"),
            (2, 6, 5, "active", "2026-10-12"),
        ]
        for wave, mentor, mentee, status, started in plan:
            w.insert(Pair(wave_id=wave, mentor_id=mentors[mentor], mentee_id=mentees[mentee], status=status, started_on=started))
        for pair_id in range(1, 8):
            write_pair_plan(w, pair_id)
        surveys = [(1, "post", "mentee", 5, 1), (2, "post", "mentee", 4, 1), (3, "post", "mentee", 2, 0),
                   (4, "close", "mentee", 2, 0), (5, "mid", "mentee", 5, None), (5, "mid", "mentor", 4, None)]
        for pair_id, kind, respondent, rating, goal in surveys:
            w.insert(Feedback(pair_id=pair_id, kind=kind, respondent=respondent, rating=rating,
                              goal_achieved=None if goal is None else bool(goal), submitted_on="2026-08-01"))
    held = {1: 7, 2: 5, 3: 4, 4: 2, 5: 3, 6: 1, 7: 1}
    with store.write() as w:
        for session in store.all(Session, order="pair_id, seq"):
            if session.seq <= held[session.pair_id] and session.due_on < TODAY.isoformat():
                w.update("sessions", session.id, session.version, {"status": "held", "held_on": session.due_on, "notes": "ok"})
    return programme


def _figures(health) -> dict[str, tuple[int, int, bool | None]]:
    return {m.key: (m.numerator, m.denominator, m.met) for m in health.metrics}


def test_programme_and_wave_health_on_a_real_database(health_programme: Programme) -> None:
    scopes = programme_health(health_programme.store, TODAY)
    assert [h.scope for h in scopes] == ["Whole programme", "Pilot", "Wave 2"]
    whole, pilot, wave2 = (_figures(h) for h in scopes)
    assert whole["drop_out"] == (2, 7, False)
    assert pilot["drop_out"] == (1, 4, False)
    assert wave2["drop_out"] == (1, 3, False)
    assert pilot["completion"] == (2, 4, False)  # 7 and 5 held made it; 4 and 2 did not
    assert wave2["completion"] == (0, 0, None)  # nobody in wave 2 has finished
    assert whole["rematch"] == (1, 7, False) and wave2["rematch"] == (1, 3, False) and pilot["rematch"] == (0, 4, True)
    assert pilot["programme_satisfaction"] == (2, 3, False)
    assert pilot["goal_achievement"] == (2, 4, False)
    assert wave2["match_satisfaction"] == (2, 2, True)
    # wave 2's pairs 5 and 7 are active; pair 5 held 3 of 4 due (4th due 9 Nov), pair 7 held 1 of 2
    assert scopes[2].metric("overdue").numerator == 2
    assert scopes[0].metric("overdue").numerator == 2
    assert len(scopes[0].held_per_week) == 26 and sum(scopes[2].held_per_week) == 5


# -- the dashboard ---------------------------------------------------------------------------

async def test_dashboard_marks_targets_and_switches_waves(health_programme: Programme) -> None:
    app = RmtuiApp(health_programme, start="dashboard")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, DashboardScreen)
        scope = str(screen.query_one("#scope").render())
        assert scope.startswith("Whole programme") and "1 target met" in scope and "missed" in scope
        assert screen.query_one("#chart", Sparkline).data == [float(n) for n in screen.scopes[0].held_per_week]
        await pilot.press("w")
        assert str(screen.query_one("#scope").render()).startswith("Pilot")
        await pilot.press("w", "w")
        assert str(screen.query_one("#scope").render()).startswith("Whole programme")
        # A change elsewhere: the dashboard re-reads and stays on its wave.
        await pilot.press("w", "w")
        store = health_programme.store
        session = store.all(Session, "pair_id = 7 AND status = 'planned'", order="seq")[0]
        with store.write() as w:
            w.update("sessions", session.id, session.version, {"status": "held", "held_on": "2026-11-19"})
        screen.refresh_data()
        screen = await settled(pilot)
        assert str(screen.query_one("#scope").render()).startswith("Wave 2")
        assert screen.scopes[2].metric("overdue").numerator == 1


def _demo_app(tmp_path: Path) -> RmtuiApp:
    from rmtui.demo import build_demo

    programme = Programme.open(tmp_path / "programme.db", FixedClock.on("2026-11-20"), actor="coordinator")
    build_demo(programme.store, people=60, seed=7, today=programme.today())
    return RmtuiApp(programme, start="dashboard")


def _run_before(*keys: str):
    async def run_before(pilot) -> None:
        await settled(pilot)
        if keys:
            await pilot.press(*keys)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_dashboard(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_demo_app(tmp_path), terminal_size=size, run_before=_run_before())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_dashboard_wave(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(_demo_app(tmp_path), terminal_size=size, run_before=_run_before("w"))
