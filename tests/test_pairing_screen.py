"""The pairing screen on the demo programme, driven from the keyboard."""

from __future__ import annotations

import pytest
from conftest import settled

from rmtui.app import RmtuiApp
from rmtui.db import Pair
from rmtui.pairing import OVERRIDABLE
from rmtui.programme import Programme
from rmtui.rule_settings import SPECS
from rmtui.screens.cohort import CohortScreen
from rmtui.screens.pairing import PairingScreen
from rmtui.screens.pairing_dialogs import CloseReasonScreen, OverrideReasonScreen
from rmtui.screens.rule_editor import RuleEditorScreen
from rmtui.widgets.ask import Confirm


async def _pairing(app: RmtuiApp, pilot) -> PairingScreen:
    await settled(pilot)
    screen = app.screen
    assert isinstance(screen, PairingScreen)
    assert screen.source is not None and len(screen.source) > 3
    return screen


def _panel_text(screen: PairingScreen) -> str:
    return "\n".join(str(line) for line in screen._rule_panel(screen.current).renderables)


async def test_rule_panel_follows_the_cursor(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        seen = []
        for _ in range(3):
            candidate = screen.source.candidate(screen.query_one("#candidates").cursor)
            assert screen.current is not None
            assert candidate.id in (screen.current.mentor.id, screen.current.mentee.id)
            assert candidate.name in _panel_text(screen)
            seen.append(candidate.id)
            await pilot.press("down")
            await pilot.pause()
        assert len(set(seen)) == 3


async def test_blocked_candidates_are_greyed_with_the_reason_and_can_be_hidden(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        ranking = screen.ranking
        blocked = ranking.allowed.index(False)
        cells = screen.source.cells(blocked)
        assert str(cells["score"]) == "✗" and cells["name"].style == "dim"
        rule = ranking.first_failure[blocked]
        assert str(cells["note"]) == SPECS[rule].short  # the reason has the whole cell: not cut at 80 columns
        await pilot.press("b")
        await pilot.pause()
        assert len(screen.source) == sum(ranking.allowed)
        await pilot.press("b")
        await pilot.pause()
        assert len(screen.source) == len(ranking)


async def test_an_override_needs_a_reason(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        table = screen.query_one("#candidates")
        index = next(
            i for i in range(len(screen.source))
            if (found := screen.check_with(screen.source.candidate(i))).blocking
            and all(v.rule in OVERRIDABLE for v in found.blocking)
        )
        table.cursor = index
        await pilot.pause()
        assert screen.current.blocking
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OverrideReasonScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OverrideReasonScreen)
        assert "at least" in str(app.screen.query_one("#hint").render())
        for key in "too short":
            await pilot.press(key if key != " " else "space")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OverrideReasonScreen)
        assert demo_programme.store.scalar("SELECT count(*) FROM audit WHERE action = 'override'") == 0
        await pilot.press(*" because the mentee asked for her")
        await pilot.press("enter")
        await settled(pilot)
        assert isinstance(app.screen, PairingScreen)
        pair = demo_programme.store.all(Pair, "mentee_id = ? AND status = 'proposed'", (screen.current.mentee.id,))[-1]
        assert pair.overrides and pair.overrides[0]["reason"] == "too short because the mentee asked for her"


async def test_escape_cancels_an_override_and_saves_nothing(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        before = demo_programme.store.scalar("SELECT count(*) FROM pairs")
        screen.query_one("#candidates").cursor = screen.ranking.allowed.index(False)
        await pilot.press("o", "x", "escape")  # a reason was typed: escape asks first
        await settled(pilot)
        assert isinstance(app.screen, Confirm)
        assert str(app.screen.query_one("#question").render()) == "Discard your changes to the override reason? (y/n)"
        await pilot.press("n")  # keep writing: the reason is still there
        await settled(pilot)
        assert isinstance(app.screen, OverrideReasonScreen) and app.screen.query_one("#reason").value == "x"
        await pilot.press("escape", "y")
        await settled(pilot)
        assert isinstance(app.screen, PairingScreen)
        assert demo_programme.store.scalar("SELECT count(*) FROM pairs") == before
        await pilot.press("o", "escape")  # nothing typed: escape leaves at once
        await settled(pilot)
        assert isinstance(app.screen, PairingScreen)


async def test_confirm_pairs_the_person_with_the_best_candidate(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        best = screen.current
        assert not best.blocking
        await pilot.press("c")
        await settled(pilot)
        pair = demo_programme.store.all(Pair, "mentor_id = ? AND mentee_id = ?", (best.mentor.id, best.mentee.id))
        assert [(p.status, p.started_on) for p in pair] == [("active", "2026-11-20")]
        assert "active with" in str(screen.query_one("#person").render())


async def test_find_picks_the_person_to_match(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        await pilot.press("slash", *"jose nunez")
        await settled(pilot)
        await pilot.press("enter")
        await settled(pilot)
        assert screen.ranking.person.name == "José Núñez"
        assert screen.query_one("#candidates").has_focus


async def test_closing_a_pair_early_offers_new_candidates_never_the_former_partner(demo_programme: Programme) -> None:
    active = demo_programme.store.all(Pair, "status = 'active'")[0]
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        screen._pick(screen.loaded.pool.by_id[active.mentee_id])
        await settled(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, CloseReasonScreen)
        await pilot.press("down", "down", "enter")  # "Their schedules could not be aligned"
        await settled(pilot)
        stored = demo_programme.store.get(Pair, active.id)
        assert (stored.status, stored.close_reason) == ("closed_early", "schedule")
        assert active.mentor_id not in {c.id for c in screen.ranking.candidates}


async def test_match_wave_and_rules_open_their_screens(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        await _pairing(app, pilot)
        await pilot.press("m")
        await settled(pilot)
        assert isinstance(app.screen, CohortScreen) and app.screen.result is not None
        await pilot.press("escape", "e")
        await settled(pilot)
        assert isinstance(app.screen, RuleEditorScreen)
        await pilot.press("down", "down", "down", "down", "down", "right_parenthesis", "ctrl+s")
        await settled(pilot)
        assert isinstance(app.screen, PairingScreen)
        assert app.screen.loaded.config.param("level_gap", "min_gap") == 3


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_pairing_snapshot(snap_compare, demo_programme: Programme, size: tuple[int, int]) -> None:
    app = RmtuiApp(demo_programme, start="pairing")

    async def on_the_second_person(pilot) -> None:
        await settled(pilot)
        await pilot.press("down")
        await settled(pilot)

    assert snap_compare(app, terminal_size=size, run_before=on_the_second_person)


async def test_cohort_proposals_are_confirmed_at_once_except_the_rejected_one(demo_programme: Programme) -> None:
    before = demo_programme.store.scalar("SELECT count(*) FROM pairs WHERE status = 'active'")
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        await _pairing(app, pilot)
        await pilot.press("m")
        await settled(pilot)
        cohort = app.screen
        assert isinstance(cohort, CohortScreen)
        proposals = cohort.result.new_pairs
        assert len(proposals) >= 2
        rejected = proposals[0]
        await pilot.press("x", "C")
        await settled(pilot)
        after = demo_programme.store.all(Pair, "status = 'active'")
        assert len(after) == before + len(proposals) - 1  # C confirms them all in one transaction
        assert (rejected.mentee.id, rejected.mentor.id) not in {(p.mentee_id, p.mentor_id) for p in after}
        new = [p for p in after if p.started_on == "2026-11-20"]  # wave 2 has started: from today
        planned = demo_programme.store.scalar(
            f"SELECT count(*) FROM sessions WHERE pair_id IN ({','.join(str(p.id) for p in new)})")
        assert len(new) == len(proposals) - 1 and planned == 7 * len(new)


async def test_k_picks_the_coach_of_the_persons_pair(demo_programme: Programme) -> None:
    from rmtui.coaches import resolve_coach
    from rmtui.widgets.pick import PickOne

    active = demo_programme.store.all(Pair, "status = 'active'")[0]
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        screen._pick(screen.loaded.pool.by_id[active.mentee_id])
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        dialog = app.screen
        assert isinstance(dialog, PickOne)
        choices = [label for label, _ in dialog.choices]
        assert choices[-1] == "No coach" and "Tom Okafor (HR) — " in choices[1] and "active" in choices[1]
        await pilot.press("home", "down", "enter")  # the second coach of the list
        await settled(pilot)
        assert demo_programme.store.get(Pair, active.id).coach_id == resolve_coach(demo_programme.store, "Tom Okafor (HR)").id


async def test_notices_replace_each_other_one_toast_the_newest(demo_programme: Programme, notes) -> None:
    """p, then o, then c each say something: one toast is shown, the newest, not three stacked."""
    from textual.widgets._toast import Toast

    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24), message_hook=notes, notifications=True) as pilot:
        await _pairing(app, pilot)
        for key in ("p", "o", "c"):
            await pilot.press(key)
            await settled(pilot)
            if not isinstance(app.screen, PairingScreen):  # a dialog (the override's reason): leave it
                await pilot.press("escape")
                await settled(pilot)
        assert len(notes.messages) >= 3, notes.messages
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 1
        assert toasts[0]._notification.message == notes.messages[-1]
        assert len(app._notifications) == 1
        app.notify("Not saved: the day is in the past.", severity="error", timeout=3)
        await pilot.pause()
        assert notes.shown[-1].timeout == app.ERROR_SECONDS  # an error stays long enough to read
        assert [toast._notification.message for toast in app.screen.query(Toast)] == ["Not saved: the day is in the past."]


async def test_a_warning_that_earns_part_of_its_points_says_how_many_of_how_many(demo_programme: Programme) -> None:
    """An unknown time zone earns half the rule's points: "! +11 of 22 Time zone unknown…", not a bare "+11"."""
    store = demo_programme.store
    aditi = store.scalar("SELECT id FROM participants WHERE name = 'Aditi Subramanian'")
    version = store.scalar("SELECT version FROM participants WHERE id = ?", (aditi,))
    with store.write() as writer:
        writer.update("participants", aditi, version, {"timezone": ""})
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _pairing(app, pilot)
        lines = _panel_text(screen).splitlines()
        warning = next(line for line in lines if "Time zone unknown" in line)
        mark, plus, of, best, *_ = warning.split()
        assert (mark, of) == ("!", "of") and plus.startswith("+")
        assert 0 < int(plus[1:]) < int(best)
        assert lines[1].startswith("Allowed · score ") and lines[1].endswith(" of 100")
