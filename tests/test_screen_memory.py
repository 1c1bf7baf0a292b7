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
