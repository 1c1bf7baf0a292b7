"""A screen that was left goes from memory: nothing the app keeps holds on to it (issue 14's
hour-long soak, tests/bench/bench_soak.py, found the header of each profile opened staying
behind, held by the app's list of title watchers)."""

from __future__ import annotations

import gc
import weakref

from conftest import settled
from textual.widgets import Header

from rmtui.app import RmtuiApp
from rmtui.programme import Programme
from rmtui.screens.profile import ProfileScreen
from rmtui.screens.roster import RosterScreen


async def test_profiles_opened_and_left_are_freed(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        screens, headers = [], []
        for _ in range(5):
            await pilot.press("down", "enter")
            profile = await settled(pilot)
            assert isinstance(profile, ProfileScreen)
            screens.append(weakref.ref(profile))
            headers.append(weakref.ref(profile.query_one(Header)))
            del profile
            await pilot.press("escape")
            assert isinstance(await settled(pilot), RosterScreen)
        # The last ones left may still be held a while: a finished load, a pending timer, a
        # worker thread's last job (one per thread; CI saw two of five held). A leak holds
        # them all: the first three opened must be gone.
        for _ in range(20):
            await pilot.pause(0.25)
            gc.collect()
            if all(ref() is None for ref in screens[:3] + headers[:3]):
                break
        assert [ref() is None for ref in screens[:3]] == [True] * 3
        assert [ref() is None for ref in headers[:3]] == [True] * 3
        assert [type(header.screen) for header in app.screen.query(Header)] == [RosterScreen]  # its own stays


async def test_the_footers_keys_it_replaced_are_freed(demo_programme: Programme) -> None:
    from textual.widgets._footer import FooterKey

    def left_keys() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, FooterKey) and not o.is_attached)

    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        before = left_keys()
        for key in ["slash", "escape"] * 4:  # the search field, then the results: other keys each time
            await pilot.press(key)
            await settled(pilot)
        await pilot.pause(0.5)
        assert left_keys() <= before


async def test_the_line_caches_of_widgets_gone_are_freed_in_a_pause(demo_programme: Programme) -> None:
    """Textual keeps each widget's line cache (StylesCache, with its rendered lines) in a
    class-wide cache of 1,024 entries (Textual issue 6665): the widgets of every profile
    opened stayed in memory that way. The app empties it in its pauses (GcPacer)."""
    from textual._styles_cache import StylesCache
    from textual.widget import Widget

    def gone_widgets_caches() -> set[int]:
        gc.collect()
        objects = gc.get_objects()
        live = {id(o._styles_cache) for o in objects if isinstance(o, Widget)}
        return {id(o) for o in objects if isinstance(o, StylesCache) and id(o) not in live}

    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.gc_pacer.idle = 3600.0  # no pause while the profiles come and go (a loaded machine)
        for _ in range(3):
            await pilot.press("down", "enter")
            assert isinstance(await settled(pilot), ProfileScreen)
            await pilot.press("escape")
            assert isinstance(await settled(pilot), RosterScreen)
        gone = gone_widgets_caches()
        assert gone  # the profiles' widgets are gone, their caches not yet (on a loaded machine the
        # last profile's may still be held a while: those are not looked at)
        trimmed = app.gc_pacer.last_trim
        app.gc_pacer.idle = 1.0
        for _ in range(20):  # the next pause (a second without a key)
            await pilot.pause(0.25)
            if app.gc_pacer.last_trim > trimmed:
                break
        assert app.gc_pacer.last_trim > trimmed
        assert not gone & gone_widgets_caches()
