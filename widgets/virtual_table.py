"""A table that renders only the rows on screen, so 100,000 rows cost what 20 do.

It holds no rows: a :class:`RowSource` hands it the cells of row ``i`` when that row is
painted. The header line stays put while the body scrolls. The widget never touches the
database; the screen gives it a source built from data it already has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import ceil
from typing import ClassVar, Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.style import Style as TextualStyle


@dataclass(frozen=True)
class Column:
    """One column: its key, header label, and width (``min`` cells, ``grow`` share of the rest)."""

    key: str
    label: str
    min: int
    grow: int = 0
    justify: str = "left"


class RowSource(Protocol):
    """What the table asks of its data."""

    def __len__(self) -> int: ...

    def cells(self, index: int) -> Mapping[str, Text | str]:
        """Return the cells of row ``index`` keyed by column key (a str is a plain cell)."""
        ...

    # Optional: ``row_key(index)`` returns a hashable value that changes whenever the cells
    # of row ``index`` would (say the person's id and the highlighted words). A source that
    # has it gets its rendered lines cached: scrolling back and repainting cost nothing.
    # The cached lines are dropped when a source with another ``cache_scope`` is set (say
    # after the data behind the rows changed).


class EmptySource:
    """No rows: what a table shows before (or instead of) any data."""

    def __len__(self) -> int:
        return 0

    def cells(self, index: int) -> Mapping[str, Text | str]:
        return {}


@dataclass
class _TableMessage(Message):
    """A message from a VirtualTable; ``control`` lets screens filter by the table's id."""

    table: VirtualTable

    @property
    def control(self) -> VirtualTable:
        return self.table


class VirtualTable(ScrollView, can_focus=True):
    """A keyboard-driven table over a RowSource, rendering visible lines only."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=True),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--match",
        "virtual-table--sorted",
    }

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        background: $surface;
    }
    VirtualTable > .virtual-table--header {
        text-style: bold;
        background: $panel;
        color: $text;
    }
    VirtualTable > .virtual-table--sorted {
        text-style: bold underline;
    }
    VirtualTable > .virtual-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    VirtualTable:focus > .virtual-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    VirtualTable > .virtual-table--match {
        text-style: bold underline;
        color: $accent;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    OPTIONAL_MIN = 10
    LINE_CACHE = 512  # rendered lines kept: a few screens to scroll back to

    @dataclass
    class CursorMoved(_TableMessage):
        """The highlighted row changed."""

        index: int

    @dataclass
    class Selected(_TableMessage):
        """Enter (or a click) on a row."""

        index: int

    @dataclass
    class HeaderClicked(_TableMessage):
        """A click on a column's header (screens use it to sort)."""

        column: str

    def __init__(
        self,
        columns: list[Column],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        selectable: bool = True,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = columns
        self.selectable = selectable
        """False when nothing opens a row: Enter ("Open") is then neither shown nor bound."""
        self.source: RowSource = EmptySource()
        self.sorted_column: str | None = None
        self.sort_descending = False
        self._widths: list[int] = []
        self._widths_for = -1
        # Rendered lines by (row key, width, match style, line style[, how painted]), and the
        # text of plain cells by (text, width, justify): columns such as role, department and
        # status repeat, so most cells of a new line are already cut to width. (Strings, not
        # Segments: the garbage collector has no string to walk; each cached line is a few
        # dozen objects it walks in every full pass, hence the modest LINE_CACHE.)
        self._line_cache: dict[tuple, Strip] = {}
        self._paint_styles: tuple[int, int, Style, Style, Style] | None = None
        self._header: tuple[tuple, Strip] | None = None
        self._blank: Strip | None = None
        self._cell_cache: dict[tuple[str, int, str], list[Segment]] = {}
        self._cell_texts: dict[tuple[str, int, str], str] = {}

    # -- data ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.source)

    def set_source(self, source: RowSource, *, cursor: int | None = None) -> None:
        """Show ``source``; keep the cursor where it was unless told otherwise."""
        if getattr(source, "cache_scope", None) != getattr(self.source, "cache_scope", None):
            self._line_cache.clear()
        self.source = source
        count = len(source)
        target = self.cursor if cursor is None else cursor
        self._set_virtual_height(count + 1)
        self.set_reactive(VirtualTable.cursor, max(0, min(target, count - 1)))
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor))

    def _set_virtual_height(self, height: int) -> None:
        """Set the scrollable height; without a layout pass when the scrollbar stays as it is.

        A layout pass repaints the whole screen (header, footer, every widget) a frame later:
        a new search result that only changes the row count needs none, so the table's new
        lines go out in the same frame as the keystroke's input line.
        """
        new = Size(0, height)
        old = self.virtual_size
        if new == old:
            return
        window = self.container_size.height
        scrollbar_stays = self.styles.overflow_y == "scroll" or (old.height > window) == (height > window)
        if self.is_mounted and window > 0 and scrollbar_stays:
            self.set_reactive(VirtualTable.virtual_size, new)
            if self._bar_unchanged(old.height, height):
                # The bar looks as it did (say 10,000 rows, then 2,000: a one-cell thumb at the
                # top either way): give it the new size without repainting its column.
                self.vertical_scrollbar.set_reactive(ScrollBar.window_virtual_size, height)
            else:
                self._scroll_update(new)
        else:
            self.virtual_size = new

    def _bar_unchanged(self, old: int, new: int) -> bool:
        """Whether the vertical scrollbar draws the same for ``new`` rows as for ``old`` (and
        the scroll offset stays valid): then nothing about it needs repainting."""
        if not self.show_vertical_scrollbar or self.show_horizontal_scrollbar:
            return False
        bar = self.vertical_scrollbar
        if bar.window_virtual_size != old or self.validate_scroll_y(self.scroll_y) != self.scroll_y:
            return False

        def drawn(virtual: int) -> list[Segment]:
            window = bar.window_size if bar.window_size < virtual else 0
            return list(bar.renderer.render_bar(size=bar.size.height, virtual_size=ceil(virtual),
                                                window_size=ceil(window), position=bar.position,
                                                thickness=bar.thickness, vertical=True).segments)

        return drawn(old) == drawn(new)

    def set_sort(self, column: str | None, descending: bool = False) -> None:
        """Mark ``column`` as the sorted one in the header."""
        self.sorted_column = column
        self.sort_descending = descending
        self.refresh(Region(0, 0, self.size.width, 1))

    # -- layout ----------------------------------------------------------------------

    def _column_widths(self, width: int) -> list[int]:
        """Share ``width`` out: each column its minimum, the rest by ``grow``.

        An optional column (``min`` 0) that would get fewer than ``OPTIONAL_MIN`` cells is
        dropped (width 0, no gap) rather than shown as a useless sliver.
        """
        shown = list(self.columns)
        while True:
            gaps = len(shown) - 1
            fixed = sum(c.min for c in shown) + gaps
            spare = max(0, width - fixed)
            growth = sum(c.grow for c in shown) or 1
            widths = {c.key: c.min + spare * c.grow // growth for c in shown}
            thin = [c for c in shown if c.min == 0 and widths[c.key] < self.OPTIONAL_MIN]
            if not thin:
                break
            shown.remove(thin[-1])
        first = shown[0].key
        widths[first] += max(0, width - (sum(widths.values()) + len(shown) - 1))
        return [widths.get(c.key, 0) for c in self.columns]

    # -- rendering -------------------------------------------------------------------

    def _cell(self, text: Text, width: int, justify: str) -> list[Segment]:
        """Return the segments of one cell: ``text`` cut or padded to ``width`` cells."""
        plain = not text.spans and not text.style
        if plain:
            cached = self._cell_cache.get((text.plain, width, justify))
            if cached is not None:
                return cached
        cell = text.copy()
        cell.end = ""
        cell.truncate(width, overflow="ellipsis", pad=False)
        if cell.style:  # Text.render leaves the text's own style to its caller: make it a span
            cell.stylize(cell.style, 0, len(cell))
            cell.style = ""
        padding = " " * (width - cell.cell_len)
        segments = [s for s in cell.render(self.app.console) if s.text]
        if padding:
            segments = [Segment(padding), *segments] if justify == "right" else [*segments, Segment(padding)]
        if plain:
            if len(self._cell_cache) > 2048:
                self._cell_cache.clear()
            self._cell_cache[(text.plain, width, justify)] = segments
        return segments

    def _cell_text(self, text: str, width: int, justify: str) -> str:
        """Return plain ``text`` cut or padded to ``width`` cells (made once per text and width).

        Most cells of a line are plain (role, department, status...) and repeat from row to
        row; a line's plain cells and gaps go out as one segment.
        """
        key = (text, width, justify)
        cell = self._cell_texts.get(key)
        if cell is None:
            length = cell_len(text)
            if length > width or "\t" in text:
                cell = "".join(s.text for s in self._cell(Text(text), width, justify))
            else:
                padding = " " * (width - length)
                cell = padding + text if justify == "right" else text + padding
            if len(self._cell_texts) > 8192:
                self._cell_texts.clear()
            self._cell_texts[key] = cell
        return cell

    @staticmethod
    def _marked_cell(text: Text, width: int, justify: str, style: Style, match_style: Style) -> list[Segment] | None:
        """Return a cell whose only styling is "match" spans (a highlighted name) without Rich's
        render; None when it needs Rich (cut to fit, overlapping spans, other styles)."""
        plain = text.plain
        if text.style or "\t" in plain or cell_len(plain) > width or not match_style:
            return None
        segments = []
        at = 0
        marked = style + match_style
        for span in sorted(text.spans):
            if span.style != "match" or span.start < at:
                return None
            start, end = span.start, min(span.end, len(plain))
            if start >= end:
                continue
            if start > at:
                segments.append(Segment(plain[at:start], style))
            segments.append(Segment(plain[start:end], marked))
            at = end
        if at < len(plain):
            segments.append(Segment(plain[at:], style))
        padding = width - cell_len(plain)
        if padding:
            if justify == "right":
                segments.insert(0, Segment(" " * padding, style))
            else:
                segments.append(Segment(" " * padding, style))
        return segments

    def _plain_line(self, cells: list[Text]) -> Strip:
        segments: list[Segment] = []
        for position, (text, width) in enumerate(zip(cells, self._widths)):
            if not width:
                continue
            if segments:
                segments.append(Segment(" "))
            segments += self._cell(text, width, self.columns[position].justify)
        return Strip(segments).adjust_cell_length(self._widths_for)

    def _line(self, cells: list[Text], base: Style) -> Strip:
        return self._plain_line(cells).apply_style(base)

    def _row_line(self, cells: Mapping[str, Text | str], style: Style, match_style: Style) -> Strip:
        """Return one body line in ``style``: one Strip, made once, of as few segments as its
        styles allow (the plain cells and the gaps between them are one segment)."""
        segments, total = self._row_segments(cells, style, match_style)
        if total == self._widths_for:
            return Strip(segments, total)
        return Strip(segments).adjust_cell_length(self._widths_for, style)

    def _finished_row(self, cells: Mapping[str, Text | str], style: Style, match_style: Style,
                      painted: tuple[int, Style, tuple, Color]) -> Strip:
        """Return a body line as it goes out (see _painted), made as one Strip."""
        segments, total = self._row_segments(cells, style, match_style)
        width, inner, filters, background = painted
        if total != self._widths_for or width < total:
            return self._painted(self._row_line(cells, style, match_style), painted)
        if width > total:
            segments.append(Segment(" " * (width - total), inner))
        for line_filter in filters:
            segments = line_filter.apply(segments, background)
        return Strip(segments, width)

    def _row_segments(
        self, cells: Mapping[str, Text | str], style: Style, match_style: Style
    ) -> tuple[list[Segment], int]:
        """The segments of a body line and its cell length."""
        segments: list[Segment] = []
        run: list[str] = []  # text in ``style`` not yet made a segment
        total = 0
        for column, width in zip(self.columns, self._widths):
            if not width:
                continue
            if total:
                run.append(" ")
                total += 1
            total += width
            text = cells.get(column.key, "")
            if isinstance(text, Text):
                if not text.spans and not text.style:
                    text = text.plain
                else:
                    marked = self._marked_cell(text, width, column.justify, style, match_style)
                    if marked is None:
                        if text.spans and match_style:
                            text = text.copy()
                            text.spans = [span._replace(style=match_style) if span.style == "match" else span
                                          for span in text.spans]
                        marked = list(Segment.apply_style(self._cell(text, width, column.justify), style))
                    for segment in marked:
                        if segment.style == style and not segment.control:
                            run.append(segment.text)
                        else:
                            if run:
                                segments.append(Segment("".join(run), style))
                                run = []
                            segments.append(segment)
                    continue
            run.append(self._cell_text(text, width, column.justify))
        if run:
            segments.append(Segment("".join(run), style))
        return segments, total

    def _styles_now(self) -> tuple[int, int, Style, Style, Style]:
        """Return (width, top row, base, cursor and match styles) of what is painted now."""
        return (
            self.scrollable_content_region.width,
            int(self.scroll_offset.y),
            self.rich_style,
            self.get_component_rich_style("virtual-table--cursor"),
            self.get_component_rich_style("virtual-table--match", partial=True),
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's styles (and its width and scroll offset) are looked up once for all the
        # lines of one paint: each lookup walks the CSS of the widget and its ancestors, and
        # used to cost a third of a line.
        self._paint_styles = self._styles_now()
        try:
            plain = self._plain_paint(crop)
            if plain is None:
                return super().render_lines(crop)
            width, inner, filters, background = plain
            painted = (width, inner, tuple(filters), background)
            return [self._body_line(y, painted) for y in crop.line_range]
        finally:
            self._paint_styles = None

    def _plain_paint(self, crop: Region) -> tuple[int, Style, list, Color] | None:
        """Return (width, inner style, line filters, background) when Textual's per-line
        styling is a no-op.

        Textual's styles cache passes every line through border, padding, tint and opacity
        handling and makes two new Strips of it per paint (each with seven small caches):
        a third of a keystroke's frame at 40 lines. For this table as styled (no border,
        padding, outline, tint, hatch or opacity) those steps change nothing, so its lines,
        already cached, go out as they are, through the app's line filters only (which cache
        their result on the line). Any other styling takes Textual's way.
        """
        styles = self.styles
        width = self.size.width
        if (
            crop.column_span != (0, width)
            or self.content_region.width != width
            or any(edge for edge, _ in styles.border)
            or any(edge for edge, _ in styles.outline)
            or styles.gutter != Spacing(0, 0, 0, 0)
            or styles.tint.a
            or styles.opacity != 1.0
            or styles.text_opacity != 1.0
            or (styles.has_rule("hatch") and styles.hatch != "none")
            or self._border_title is not None
            or self._border_subtitle is not None
            or self.opacity != 1.0
            or self.hover_style._link_id
        ):
            return None
        base_background, background = self.background_colors
        inner = TextualStyle(background=base_background + background).rich_style
        return width, inner, list(self.get_line_filters()), background

    def render_line(self, y: int) -> Strip:
        return self._body_line(y)

    @staticmethod
    def _painted(strip: Strip, painted: tuple[int, Style, tuple, Color]) -> Strip:
        """``strip`` as it goes out: as wide as the widget (the scrollbar's column is painted
        over, as Textual does), through the app's line filters."""
        width, inner, filters, background = painted
        strip = strip.adjust_cell_length(width, inner)
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
        return strip

    def _body_line(self, y: int, painted: tuple[int, Style, tuple, Color] | None = None) -> Strip:
        """Line ``y`` of the widget; ``painted``: finished as it goes out (see _plain_paint).

        A row's finished line is what is cached: a repaint makes nothing, and a new row makes
        one line, not one line and a copy per step (each copy also kept alive by its cache).
        """
        width, top, base, cursor_style, match_style = self._paint_styles or self._styles_now()
        if width != self._widths_for:
            self._widths = self._column_widths(width)
            self._widths_for = width
        if y == 0:
            header = self._header_line()
            return header if painted is None else self._painted(header, painted)
        index = top + y - 1
        if index >= len(self.source):
            blank = self._blank
            if blank is None or blank.cell_length != width or blank._segments[0].style != base:
                blank = self._blank = Strip([Segment(" " * width, base)], width)
            return blank if painted is None else self._painted(blank, painted)
        if index == self.cursor:
            base = base + cursor_style
        row_key = getattr(self.source, "row_key", None)
        key = None if row_key is None else (row_key(index), width, match_style, base, painted)
        strip = None if key is None else self._line_cache.get(key)
        if strip is None:
            cells = self.source.cells(index)
            if painted is None:
                strip = self._row_line(cells, base, match_style)
            else:
                strip = self._finished_row(cells, base, match_style, painted)
            if key is not None:
                if len(self._line_cache) >= self.LINE_CACHE:
                    self._line_cache.clear()
                self._line_cache[key] = strip
        return strip

    def _header_line(self) -> Strip:
        header_style = self.get_component_rich_style("virtual-table--header")
        sorted_style = self.get_component_rich_style("virtual-table--sorted", partial=True)
        base = self.rich_style + header_style
        key = (self._widths_for, self.sorted_column, self.sort_descending, sorted_style, base)
        if self._header is not None and self._header[0] == key:
            return self._header[1]
        labels = []
        for column in self.columns:
            label = Text(column.label)
            if column.key == self.sorted_column:
                label = Text(column.label + (" ▼" if self.sort_descending else " ▲"), style=sorted_style)
            labels.append(label)
        strip = self._line(labels, base)
        self._header = (key, strip)
        return strip

    # -- cursor ----------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.CursorMoved(self, new))

    def _scroll_cursor_into_view(self) -> None:
        # (forced: rows given when there were none, the scrollbar they bring is laid out a
        # frame later and Textual refuses to scroll until then: coming back to a screen with
        # the cursor far down left it at the top, off screen)
        body = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True, force=True)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False, immediate=True, force=True)

    def _move_to(self, index: int) -> None:
        count = len(self.source)
        if count:
            self.cursor = max(0, min(index, count - 1))

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.size.height - 2))

    def action_jump(self, index: int) -> None:
        self._move_to(index if index >= 0 else len(self.source) - 1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.selectable or action != "select"

    def action_select(self) -> None:
        if len(self.source):
            self.post_message(self.Selected(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x
            for column, width in zip(self.columns, self._widths):
                if not width:
                    continue
                if x < width + 1:
                    self.post_message(self.HeaderClicked(self, column.key))
                    return
                x -= width + 1
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self.source):
            if index == self.cursor and event.chain >= 2:
                self.action_select()
            self.cursor = index
