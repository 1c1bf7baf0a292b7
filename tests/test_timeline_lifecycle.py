"""Issue 11 on the timeline: c completes, p pauses and resumes, s records an answer, k picks the coach."""

from __future__ import annotations

import datetime as dt

from conftest import Notes, settled
from lifecycle_data import build
from textual.widgets import Input, OptionList

from rmtui.app import RmtuiApp
from rmtui.coaches import add_coach, assign_coach
from rmtui.db import Pair, Session
from rmtui.programme import Programme
from rmtui.widgets.pick import PickOne


async def _answer(pilot, text: str) -> None:
    await pilot.pause()
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")


def _pair(programme: Programme, pair_id: int = 1) -> Pair:
    return programme.store.get(Pair, pair_id)


async def test_c_completes_the_pair_on_the_day_typed(programme: Programme) -> None:
    build(programme)
    async with RmtuiApp(programme, start="timeline").run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert screen.view.pair.id == 1
        await pilot.press("E")
        await _answer(pilot, "tomorrow")  # refused: the dialog explains and stays
        await pilot.pause()
        assert "after today" in str(pilot.app.screen.query_one("#error").render())
        await _answer(pilot, "today")
        screen = await settled(pilot)
        assert (_pair(programme).status, _pair(programme).ended_on) == ("completed", "2026-11-20")
        assert "Completed on 20 Nov" in str(screen.query_one("#flags").render())


async def test_p_pauses_with_a_reason_and_p_again_resumes(programme: Programme) -> None:
    build(programme)
    async with RmtuiApp(programme, start="timeline").run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("u")
        await _answer(pilot, "x")  # too short: explained, asked again
        await pilot.pause()
        assert "at least 3 characters" in str(pilot.app.screen.query_one("#error").render())
        await _answer(pilot, "Mentee on leave")
        screen = await settled(pilot)
        assert (_pair(programme).status, _pair(programme).pause_reason) == ("paused", "Mentee on leave")
        assert "Paused since 20 Nov: Mentee on leave" in str(screen.query_one("#flags").render())
        before = [s.due_on for s in programme.store.all(Session, "pair_id = 1", order="seq")]
        programme.clock.instant = programme.clock.instant.add(days=7)  # a week later
        screen.load()
        await settled(pilot)
        await pilot.press("u")
        await _answer(pilot, "Back from leave")
        await settled(pilot)
        assert _pair(programme).status == "active"
        after = [s.due_on for s in programme.store.all(Session, "pair_id = 1", order="seq")]
        assert [(dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days for a, b in zip(after, before)] == [7] * 4


async def test_s_records_a_survey_answer_and_explains_a_wrong_one(programme: Programme) -> None:
    build(programme)
    async with RmtuiApp(programme, start="timeline").run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("v")
        await _answer(pilot, "pre mentee 9")
        await pilot.pause()
        assert "Rating 9 is outside the scale" in str(pilot.app.screen.query_one("#error").render())
        await _answer(pilot, "pre mentee 4 yes Keen to start")
        screen = await settled(pilot)
        assert programme.store.query_tuples("SELECT pair_id, kind, respondent, rating, goal_achieved, comment FROM feedback") == [
            (1, "pre", "mentee", 4, 1, "Keen to start")
        ]
        assert "Answers: pre 1/2" in str(screen.query_one("#flags").render())


async def test_k_picks_the_coach_from_a_list_showing_workloads(programme: Programme, notes: Notes) -> None:
    build(programme)
    add_coach(programme.store, "Ana Silva")
    bo = add_coach(programme.store, "Bo [b]Li[/b]")  # typed text shows literally
    assign_coach(programme.store, 2, bo.id)
    async with RmtuiApp(programme, start="timeline").run_test(size=(80, 24), message_hook=notes) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PickOne)
        options = dialog.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels == ["Ana Silva — 0 active · 0 finished", "Bo [b]Li[/b] — 1 active · 0 finished", "No coach"]
        await pilot.press("down", "enter")
        screen = await settled(pilot)
        assert (_pair(programme).coach_id, _pair(programme).coach) == (bo.id, "Bo [b]Li[/b]")
        assert "Coach Bo [b]Li[/b]" in str(screen.query_one("#pair").render())
        shown = notes.messages
        assert "Pair 1: coach Bo [b]Li[/b]." in shown


async def test_the_palette_offers_the_pair_actions(programme: Programme) -> None:
    build(programme)
    app = RmtuiApp(programme, start="timeline")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        for title in ("Complete pair…  E · finish or end a pair", "Pause/resume  u", "Survey answer  v · feedback",
                      "Assign coach  k", "Held today  h · record a session"):
            assert title in titles
