"""A whole programme run from an EMPTY database through the app's screens alone (issue 11).

Day one (20 Nov 2026): setup → HR import → wave → match → confirm all → coaches. Months
later (1 May 2027) the same database is opened again: sessions held, two pairs completed
early, survey answers recorded on the timeline → the dashboard's completion, satisfaction
and goals equal counts made by hand from what the test typed.

Keys are found through the screen's bindings by action, so the test presses the key a
coordinator would see for that verb (and fails if a verb has no key).
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from conftest import settled
from textual.widgets import Input

from rmtui.app import RmtuiApp
from rmtui.clock import FixedClock
from rmtui.db import Pair, Session
from rmtui.health import programme_health
from rmtui.programme import Programme

CSV = Path(__file__).parent / "data" / "csv" / "first_programme.csv"
SIZE = (100, 30)


async def act(pilot, action: str) -> None:
    """Press the key the current screen binds to ``action``."""
    keys = [key for key, active in pilot.app.active_bindings.items() if active.binding.action == action]
    assert keys, f"no key for {action} on {type(pilot.app.screen).__name__}"
    await pilot.press(keys[0])
    await settled(pilot)


async def answer(pilot, text: str) -> None:
    """Type ``text`` into the dialog's line and press Enter."""
    await pilot.pause()
    field = pilot.app.screen.query_one(Input)
    field.value = text
    await pilot.press("enter")
    await settled(pilot)


def screen_text(app: RmtuiApp) -> str:
    """Return what the terminal shows, as plain text (from the app's own screenshot)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def go(pilot, area: str) -> None:
    await pilot.app.run_action(f"go('{area}')")
    await settled(pilot)


async def test_a_whole_programme_cycle_through_the_screens(tmp_path: Path) -> None:
    db = tmp_path / "programme.db"
    people = tmp_path / "people.csv"
    shutil.copy(CSV, people)

    # -- day one --------------------------------------------------------------------------
    programme = Programme.open(db, FixedClock.on("2026-11-20"), actor="coordinator")
    from rmtui.programme_settings import first_screen

    app = RmtuiApp(programme, start=first_screen(programme.store, None))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.screen.sub_title == "Set up the programme"
        await pilot.press(*"Pilot", "enter")
        app.screen.query_one("#set-timezone", Input).value = ""
        await pilot.press(*"london", "enter")
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert app.title == "Pilot"

        await go(pilot, "intake")
        await act(pilot, "import_csv")
        await answer(pilot, str(people))
        await act(pilot, "import_all")
        assert programme.store.scalar("SELECT count(*) FROM participants") == 7

        await go(pilot, "waves")
        await act(pilot, "add")
        form = app.screen
        form.query_one("#wave-name", Input).value = "Spring 2027"
        form.query_one("#wave-starts", Input).value = "2026-12-01"
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert programme.store.scalar("SELECT name FROM waves") == "Spring 2027"

        await go(pilot, "pairing")
        await act(pilot, "match_wave")
        await act(pilot, "accept_all")
        assert programme.store.scalar("SELECT count(*) FROM pairs WHERE status = 'active'") == 3

        await app.run_action("show_coaches")
        await settled(pilot)
        for coach in ("Ana Silva <ana.silva@example.org>", "Bo Li"):
            await act(pilot, "add_coach")
            await answer(pilot, coach)
        await act(pilot, "assign_wave")
        await answer(pilot, "Spring 2027")
        workloads = programme.store.query_tuples("SELECT coach, count(*) FROM pairs GROUP BY coach ORDER BY coach")
        assert workloads == [("Ana Silva", 2), ("Bo Li", 1)]
    programme.close()

    # -- months later -----------------------------------------------------------------------
    programme = Programme.open(db, FixedClock.on("2027-05-01"), actor="coordinator")
    pairs = programme.store.all(Pair, order="id")
    held = {pairs[0].id: 7, pairs[1].id: 5, pairs[2].id: 3}
    completed_on = {pairs[1].id: "2027-03-20", pairs[2].id: "2027-02-01"}
    mid = {pairs[0].id: (5, 4), pairs[1].id: (4, 5), pairs[2].id: (2, 3)}  # (mentee, mentor)
    post = {pairs[0].id: (5, "yes"), pairs[1].id: (3, "no"), pairs[2].id: (4, "yes")}  # mentee's
    app = RmtuiApp(programme, start="timeline")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        for pair in pairs:
            await act(pilot, "go_to_pair")
            await answer(pilot, str(pair.id))
            sessions = programme.store.all(Session, "pair_id = ?", (pair.id,), order="seq")
            for session in sessions[: held[pair.id]]:
                await pilot.press("home", *["down"] * (session.seq - 1))
                await act(pilot, "held_on")
                await answer(pilot, session.due_on)
            if pair.id in completed_on:
                await act(pilot, "complete")
                await answer(pilot, completed_on[pair.id])
            mentee_mid, mentor_mid = mid[pair.id]
            rating, goal = post[pair.id]
            for line in (f"mid mentee {mentee_mid}", f"mid mentor {mentor_mid}", f"post mentee {rating} {goal} Thanks"):
                await act(pilot, "answer")
                await answer(pilot, line)

        await go(pilot, "dashboard")
        shown = screen_text(app)
    statuses = programme.store.query_tuples("SELECT status, count(*) FROM pairs GROUP BY status")
    whole = programme_health(programme.store, programme.today())[0]
    programme.close()

    assert statuses == [("completed", 3)]
    held_enough = sum(1 for count in held.values() if count >= 5)
    good_mid = sum(1 for both in mid.values() for rating in both if rating >= 4)
    achieved = sum(1 for _, goal in post.values() if goal == "yes")
    good_post = sum(1 for rating, _ in post.values() if rating >= 4)
    assert whole.metric("completion").shown() == f"67% ({held_enough} of 3)"
    assert whole.metric("match_satisfaction").shown() == f"67% ({good_mid} of 6)"
    assert whole.metric("goal_achievement").shown() == f"67% ({achieved} of 3)"
    assert whole.metric("programme_satisfaction").shown() == f"67% ({good_post} of 3)"
    for metric in ("completion", "match_satisfaction", "goal_achievement", "programme_satisfaction"):
        assert whole.metric(metric).shown() in shown, f"the dashboard does not show {metric}"
