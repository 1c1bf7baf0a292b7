"""Comparing two matching runs in the app (issue 15's Done-when), and accepting one re-checked."""

from __future__ import annotations

from conftest import Notes, settled
from match_run_data import small_cohort
from rich.console import Console

from rmtui.app import RmtuiApp
from rmtui.db import Pair
from rmtui.programme import Programme
from rmtui.screens.cohort import CohortScreen
from rmtui.screens.match_runs import MatchRunsScreen, figures


def _text(renderable) -> str:  # noqa: ANN001
    console = Console(width=78, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def test_two_runs_of_a_wave_are_compared_side_by_side_and_one_accepted(programme: Programme,
                                                                              notes: Notes) -> None:
    wave, p = small_cohort(programme)
    app = RmtuiApp(programme, start="pairing")
    async with app.run_test(size=(80, 24), message_hook=notes) as pilot:
        await settled(pilot)
        app.push_screen(CohortScreen(wave, "Spring"))
        cohort = await settled(pilot)
        assert isinstance(cohort, CohortScreen) and cohort.run_name == "run 1 · 09:00"
        # Another coordinator withdraws Ana; matching again keeps a second run.
        with programme.store.write() as w:
            w.update("participants", p["Ana"], 1, {"status": "withdrawn"})
        await pilot.press("m")
        await settled(pilot)
        assert cohort.run_name == "run 2 · 09:00"

        await pilot.press("V")
        runs = await settled(pilot)
        assert isinstance(runs, MatchRunsScreen)
        assert [r.name for r in runs.runs] == ["run 2 · 09:00", "run 1 · 09:00"]
        # The highlighted (newest) run is compared with the newest other one.
        comparison = runs.comparison
        assert comparison is not None
        assert (comparison.a.name, comparison.b.name) == ("run 2 · 09:00", "run 1 · 09:00")
        assert (comparison.a.matched, comparison.b.matched) == (2, 3)
        assert {x.mentor for x in comparison.only_b} >= {"Ana"}
        shown = _text(figures(comparison))
        for words in ("A run 2 · 09:00", "B run 1 · 09:00", "Score", "Matched", "2 pairs · 1 left",
                      "3 pairs · 0 left", "Binds most", "Mentee goals met by mentor",
                      "costs 89 points over 2 pairs"):
            assert words in shown, words

        # Mark run 1 first, then run 2: A is run 1, B run 2, whatever is highlighted.
        await pilot.press("down", "space", "up", "space")
        await settled(pilot)
        assert runs.comparison is not None
        assert (runs.comparison.a.name, runs.comparison.b.name) == ("run 1 · 09:00", "run 2 · 09:00")
        table = runs.query_one("#differing")
        assert table.display and table.row_count == len(runs.comparison.only_a) + len(runs.comparison.only_b)
        await pilot.press("tab")
        await settled(pilot)
        assert runs.query_one("#departments").display and not table.display
        assert [d.department for d in runs.comparison.departments] == ["Claims", "Finance"]

        # Accept run 1 as a whole: Ana has withdrawn since, so her pair is dropped and named.
        await pilot.press("down", "c")
        await settled(pilot)
        await pilot.press("y")
        await settled(pilot)
    active = {(x.mentor_id, x.mentee_id) for x in programme.store.all(Pair, "status = 'active'")}
    assert active == {(p["Eve"], p["Dan"]), (p["Ian"], p["Fay"])}
    assert any("2 of 3 pair(s) of run 1 · 09:00 confirmed in Spring" in m for m in notes.messages)
    assert any(m.startswith("Dropped Ana with Ben:") and "withdrawn" in m for m in notes.messages)


async def test_a_viewer_matches_without_keeping_a_run_and_cannot_confirm_one(programme: Programme, clock) -> None:
    from rmtui.coordinators import add_coordinator
    from rmtui.match_runs import match_and_keep

    wave, _ = small_cohort(programme)
    match_and_keep(programme, wave)
    match_and_keep(programme, wave)
    add_coordinator(programme.store, programme.store.actor, "admin")
    add_coordinator(programme.store, "vera", "viewer")
    vera = Programme.open(programme.store.path, clock, actor="vera")
    try:
        app = RmtuiApp(vera, start="pairing")
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(pilot)
            app.push_screen(CohortScreen(wave, "Spring"))
            cohort = await settled(pilot)
            assert isinstance(cohort, CohortScreen) and cohort.result is not None and cohort.run_name is None
            await pilot.press("V")
            runs = await settled(pilot)
            assert isinstance(runs, MatchRunsScreen) and runs.comparison is not None
            assert "confirm_run" not in {b.binding.action for b in runs.active_bindings.values()}
            await pilot.press("c")
            await settled(pilot)
            assert app.screen is runs  # no question asked
    finally:
        vera.close()
    assert programme.store.scalar("SELECT count(*) FROM match_runs") == 2
    assert programme.store.scalar("SELECT count(*) FROM pairs") == 0
