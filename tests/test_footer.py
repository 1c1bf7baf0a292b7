"""The footer (rmtui.widgets.footer) shows the keys Textual's would, and recomposes only when they change."""

from __future__ import annotations

from conftest import settled
from textual.widgets._footer import FooterKey

from rmtui.app import RmtuiApp
from rmtui.programme import Programme
from rmtui.widgets.footer import Footer


def expected_keys(app: RmtuiApp) -> list[tuple[str, str, bool]]:
    """The keys Textual's footer shows for the screen's bindings now: key, label, enabled."""
    active = app.screen.active_bindings
    keys = [(binding.key, binding.description, enabled) for _node, binding, enabled, _tip in active.values() if binding.show]
    if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
        _node, binding, enabled, _tip = active[app.COMMAND_PALETTE_BINDING]
        keys.append((binding.key, binding.description, enabled))
    return keys


def shown_keys(app: RmtuiApp) -> list[tuple[str, str, bool]]:
    return [(key.key, key.description, not key.disabled) for key in app.screen.query_one("Footer").query(FooterKey)]


async def test_the_footer_follows_the_focus_and_skips_recomposing_the_same_keys(demo_programme: Programme) -> None:
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        on_table = shown_keys(app)
        assert isinstance(app.screen.query_one("Footer"), Footer)
        assert on_table and on_table == expected_keys(app)
        # The same bindings announced again: the very same key widgets stay (no recompose).
        before = list(app.screen.query(FooterKey))
        app.screen.refresh_bindings()
        await settled(pilot)
        assert list(app.screen.query(FooterKey)) == before
        # Another focus, other keys: the footer shows them.
        await pilot.press("/")
        await settled(pilot)
        assert app.screen.focused is app.screen.query_one("#search")
        assert shown_keys(app) == expected_keys(app) != on_table
        await pilot.press("escape")
        await settled(pilot)
        assert shown_keys(app) == expected_keys(app) == on_table
