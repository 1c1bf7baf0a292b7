"""The virtual table (widgets/virtual_table.py) on its own, in a bare app."""

from __future__ import annotations

from rich.text import Text
from textual.app import App

from rmtui.widgets.virtual_table import Column, EmptySource, VirtualTable


class Numbers:
    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count

    def cells(self, index: int) -> dict[str, Text]:
        return {"n": Text(f"row {index}")}


class Host(App[None]):
    def compose(self):
        yield VirtualTable([Column("n", "Row", 10)], id="table")


async def test_rows_given_after_none_show_the_cursor_far_down() -> None:
    """A screen that let its rows go (left for another area) gives them back with the cursor
    where it was: its row must be on screen, though the scrollbar comes with the rows a frame
    later (the leaderboard and triage came back at the top, the cursor off screen)."""
    app = Host()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(VirtualTable)
        table.set_source(Numbers(1_000), cursor=0)
        await pilot.pause()
        table.set_source(EmptySource(), cursor=0)
        await pilot.pause()
        table.set_source(Numbers(1_000), cursor=600)
        await pilot.pause()
        top, body = int(table.scroll_offset.y), table.size.height - 1
        assert table.cursor == 600 and top <= 600 < top + body
        table.set_source(Numbers(1_000), cursor=3)  # and back up, rows staying
        await pilot.pause()
        top = int(table.scroll_offset.y)
        assert top <= 3 < top + body
