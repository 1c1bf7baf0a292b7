"""The roster: every participant, fuzzy-searched as you type, instant at 100,000 people."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.geometry import Size
from textual.widgets import Header, Input, Static

from rmtui.people import pairs_line
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.navigation import EditPerson, OpenProfile
from rmtui.search.rows import RosterRow
from rmtui.startup import first_page, ready_page
from rmtui.text import clean
from rmtui.widgets.footer import Footer
from rmtui.widgets.search_field import SearchField
from rmtui.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from rmtui.db import Store
    from rmtui.search import KeptRosterIndex, RosterIndex, SearchResult

# The search index (numpy, rapidfuzz: 0.15-0.2 s of imports) loads in the index worker, after
# the first page is on screen; the screen module itself imports only the light .rows.

COLUMNS = [
    Column("name", "Name", 18, grow=3),
    Column("role", "Role", 6),
    Column("level", "Lvl", 3, justify="right"),
    Column("department", "Department", 12, grow=2),
    Column("line_of_business", "Business", 10, grow=1),
    Column("status", "Status", 9),
    Column("job_title", "Job title", 0, grow=3),
]

SORT_LABELS = {
    None: "best match",
    "name": "name",
    "role": "role",
    "level": "level",
    "department": "department",
    "line_of_business": "line of business",
    "status": "status",
}

EMPTY_HELP = (
    "No participants yet.\n\n"
    "• Press 2 to add someone's talent profile (intake).\n"
    "• Import an HR export: press 2, then ctrl+o (or ctrl+p, \"Import CSV\").\n"
    "• Or explore a sample programme:  rmtui demo"
)


class EmptyHelp(Static, can_focus=True):
    """The roster's help when no one is registered yet. It takes the focus the hidden table
    had, so the number keys, q and ? work at once instead of typing into the search field."""


PREVIEW_ROWS = 200
INLINE_SEARCH_MAX = 250_000  # people; above this a keystroke's search runs in a worker
DETAIL_WAIT = 0.2
"""Seconds without a new result (typing) before the highlighted person's pairs are read."""


class SearchInput(SearchField):
    """The roster's search field: it hands each new value to the screen at once.

    Input says "Changed" by a message, which reaches the screen after the input line has
    been painted: the results then went out a frame or two later. Searching in the same
    call that changed the value puts input, table and status on screen in one refresh.
    """

    def __init__(self, on_value: Callable[[str], object], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_value = on_value

    def _watch_value(self, value: str) -> None:
        # Input sets its virtual size on every change, which asks for a layout pass of the
        # whole screen; a one-line field of fixed size needs none (it scrolls its own text).
        if not self.styles.auto_dimensions:
            self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)
        self._on_value(value)


def _cells(row: RosterRow, name: Text | str) -> dict[str, Text | str]:
    # Plain str cells: the table renders (and caches) them without a Rich Text each.
    return {
            "name": name,
            "role": row.role,
            "level": "" if row.level is None else str(row.level),
            "department": clean(row.department),
            "line_of_business": clean(row.line_of_business),
            "status": row.status,
            "job_title": clean(row.job_title),
        }


class RosterSource:
    """Cells of one search result, built only for rows that are painted."""

    def __init__(self, result: SearchResult, generation: int = 0) -> None:
        self.result = result
        self.cache_scope = generation  # a new index (people changed): rendered lines are stale
        self._spans: dict[int, tuple[tuple[int, int], ...]] = {}

    def __len__(self) -> int:
        return self.result.total

    def _name_spans(self, index: int) -> tuple[tuple[int, int], ...]:
        spans = self._spans.get(index)
        if spans is None:
            spans = self._spans[index] = tuple(self.result.name_spans(index))
        return spans

    def row_key(self, index: int) -> tuple:
        """What row ``index`` looks like depends on: the person, and which letters of their
        name are highlighted (not the query's words: a row whose highlight stays as it was
        from one keystroke to the next is not made again)."""
        return (self.result.row_id(index), self._name_spans(index))

    def cells(self, index: int) -> dict[str, Text | str]:
        row = self.result.row(index)
        spans = self._name_spans(index)
        if not spans:
            return _cells(row, clean(row.name))
        name = Text(clean(row.name))
        for start, end in spans:
            name.stylize("match", start, end)
        return _cells(row, name)

    def person_id(self, index: int) -> int:
        return self.result.row(index).id


class PreviewSource:
    """The first page by name, shown while the search index is being built."""

    def __init__(self, rows: list[RosterRow]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text | str]:
        row = self.rows[index]
        return _cells(row, clean(row.name))

    def person_id(self, index: int) -> int:
        return self.rows[index].id


def _build_index(store: Store, first_page_shown: threading.Event, screen: RosterScreen) -> RosterIndex:
    """Build the roster's search index, or update it by the people changed since (in a worker)."""
    # Building the index competes with the thread that paints: wait (briefly) until the
    # first page is on screen, so 100k people show at once.
    first_page_shown.wait(timeout=2.0)
    return screen.kept.build(store)


def _search(
    index: RosterIndex, query: str, sort: str | None, descending: bool, previous: SearchResult | None
) -> SearchResult:
    return index.search(query, sort=sort, descending=descending, previous=previous)


class RosterScreen(ProgrammeScreen):
    """Search field on top, results below; Enter opens the talent profile."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("RosterScreen")  # type: ignore[assignment]

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"edit"})

    AUTO_FOCUS = "#results"
    """The table has the focus from the start (on_mount asks for it too): Textual's own
    auto-focus took the search field first, so the first frames showed its footer and the
    footer was built again for the table's keys (issue 14)."""

    DEFAULT_CSS = """
    RosterScreen #search { border: tall $border-blurred; }
    RosterScreen #search:focus { border: tall $border; }
    RosterScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    RosterScreen #empty { height: auto; padding: 1 2; display: none; }
    /* Always there: a scrollbar that comes and goes with the result's length costs two
       layout passes, and the keystroke's results a frame or two. */
    RosterScreen #results { overflow-y: scroll; }
    RosterScreen #detail { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.index: RosterIndex | None = None
        self._kept: KeptRosterIndex | None = None
        self.index_generation = 0
        self.result: SearchResult | None = None
        self.shown_query: str | None = None
        self.sort: str | None = None
        self.descending = False
        self.index_building = False
        self.first_page_shown = threading.Event()
        self.reload_pending = False
        self.detail_for: int | None = None  # the person whose pairs the detail line shows (or is reading)
        self.detail_stale = False  # a change arrived: the detail line is read again after the index update
        self._detail_due: float | None = None  # a pending read waits for no new result until then
        self._detail_timer_set = False
        self._detail_said = False  # the detail line shows someone's pairs (not blank)
        self._typed_at = -DETAIL_WAIT  # when a key last changed the search field's value
        self._status_shown: Text | None = None  # what show() last put in the status line

    @property
    def kept(self) -> KeptRosterIndex:
        """The index kept across changes; made (and the search modules imported) when first asked."""
        if self._kept is None:
            from rmtui.search import KeptRosterIndex

            self._kept = KeptRosterIndex()
        return self._kept

    def compose(self):
        yield Header()
        yield SearchInput(
            self._value_typed,
            placeholder="Search: name, email, title, interests…  filters: role:mentor dept:finance level:>=5",
            id="search",
        )
        yield Static("Loading the roster…", id="status")
        yield EmptyHelp(EMPTY_HELP, id="empty")
        yield VirtualTable(COLUMNS, id="results")
        yield Static("", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        # The table, not the search field: q, ? and the number keys work at once; / searches.
        self.query_one("#results", VirtualTable).focus()
        rows = ready_page(self.programme.store, PREVIEW_ROWS)
        if rows is not None:
            # Read ahead while the app loaded, and ready: in the first frame (issue 14).
            self._preview_loaded(rows)
            self._preview_done()
        else:
            self.load_preview()
        self.refresh_data()

    # -- loading and searching ---------------------------------------------------------

    def load_preview(self) -> None:
        self.run_work(
            first_page, self.programme.store, PREVIEW_ROWS,
            what="load the roster", done=self._preview_loaded, after=self._preview_done,
            group="preview", exclusive=False,
        )

    def _preview_loaded(self, rows: list[RosterRow]) -> None:
        if self.index is None:
            self._show_preview(rows)

    def _preview_done(self) -> None:
        self.call_after_refresh(self.first_page_shown.set)

    def load_index(self) -> None:
        self.run_work(
            _build_index, self.programme.store, self.first_page_shown, self,
            what="load the roster", done=self._index_loaded, after=self._index_done,
            group="load", exclusive=False,
        )

    def _index_loaded(self, index: RosterIndex) -> None:
        if index is self.index:
            return  # nothing the roster shows changed
        self.index = index
        self.index_generation += 1
        if self.kept.reread is None:  # a full build (not a live update of a few people)
            # The objects alive now (the app's, the index's) are long-lived: keep them out of
            # the cyclic collector's full passes, which otherwise stop a keystroke for 100+ ms
            # every few keys at 10k people. Reference counting still frees them when they go.
            gc.freeze()
            # And ready the word lookup the index's updates need, so the first is quick too.
            self.run_work(self.kept.prepare, what="load the roster", group="prepare", exclusive=False)
        self.result = None
        self._search(incremental=False)

    def _index_done(self) -> None:
        self.index_building = False
        if self.reload_pending:
            self.reload_pending = False
            self.refresh_data()
        elif self.detail_stale:
            # The highlighted person's pairs may have changed too: read them once the
            # changed people are on screen, not beside the update (which they slowed).
            self.detail_stale = False
            if self.is_mounted and self.detail_for is not None:
                self._follow_cursor(again=True)

    def refresh_data(self) -> None:
        """Update the index from the database (after an edit or another coordinator's).

        The index is updated by the people changed since (see KeptRosterIndex). Changes
        that arrive while an update runs are coalesced into one more, so a burst of edits
        elsewhere never stacks up index work on a 100k roster.
        """
        if self.index is not None:  # a change, not the first load
            self.detail_stale = True
        if self.index_building:
            self.reload_pending = True
            return
        self.index_building = True
        self.load_index()


    def run_search(self, query: str, sort: str | None, descending: bool, previous: SearchResult | None) -> None:
        assert self.index is not None
        self.run_work(
            _search, self.index, query, sort, descending, previous,
            what="search the roster", done=self._searched, group="search",
        )

    def _searched(self, result: SearchResult) -> None:
        if result.query == self.query_one("#search", Input).value:  # else a later keystroke's is on its way
            self.show(result)

    def _search(self, *, incremental: bool = True) -> None:
        if self.index is None:
            return
        query = self.query_one("#search", Input).value
        previous = self.result if incremental else None
        if len(self.index) <= INLINE_SEARCH_MAX:
            # A few milliseconds at this size: answering on the spot saves a thread hop
            # and a message round trip, which cost more than the search itself.
            self.show(self.index.search(query, sort=self.sort, descending=self.descending, previous=previous))
        else:
            self.run_search(query, self.sort, self.descending, previous)

    def show(self, result: SearchResult) -> None:
        """Put ``result`` on screen; the cursor goes to the best match on a new query."""
        same_query = self.shown_query == result.query
        self.result = result
        self.shown_query = result.query
        table = self.query_one("#results", VirtualTable)
        table.set_source(RosterSource(result, self.index_generation), cursor=None if same_query else 0)
        shown_sort = self.sort or (None if result.query.strip() else "name")
        table.set_sort(shown_sort, self.descending)
        empty = self.index is not None and len(self.index) == 0
        if self.query_one("#empty").display != empty:
            self._show_empty(empty)
        # One line of fixed height: no layout pass, so it goes out with the table. The same
        # line again (say "1 of 100,000 people match" as the name is typed on) is not redrawn.
        status_text = self._status_text(result)
        if status_text != self._status_shown:
            self._status_shown = status_text
            self.query_one("#status", Static).update(status_text, layout=False)
        self._follow_cursor()

    def _show_preview(self, rows: list[RosterRow]) -> None:
        table = self.query_one("#results", VirtualTable)
        table.set_source(PreviewSource(rows), cursor=0)
        table.set_sort("name")
        self._show_empty(not rows)
        if rows:
            self._status_shown = None
            self.query_one("#status", Static).update(
                Text(f"First {len(rows)} by name · preparing the search over everyone…")
            )
        self._follow_cursor()

    def _show_empty(self, empty: bool) -> None:
        """Show the help (no one yet) or the table; the focus follows, unless it is in search."""
        table = self.query_one("#results", VirtualTable)
        help_ = self.query_one("#empty", EmptyHelp)
        had_focus = self.focused is None or self.focused in (table, help_)
        help_.display = empty
        table.display = not empty
        if had_focus:
            (help_ if empty else table).focus()

    def _status_text(self, result: SearchResult) -> Text:
        """One line: what is wrong with the query first (it must not be cut off), then counts."""
        status = Text()
        for problem in result.problems:
            status.append(f"{problem} · ", style="bold")
        total = len(self.index) if self.index is not None else 0
        people = "person" if total == 1 else "people"
        if result.query.strip() and not result.total and total:
            return status.append("No one matches: remove a filter or loosen the spelling.")
        if result.query.strip():
            status.append(f"{result.total:,} of {total:,} {people} match")
        else:
            status.append(f"{total:,} {people}")
        order = SORT_LABELS.get(self.sort, self.sort or "")
        if not result.query.strip() and self.sort is None:
            order = "name"
        return status.append(f" · sorted by {order}{' (reversed)' if self.descending else ''}")

    def _value_typed(self, value: str) -> None:
        self._typed_at = time.monotonic()
        if self.is_mounted:
            self._search()

    @on(Input.Submitted, "#search")
    def query_submitted(self) -> None:
        self.query_one("#results", VirtualTable).focus()

    def person_at(self, index: int) -> int | None:
        """Return the id of the person on row ``index`` of what is shown (None if no row)."""
        source = self.query_one("#results", VirtualTable).source
        if isinstance(source, (RosterSource, PreviewSource)) and 0 <= index < len(source):
            return source.person_id(index)
        return None

    # -- the highlighted person's pairs, with their numbers (g on the timeline takes them) --------

    @on(VirtualTable.CursorMoved, "#results")
    def cursor_moved(self) -> None:
        self._follow_cursor(at_once=True)

    def _follow_cursor(self, again: bool = False, at_once: bool = False) -> None:
        """Show the highlighted person's pairs (``again``: re-read them after a change).

        They are read at once (after the frame is painted), but while someone types in the
        search field only once no key came for DETAIL_WAIT seconds: each read is a worker
        and one more frame, which made the next key wait. Meanwhile the line is blank: it
        never shows one person's pairs beside another's row.
        """
        person = self.person_at(self.query_one("#results", VirtualTable).cursor)
        now = time.monotonic()
        typing = not at_once and now - self._typed_at < DETAIL_WAIT
        if person == self.detail_for and not again:
            if typing and self._detail_due is not None:
                self._detail_due = now + DETAIL_WAIT  # still typing: the pending read waits on
            return
        if person != self.detail_for:
            self.detail_for = person
            self._blank_detail()
            if typing and (person is None) == self.query_one("#detail", Static).display:
                self.call_after_refresh(self._show_or_hide_detail)  # the layout changes at once, as the rows
        self.detail_stale = False  # read now: after any change seen so far
        if again or not typing:
            self._detail_due = None
            # After the results are painted: a keystroke's results never wait for this read.
            self.call_after_refresh(self._read_detail)
            return
        self._detail_due = now + DETAIL_WAIT
        if not self._detail_timer_set:  # one timer, set again only when it fires early
            self._detail_timer_set = True
            self.set_timer(DETAIL_WAIT, self._detail_timer)

    @property
    def detail_pending(self) -> bool:
        """A read of the highlighted person's pairs waits for a pause in typing."""
        return self._detail_due is not None

    def _detail_timer(self) -> None:
        self._detail_timer_set = False
        due = self._detail_due
        if due is None or not self.is_mounted:
            return  # read already (the cursor moved meanwhile), or the screen is gone
        wait = due - time.monotonic()
        if wait > 0.005:  # a key came since the timer was set: wait for the quiet after it
            self._detail_timer_set = True
            self.set_timer(wait, self._detail_timer)
            return
        self._detail_due = None
        self._read_detail()

    def _blank_detail(self) -> None:
        """Say nothing until the highlighted person's pairs are read (one line, no layout)."""
        if self._detail_said:
            self._detail_said = False
            self.query_one("#detail", Static).update("", layout=False)

    def _show_or_hide_detail(self) -> None:
        self.query_one("#detail", Static).display = self.detail_for is not None

    def _read_detail(self) -> None:
        person = self.detail_for
        self._show_or_hide_detail()  # no one highlighted (no match, no one yet): no line
        if person is None:
            return
        self.run_work(pairs_line, self.programme.store, person, what="read this person's pairs",
                      done=lambda line: self._show_detail(person, line), group="detail")

    def _show_detail(self, person: int, line: str) -> None:
        if person == self.detail_for:
            self._detail_said = True
            self.query_one("#detail", Static).update(Text(line, no_wrap=True, overflow="ellipsis"), layout=False)

    @on(VirtualTable.Selected, "#results")
    def open_profile(self, event: VirtualTable.Selected) -> None:
        person = self.person_at(event.index)
        if person is not None:
            self.post_message(OpenProfile(person))

    @on(VirtualTable.HeaderClicked, "#results")
    def header_clicked(self, event: VirtualTable.HeaderClicked) -> None:
        from rmtui.search import SORT_KEYS

        if event.column in SORT_KEYS:
            if self.sort == event.column:
                self.descending = not self.descending
            else:
                self.sort, self.descending = event.column, False
            self._search(incremental=False)

    # -- actions -----------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_results(self) -> None:
        self.query_one("#results", VirtualTable).focus()

    def action_sort(self) -> None:
        """Cycle the sort: best match → name → role → level → department → business → status."""
        from rmtui.search import SORT_KEYS

        order: list[str | None] = [None, *SORT_KEYS]
        self.sort = order[(order.index(self.sort) + 1) % len(order)]
        self.descending = False
        self._search(incremental=False)

    def action_edit(self) -> None:
        """Open the highlighted participant in the intake form to edit them."""
        person = self.person_at(self.query_one("#results", VirtualTable).cursor)
        if person is not None:
            self.post_message(EditPerson(person))

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self._search(incremental=False)
