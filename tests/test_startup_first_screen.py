"""The app builds, styles and paints only its start area's screen before the first paint
(issue 14): no empty "_default" screen first, one stylesheet pass, not two, and each
stylesheet source parsed once."""

from __future__ import annotations

import pytest
from conftest import settled
from textual.css import stylesheet as stylesheet_module
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

from rmtui.app import RmtuiApp
from rmtui.programme import Programme
from rmtui.screens.roster import RosterScreen


def _count_screens_and_css_passes(
    app: RmtuiApp, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], list[int], list[tuple]]:
    """Record the class of every screen Textual composes, each stylesheet reparse, and each
    stylesheet source parsed (not taken from the parse cache)."""
    composed: list[str] = []
    reparses: list[int] = []
    parsed: list[tuple] = []
    compose = Screen._compose

    async def counting_compose(self: Screen) -> None:
        composed.append(type(self).__name__)
        await compose(self)

    monkeypatch.setattr(Screen, "_compose", counting_compose)
    reparse = app.stylesheet.reparse

    def counting_reparse() -> None:
        reparses.append(1)
        reparse()

    monkeypatch.setattr(app.stylesheet, "reparse", counting_reparse)
    parse = stylesheet_module.parse  # what Stylesheet._parse_rules calls when its cache misses

    def counting_parse(scope: str, css: str, read_from: object, *args: object, **kwargs: object) -> object:
        options = tuple(sorted((key, value) for key, value in kwargs.items() if key != "variable_tokens"))
        parsed.append((read_from, scope, css, options))  # what Stylesheet's parse cache tells apart
        return parse(scope, css, read_from, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stylesheet_module, "parse", counting_parse)
    return composed, reparses, parsed


async def test_the_roster_is_the_first_and_only_screen_built_at_start(
    demo_programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = RmtuiApp(demo_programme, start="roster")
    composed, reparses, parsed = _count_screens_and_css_passes(app, monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert composed == ["RosterScreen"]  # Textual's default screen was never made
        assert len(reparses) == 1  # the CSS was parsed and applied once, for the roster
        # Each stylesheet source was parsed once: the reparse cleared the parse cache and
        # parsed them all again, and the next styling a third time.
        assert parsed and len(parsed) == len(set(parsed))
        assert any("RosterScreen.DEFAULT_CSS" in source[0] for source in parsed)
        assert app.current_mode == "roster"
        assert isinstance(app.screen, RosterScreen)
        assert list(app._screen_stacks) == ["roster"]  # no other mode's stack either
        assert app.screen.title and app.title == str(demo_programme.settings()["programme_name"])
        before = len(parsed)
        await pilot.press("2")
        await settled(pilot)
        assert app.current_mode == "intake"
        # The intake's own CSS is parsed; what was parsed already is not, again.
        assert len(parsed) > before and len(parsed) == len(set(parsed))
        await pilot.press("1")
        await settled(pilot)
        assert app.current_mode == "roster" and isinstance(app.screen, RosterScreen)


async def test_another_start_area_is_opened_directly_and_an_unknown_one_opens_the_first(
    demo_programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = RmtuiApp(demo_programme, start="dashboard")
    composed, _reparses, _parsed = _count_screens_and_css_passes(app, monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert app.current_mode == "dashboard"
        assert composed == [type(app.screen).__name__]
        assert app.screen_stack == [app.screen]
    app = RmtuiApp(demo_programme, start="no-such-area")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert app.current_mode == "roster" and isinstance(app.screen, RosterScreen)


async def test_the_roster_focuses_its_table_first_so_its_first_footer_is_the_tables(
    demo_programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual's auto-focus gave the search field the focus first, then the table took it:
    the first frames showed the search field's keys and the footer was built twice."""
    focused: list[str | None] = []
    set_focus = Screen.set_focus

    def recording_set_focus(self: Screen, widget, *args, **kwargs):  # noqa: ANN001, ANN202
        if isinstance(self, RosterScreen):
            focused.append(None if widget is None else widget.id)
        return set_focus(self, widget, *args, **kwargs)

    monkeypatch.setattr(Screen, "set_focus", recording_set_focus)
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert focused and set(focused) == {"results"}
        assert app.screen.focused is app.screen.query_one("#results")


def test_a_ready_page_is_taken_once_and_an_unready_one_is_not_waited_for(demo_programme: Programme) -> None:
    from rmtui import startup
    from rmtui.screens.roster import PREVIEW_ROWS
    from rmtui.search.rows import first_page as read_first_page

    store = demo_programme.store
    assert startup.ready_page(store, PREVIEW_ROWS) is None  # nothing read ahead
    startup.start_first_page(store)
    pending = startup._pending[0]
    pending.thread.join()
    assert startup.ready_page(store, 10) is None  # another page: not this one
    assert startup.ready_page(store, PREVIEW_ROWS) == read_first_page(store, PREVIEW_ROWS)
    assert startup._pending == [] and startup.ready_page(store, PREVIEW_ROWS) is None  # taken once


async def test_the_roster_shows_a_page_read_ahead_in_its_first_frame_without_a_worker(
    demo_programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rmtui import startup
    from rmtui.screens.roster import PREVIEW_ROWS
    from rmtui.search.rows import first_page as read_first_page

    store = demo_programme.store
    expected = [row.id for row in read_first_page(store, PREVIEW_ROWS)]
    startup.start_first_page(store)
    startup._pending[0].thread.join()  # ready before the app starts, as at 10k people
    workers: list[str] = []
    load_preview = RosterScreen.load_preview

    def recording_load_preview(self: RosterScreen) -> None:
        workers.append("preview")
        load_preview(self)

    monkeypatch.setattr(RosterScreen, "load_preview", recording_load_preview)
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one("#results")
        assert table.row_count  # on mount, before any worker could have delivered
        await settled(pilot)
        assert workers == [] and startup._pending == []
        shown = [table.source.person_id(row) for row in range(min(len(expected), table.row_count))]
        assert shown == expected[: len(shown)]


async def test_the_first_frame_drawn_already_has_the_rows_read_ahead(
    demo_programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, three frames went out (empty table, then the footer's keys) before the rows."""
    from textual.app import App

    from rmtui import startup

    startup.start_first_page(demo_programme.store)
    startup._pending[0].thread.join()
    frames: list[tuple[str, int]] = []
    display = App._display

    def recording_display(self: App, screen: Screen, renderable: object) -> None:
        if renderable is not None:
            tables = screen.query("#results")
            frames.append((type(screen).__name__, tables.first().row_count if tables else 0))
        display(self, screen, renderable)

    monkeypatch.setattr(App, "_display", recording_display)
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert frames and frames[0][0] == "RosterScreen" and frames[0][1] > 0


def _described(rules: list) -> list[str]:
    """Each rule as its selectors, declarations, origin and tie-breaker."""
    return [
        f"{rule.selectors} {sorted(rule.styles.get_rules().items())!r} {rule.is_default_rules} {rule.tie_breaker}"
        for rule in rules
    ]


def _fresh_rules(app: RmtuiApp) -> list[str]:
    """The app's stylesheet sources parsed from scratch by Textual's own Stylesheet."""
    fresh = Stylesheet(variables=app.get_css_variables())
    for read_from, (css, is_defaults, tie_breaker, scope) in app.stylesheet.source.items():
        fresh.add_source(css, read_from=read_from, is_default_css=is_defaults, tie_breaker=tie_breaker, scope=scope)
    fresh.parse()
    return _described(fresh.rules)


async def test_the_rules_kept_are_the_rules_a_full_parse_gives_and_a_theme_change_reparses(
    demo_programme: Programme,
) -> None:
    app = RmtuiApp(demo_programme, start="roster")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("2")  # a second screen's CSS added and styled
        await settled(pilot)
        assert _described(app.stylesheet.rules) == _fresh_rules(app)
        background = app.screen.styles.background
        app.theme = "textual-light"  # new variables: parsed again, new colours
        await settled(pilot)
        assert app.stylesheet._variables == app.get_css_variables()
        assert _described(app.stylesheet.rules) == _fresh_rules(app)
        assert app.screen.styles.background != background
