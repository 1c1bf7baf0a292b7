"""The pairing screen's memory (issue 14: RSS at 100k ≤ 200 MB): what it reads for one visit
(the pool: a quarter of a gigabyte at 100,000 people) is let go of when the coordinator goes
to another area, also when that read ends after they left, and nothing else keeps it (no
reference cycle waiting for the collector, no finished worker); coming back shows what a
fresh visit shows, for the same person, with the cursor on the same candidate."""

from __future__ import annotations

import gc
import random
import threading
import weakref
from functools import partial

import pytest
from conftest import settled
from test_pairing_pool import TODAY, _fill

import rmtui.screens.pairing as pairing_screen
from rmtui.app import RmtuiApp
from rmtui.matching import PairFact, load_pool, rank_candidates
from rmtui.memory import rss_mb, trim
from rmtui.programme import Programme
from rmtui.rule_settings import default_rule_config
from rmtui.screens.pairing import PairingScreen
from rmtui.screens.profile import ProfileScreen
from rmtui.screens.roster import RosterScreen
from rmtui.widgets.virtual_table import VirtualTable


def _shown(screen: PairingScreen) -> tuple:
    """What the screen shows: the person, the candidates in order, the one under the cursor,
    the rule panel and the person's line."""
    assert screen.ranking is not None and screen.ranking.complete and screen.source is not None
    assert screen.current is not None
    cursor = screen.query_one("#candidates", VirtualTable).cursor
    panel = "\n".join(str(line) for line in screen._rule_panel(screen.current).renderables)
    return (
        screen.person_id,
        screen.wave_id,
        [c.id for c in screen.ranking.candidates],
        screen.source.candidate(cursor).id,
        panel,
        str(screen.query_one("#person").render()),
    )


def _holds_nothing(screen: PairingScreen) -> None:
    assert screen.loaded is None and screen.ranking is None and screen.source is None and screen.current is None
    assert not screen._checks and not screen.found
    assert all(len(table.source) == 0 for table in screen.query(VirtualTable))


async def test_leaving_lets_go_of_the_pool_and_coming_back_shows_what_a_fresh_visit_shows(demo_programme):
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen)
        screen.action_leave_find()
        await pilot.press("down", "down")
        await settled(pilot)
        first = _shown(screen)  # a fresh visit, the cursor two rows down
        assert first[3] != screen.ranking.candidates[0].id
        pool, ranking = weakref.ref(screen.loaded.pool), weakref.ref(screen.ranking)

        await pilot.press("1")
        assert isinstance(await settled(pilot), RosterScreen)
        _holds_nothing(screen)
        gc.collect()
        assert pool() is None and ranking() is None, "nothing else keeps what the screen read"
        screen.refresh_data()  # (as a save made on it does when it lands after the screen was left)
        assert not screen._loading, "nothing is read for a screen not shown"

        await pilot.press("3")
        assert await settled(pilot) is screen
        assert _shown(screen) == first, "the same person, candidates, cursor and rule panel"
        assert screen.loaded.pool is not pool()


async def test_a_screen_opened_over_pairing_keeps_the_pool_and_leaving_from_it_lets_go(demo_programme):
    """A profile (or a dialog) opened over the pairing screen is still this area: the pool
    stays for the way back. Going to another area from there lets go of it."""
    app = RmtuiApp(demo_programme, start="pairing")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, PairingScreen)
        screen.action_leave_find()
        loaded, ranking = screen.loaded, screen.ranking
        await pilot.press("enter")
        assert isinstance(await settled(pilot), ProfileScreen)
        assert screen.loaded is loaded and screen.ranking is ranking
        await pilot.press("escape")
        assert await settled(pilot) is screen
        assert screen.loaded is loaded and screen.ranking is ranking, "not read again"
        shown = _shown(screen)

        await pilot.press("enter")
        await settled(pilot)
        pool = weakref.ref(loaded.pool)
        del loaded, ranking
        await pilot.press("1")
        assert isinstance(await settled(pilot), RosterScreen)
        _holds_nothing(screen)
        gc.collect()
        assert pool() is None
        await pilot.press("3")  # the profile opened from pairing closes: the area itself
        assert await settled(pilot) is screen
        assert _shown(screen) == shown


@pytest.mark.parametrize("held", ["_load", "_glance"])
async def test_a_read_that_ends_after_the_screen_was_left_is_not_kept(demo_programme, monkeypatch, held):
    """Left while the whole programme is read (after the first candidates by name are
    shown), or while the first candidates are read: what the read returns is dropped; back
    on the screen it is read again."""
    gate = threading.Event()
    pools: list[weakref.ref] = []
    load, glance = pairing_screen._load, pairing_screen._glance
    reads = {"_load": load, "_glance": partial(glance, small=0)}  # (glanced as at 100k: first by name)

    def held_read(*args):
        gate.wait(30)
        loaded = reads[held](*args)
        pools.append(weakref.ref(loaded.pool))
        return loaded

    monkeypatch.setattr(pairing_screen, "_glance", reads["_glance"])
    monkeypatch.setattr(pairing_screen, held, held_read)
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, PairingScreen)
        if held == "_load":
            for _ in range(500):  # until the first candidates are shown and the whole read has started
                await pilot.pause(0.01)
                if screen._loading:
                    break
            assert screen._loading and screen.loaded is not None and screen.loaded.partial
        else:
            await pilot.pause()
            assert screen.loaded is None
        await pilot.press("1")
        await pilot.pause()
        gate.set()  # the read ends now, the screen left
        await settled(pilot)
        assert isinstance(app.screen, RosterScreen)
        _holds_nothing(screen)
        gc.collect()
        assert len(pools) == 1 and pools[0]() is None

        await pilot.press("3")
        assert await settled(pilot) is screen
        assert screen.ranking is not None and screen.ranking.complete and not screen.loaded.partial
        assert len(pools) == 2 and pools[0]() is None
        if held == "_load":
            assert screen.loaded.pool is pools[1]()


def test_a_pool_goes_with_its_last_reference_not_with_the_collector(programme) -> None:
    """The facts a pool keeps (and the arrays kept on them) refer back to it weakly: with no
    reference cycle the pool is freed at once, even with the cyclic collector off or its
    objects frozen (the roster freezes what is alive after its index build)."""
    _fill(programme, random.Random(4), 120)
    config = default_rule_config()
    pool = load_pool(programme.store, TODAY)
    wave = next(iter(pool.wave_names))
    proposal = next(p for p in pool.pairs if p.status == "proposed")
    person = proposal.mentee_id
    for excluding in ((), (proposal.id,)):  # the facts of every pair, and those less the person's proposal
        ranking = rank_candidates(pool, person, config, wave, excluding=excluding)
        facts = pool.facts(wave, excluding=excluding)
        pool.former_of(facts, person)
    pool.add_pair(PairFact(10**6, wave, proposal.mentor_id, person, "active"))
    rank_candidates(pool, person, config, wave)
    gone = weakref.ref(pool)
    gc.disable()
    try:
        del pool, ranking, facts
        assert gone() is None
    finally:
        gc.enable()


def test_the_column_read_keeps_one_text_per_distinct_value(programme) -> None:
    """Roles, lines of business, teams, time zones and statuses repeat across people: each
    distinct text is one object (the column read equals the row read: test_pairing_pool)."""
    _fill(programme, random.Random(5), 300)
    columns = load_pool(programme.store, TODAY)._columns
    assert columns is not None
    for name in ("roles", "business", "teams", "timezones", "statuses"):
        values = getattr(columns, name)
        assert len({id(v) for v in values}) == len(set(values)), name


def test_memory_helpers_answer_here() -> None:
    """On Linux with glibc (CI, this project's machines) both work; elsewhere they do nothing."""
    size = rss_mb()
    assert size is None or size > 1
    assert trim() in (True, False)


def test_a_finished_work_keeps_nothing_it_was_given(demo_programme: Programme) -> None:
    """Textual's worker threads keep their last worker; the work's arguments are not kept
    with it (the pairing ranking held the whole pool that way)."""
    import asyncio

    class Big:
        pass

    async def run() -> None:
        app = RmtuiApp(demo_programme, start="roster")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await settled(pilot)
            given = Big()
            gone = weakref.ref(given)
            got: list[int] = []
            screen.run_work(lambda thing: id(thing), given, what="test", done=got.append, group="memory-test")
            del given
            await settled(pilot)
            assert got and gone() is None

    asyncio.run(run())


def test_the_pacers_full_pass_gives_what_it_freed_back(monkeypatch) -> None:
    import rmtui.app as app_module
    from rmtui.app import GcPacer

    trimmed: list[int] = []
    monkeypatch.setattr(app_module, "trim", lambda: trimmed.append(gc.get_count()[2]) or True)
    now = [100.0]
    pacer = GcPacer(idle=1.0, now=lambda: now[0])
    pacer.input()
    gc.collect(1)  # objects got old: a full pass is due
    now[0] += 0.5
    assert not pacer.tick() and not trimmed  # typing: neither
    now[0] += 1.0
    assert pacer.tick()
    assert trimmed == [0], "once, after the full pass"


def test_a_pause_after_work_gives_memory_back_once_without_a_full_pass(monkeypatch) -> None:
    import rmtui.app as app_module
    from rmtui.app import GcPacer

    trimmed: list[float] = []
    now = [100.0]
    monkeypatch.setattr(app_module, "trim", lambda: trimmed.append(now[0]) or True)
    pacer = GcPacer(idle=1.0, now=lambda: now[0])
    pacer.last_pass = now[0]  # a full pass just ran: none is due in the next 10 s
    pacer.input()  # a key (or another coordinator's change shown)
    now[0] += 0.5
    assert not pacer.tick() and not trimmed  # still typing
    now[0] += 1.0
    assert not pacer.tick()  # no full pass...
    assert trimmed == [101.5]  # ...but what the work freed goes back
    now[0] += 1.0
    pacer.tick()
    assert trimmed == [101.5], "once per pause"
    pacer.input()
    now[0] += 1.5
    pacer.tick()
    assert trimmed == [101.5, 104.0]
