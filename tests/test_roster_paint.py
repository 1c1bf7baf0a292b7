"""The roster paints a keystroke's results in the keystroke's frame, from lines made once,
and keeps the garbage collector's long passes out of the way of typing."""

from __future__ import annotations

import gc
import time

from conftest import settled
from rich.segment import Segment
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.widgets import Input

from rmtui.app import GcPacer, RmtuiApp
from rmtui.programme import Programme
from rmtui.screens.roster import RosterScreen
from rmtui.widgets.virtual_table import VirtualTable


def _overlaps(region: Region, dirty: list[Region]) -> bool:
    return any(region.overlaps(part) for part in dirty)


async def test_each_frame_shows_the_input_table_and_status_of_one_query(demo_programme: Programme) -> None:
    """Every frame painted while typing shows the typed text with that text's results and
    count: the search is never a frame behind the input line, nor the status behind the
    table (each changed part is repainted in that same frame)."""
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen)
        await pilot.press("slash")
        await settled(pilot)
        search = screen.query_one("#search", Input)
        table = screen.query_one("#results", VirtualTable)
        status = screen.query_one("#status")
        frames: list[tuple[str, str | None, str, str | None, bool, bool]] = []
        paint = screen._compositor_refresh

        def recording_paint() -> None:
            dirty = list(screen._compositor._dirty_regions)
            result = screen.result
            frames.append((search.value, result.query if result else None, str(status.render()),
                           str(screen._status_text(result)) if result else None,
                           _overlaps(table.region, dirty), _overlaps(status.region, dirty)))
            paint()

        screen._compositor_refresh = recording_paint  # type: ignore[method-assign]
        for character in "jhon smtih":
            await pilot.press(character if character != " " else "space")
        for _ in "smtih":
            await pilot.press("backspace")
        await settled(pilot)
        shown = None
        checked = 0
        status_on_screen = None
        for value, query, status_text, status_due, table_painted, status_painted in frames:
            if value == shown:
                continue  # a later frame of the same keystroke (the detail line, the cursor)
            shown = value
            checked += 1
            assert query == value, f"the frame showing {value!r} in the field showed the results of {query!r}"
            # The status line is repainted unless it already says what it should ("jhon" and
            # "jhon " match the same people): either way it is never a keystroke behind.
            assert table_painted, f"the frame showing {value!r} left the table as it was"
            assert status_painted or status_text == status_on_screen, f"the frame showing {value!r} left the status as it was"
            assert status_text == status_due, f"the frame showing {value!r} said {status_text!r}"
            status_on_screen = status_text
            assert ("No one matches" in status_text or " of " in status_text), status_text
        assert checked >= 10


async def test_painted_lines_are_the_lines_textual_would_paint(demo_programme: Programme) -> None:
    """The table's own paint (one merged, finished line per row, cached) gives what
    Textual's per-line styling gives for the same rows, cursor and highlights included."""
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await settled(pilot)
        await pilot.press("slash")
        for character in "maria":
            await pilot.press(character)
        await settled(pilot)
        table = screen.query_one("#results", VirtualTable)
        crop = Region(0, 0, table.size.width, table.size.height)
        for _ in range(2):  # the second paint comes from the line cache
            ours = table.render_lines(crop)
            table._paint_styles = table._styles_now()
            try:
                theirs = ScrollView.render_lines(table, crop)
            finally:
                table._paint_styles = None
            assert [strip.text for strip in ours] == [strip.text for strip in theirs]
            for mine, textual in zip(ours, theirs):
                assert _styled_cells(mine) == _styled_cells(textual)
        assert any("aria" in strip.text.lower() for strip in ours)


async def test_lines_kept_from_earlier_keystrokes_are_the_lines_made_afresh(demo_programme: Programme) -> None:
    """A row's painted line is kept by the person and the letters of their name highlighted,
    so it is reused from one keystroke to the next: after every key, each painted line is
    the line made from nothing (no cache), cursor and highlights included."""
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await settled(pilot)
        await pilot.press("slash")
        table = screen.query_one("#results", VirtualTable)
        reused = 0
        for key in ["j", "o", "space", "s", "m", "backspace", "m", "i"]:
            before = set(map(id, table._line_cache.values()))  # the lines of the keystroke before
            await pilot.press(key)
            await settled(pilot)
            crop = Region(0, 0, table.size.width, table.size.height)
            kept = table.render_lines(crop)
            reused += sum(id(strip) in before for strip in kept[1:])
            table._line_cache.clear()
            fresh = table.render_lines(crop)
            assert [_styled_cells(a) for a in kept] == [_styled_cells(b) for b in fresh], screen.shown_query
        assert reused > 0  # some rows' lines did come from the keystroke before


def _styled_cells(strip) -> list[tuple[str, object]]:
    return [(character, segment.style) for segment in Segment.simplify(strip) for character in segment.text]


async def test_the_index_build_freezes_what_is_alive(demo_programme: Programme) -> None:
    """After a full index build the objects alive then (the app's, the index's) are kept out
    of the collector's passes: a full pass no longer walks 100k people's rows."""
    gc.unfreeze()
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        assert isinstance(screen, RosterScreen) and screen.index is not None
        assert gc.get_freeze_count() > 0
    gc.unfreeze()


def test_full_collections_wait_for_a_pause_in_typing() -> None:
    now = [100.0]
    pacer = GcPacer(idle=1.0, backstop=100, now=lambda: now[0])
    saved = gc.get_threshold()
    pacer.start()
    try:
        assert gc.get_threshold()[:2] == saved[:2]
        assert gc.get_threshold()[2] >= 100
        gc.collect(1)  # a middle pass: objects got old, a full pass is due
        assert gc.get_count()[2] >= 1
        pacer.input()
        now[0] += 0.5
        assert not pacer.tick()  # typing: no full pass now
        assert gc.get_count()[2] >= 1
        now[0] += 0.6
        assert pacer.tick()  # a second without a key: the full pass runs
        assert gc.get_count()[2] == 0
    finally:
        pacer.stop()
    assert gc.get_threshold() == saved


def test_full_collections_are_spaced_while_no_key_comes() -> None:
    """A worker allocating with no key typed (an index build, the pairing ranking) makes
    middle passes all along: the full pass runs once per ``spacing`` seconds, not once per
    idle second."""
    now = [100.0]
    pacer = GcPacer(idle=1.0, backstop=100, spacing=10.0, now=lambda: now[0])
    pacer.start()
    try:
        ran = []
        for _ in range(25):  # 25 s in ticks of one second, objects getting old before each
            now[0] += 1.0
            gc.collect(1)
            if pacer.tick():
                ran.append(now[0] - 100.0)
        assert ran == [1.0, 11.0, 21.0]
        pacer.input()  # a key at 25 s, the last pass at 21 s
        gc.collect(1)
        now[0] += 1.5
        assert not pacer.tick()  # a pause in typing, but the last pass is only 5.5 s ago
        now[0] += 4.5
        assert pacer.tick()  # 10 s after it
    finally:
        pacer.stop()


async def test_the_app_paces_full_collections_while_it_runs(demo_programme: Programme) -> None:
    saved = gc.get_threshold()
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert gc.get_threshold()[2] >= app.gc_pacer.backstop
        before = app.gc_pacer.last_input
        await pilot.press("down")
        assert app.gc_pacer.last_input > before
    assert gc.get_threshold() == saved


async def test_another_process_change_holds_the_full_collection_until_it_is_shown(demo_programme: Programme) -> None:
    """A change committed elsewhere counts as activity: the open screen reads and shows it
    before the pacer's full pass may run (it held the pairing screen's refresh at 100k)."""
    from rmtui.db import Store

    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        before, generation = app.gc_pacer.last_input, app.data_generation
        with Store(demo_programme.store.path) as other, other.write() as w:
            w.execute("UPDATE participants SET job_title = 'Elsewhere', version = version + 1 WHERE id = 1")
        deadline = time.monotonic() + 30
        while app.data_generation == generation:
            assert time.monotonic() < deadline, "the change was never seen"
            await pilot.pause(0.02)
        assert app.gc_pacer.last_input > before


def _bar_column(screen, table: VirtualTable) -> list[tuple[str, tuple]]:
    """The scrollbar's column of the table as the screen paints it now."""
    x = table.region.right - 1
    strips = screen._compositor.render_strips()
    column = []
    for strip in strips[table.region.y + 1 : table.region.bottom]:
        cell = strip.crop(x, x + 1)
        column.append((cell.text, tuple(segment.style for segment in cell)))
    return column


async def test_the_scrollbar_left_unpainted_looks_as_a_repainted_one(demo_programme: Programme) -> None:
    """A new result that leaves the scrollbar's drawing as it was skips repainting it: after
    every keystroke its column is what a full scrollbar update paints."""
    app = RmtuiApp(demo_programme)
    async with app.run_test(size=(80, 13)) as pilot:  # a short table: small thumbs, often alike
        screen = await settled(pilot)
        await pilot.press("slash")
        table = screen.query_one("#results", VirtualTable)
        skipped = 0
        unchanged = table._bar_unchanged

        def counting(old: int, new: int) -> bool:
            nonlocal skipped
            same = unchanged(old, new)
            skipped += same
            return same

        table._bar_unchanged = counting  # type: ignore[method-assign]
        for text in ("e", "a", "an", "ann", "anna", "ann", "an", "a", "", "zz", "", "role:mentor", "role:mentee"):
            search = screen.query_one("#search", Input)
            search.value = text
            await settled(pilot)
            shown = _bar_column(screen, table)
            assert table.vertical_scrollbar.window_virtual_size == table.virtual_size.height
            table._scroll_update(table.virtual_size)
            await settled(pilot)
            assert _bar_column(screen, table) == shown, f"after {text!r} the scrollbar was stale"
        assert skipped  # the unpainted case was met
