"""Leaderboard: whose sessions are up to date, who is behind, who posts notes — live.

Three views (v cycles): pairs, department standings, and by session (for session k, which
pairs have held it; [ and ] change k). g, p, d and n sort the pairs view (again reverses);
w switches the wave. When anyone commits, the board is re-read in a worker and the rows
are replaced in place: the cursor stays on the same pair or department, the scroll with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import Header, Static

from rmtui import leaderboard as service
from rmtui.leaderboard import DepartmentStanding, Leaderboard, LeaderRow, SessionProgress
from rmtui.programme import Programme
from rmtui.schedule import as_date
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.navigation import OpenPair
from rmtui.session_status import short_day
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, EmptySource, VirtualTable

READING = "Reading the leaderboard…"
VIEWS = ("pairs", "departments", "sessions")
VIEW_TITLE = {"pairs": "Pairs", "departments": "Departments", "sessions": "By session"}

PAIR_COLUMNS = [
    Column("rank", "#", 3, justify="right"),
    Column("pair", "Pair", 16, grow=2),
    Column("departments", "Departments", 0, grow=3),
    Column("held", "Held", 5, justify="right"),
    Column("state", "State", 9),
    Column("notes", "Notes", 5, justify="right"),
    Column("last", "Last", 6),
    Column("trend", "", 1),
]
DEPARTMENT_COLUMNS = [
    Column("rank", "#", 3, justify="right"),
    Column("department", "Department", 16, grow=2),
    Column("pairs", "Pairs", 5, justify="right"),
    Column("people", "People", 6, justify="right"),
    Column("held", "Held/due", 9, justify="right"),
    Column("progress", "Progress", 8, justify="right"),
    Column("behind", "Behind", 6, justify="right"),
    Column("notes", "Notes", 5, justify="right"),
]
SESSION_COLUMNS = [
    Column("pair", "Pair", 16, grow=2),
    Column("departments", "Departments", 0, grow=2),
    Column("state", "Session", 16),
]

STATE_STYLE = {"ahead": "bold green", "on_track": "green", "behind": "bold red", "paused": "yellow",
               "completed": "cyan", "closed_early": "dim", "held": "green", "overdue": "bold red",
               "due": "", "cancelled": "dim"}
STATE_SHORT = {**service.STATE_LABEL, "closed_early": "closed"}
SORT_LABEL = {"progress": "progress", "pair": "pair", "department": "department", "notes": "notes on time"}
SORT_COLUMN = {"progress": "rank", "pair": "pair", "department": "departments", "notes": "notes"}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


class PairRows:
    """Cells of the pairs view, built only for painted rows."""

    def __init__(self, rows: list[LeaderRow], board: Leaderboard) -> None:
        self.rows = rows
        self.today = board.today

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text]:
        row = self.rows[index]
        last = short_day(as_date(row.last_activity), self.today) if row.last_activity else "—"
        trend_style = "green" if row.trend > 0 else "red" if row.trend < 0 else "dim"
        return {
            "rank": Text(str(row.rank)),
            "pair": Text(row.pair, style="" if row.named else "italic"),
            "departments": Text(row.departments),
            "held": Text(f"{row.held}/{row.planned}"),
            "state": Text(STATE_SHORT[row.state], style=STATE_STYLE[row.state]),
            "notes": Text(percent(row.notes_on_time)),
            "last": Text(last),
            "trend": Text(row.trend_arrow, style=trend_style),
        }


class DepartmentRows:
    def __init__(self, standings: list[DepartmentStanding]) -> None:
        self.rows = standings

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text]:
        s = self.rows[index]
        if s.withheld:  # a small group: counts only (the footnote under the summary says why)
            return {
                "rank": Text("—", style="dim"), "department": Text(s.department), "pairs": Text(str(s.pairs)),
                "people": Text(str(s.people)), "held": Text("—", style="dim"), "progress": Text("—", style="dim"),
                "behind": Text("—", style="dim"), "notes": Text("—", style="dim"),
            }
        return {
            "rank": Text(str(s.rank)),
            "department": Text(s.department),
            "pairs": Text(str(s.pairs)),
            "people": Text(str(s.people)),
            "held": Text(f"{s.held}/{s.due}"),
            "progress": Text(percent(s.progress)),
            "behind": Text(str(s.behind), style="bold red" if s.behind else "dim"),
            "notes": Text(percent(s.notes_on_time)),
        }


class SessionRows:
    def __init__(self, rows: list[SessionProgress], board: Leaderboard) -> None:
        self.rows = rows
        self.today = board.today

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text]:
        row = self.rows[index]
        return {
            "pair": Text(row.pair),
            "departments": Text(row.departments),
            "state": Text(row.describe(self.today), style=STATE_STYLE[row.state]),
        }


@dataclass
class Loaded:
    """What one refresh read: the board, the standings, session k's progress and the choices.

    Session k's progress is read only while the by-session view is shown (None otherwise).
    """

    board: Leaderboard
    standings: list[DepartmentStanding]
    sessions: list[SessionProgress] | None
    seq: int
    session_numbers: list[int]
    waves: list[tuple[int, str]]


def _load(programme: Programme, boards: service.Leaderboards, wave_id: int | None, view: str, seq: int) -> Loaded:
    """Read everything the leaderboard's views show (in a worker)."""
    store, today = programme.store, programme.today()
    with store.snapshot():
        board = boards.build(store, today, wave_id)
        numbers, sessions = [seq], None
        if view == "sessions":
            numbers = service.session_numbers(store) or [1]
            seq = seq if seq in numbers else numbers[0]
            sessions = service.session_progress(store, board, seq)
        waves = service.wave_choices(store)
    return Loaded(board, service.department_standings(board), sessions, seq, numbers, waves)


class LeaderboardScreen(ProgrammeScreen):
    """The live leaderboard; v switches the view."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("LeaderboardScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    LeaderboardScreen #summary { height: 1; padding: 0 1; background: $panel; }
    LeaderboardScreen #standing { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.view = "pairs"
        self.sort_by = "progress"
        self.descending = False
        self.wave_id: int | None = None
        self.seq = 1
        self.loaded: Loaded | None = None
        self.boards: dict[int | None, service.Leaderboards] = {}  # one kept board per wave shown
        self.pair_rows: list[LeaderRow] = []
        self._back_to: tuple[int | None, str | None] = (None, None)  # ... the pair and department the cursors were on

    def compose(self):
        yield Header()
        yield Static(READING, id="summary")
        yield Static("", id="standing")
        yield VirtualTable(PAIR_COLUMNS, id="pairs")
        yield VirtualTable(DEPARTMENT_COLUMNS, id="departments")
        yield VirtualTable(SESSION_COLUMNS, id="sessions")
        yield Footer()

    def on_mount(self) -> None:
        self.release_when_left()
        self._show_view()
        self.load()

    def refresh_data(self) -> None:
        self.load()

    # -- leaving for another area, and coming back ---------------------------------------

    def release(self) -> None:
        """Drop what was read (at 100,000 people, 37,000 pairs: the kept boards and rows held
        18 MB after the app's trim, 46 MB read alone, for as long as the app ran). Kept: the
        view, sort, wave and session chosen, and the pair and department under the cursors;
        read again, whole, when shown again (0.45 s at 100k, 0.05 s at 10k pairs)."""
        if self.loaded is not None:
            current = self.current_pair()
            departments = self.query_one("#departments", VirtualTable)
            standings = self.loaded.standings
            self._back_to = (current.pair_id if current else None,
                             standings[departments.cursor].department if departments.cursor < len(standings) else None)
        self.loaded = None
        self.boards = {}
        self.pair_rows = []
        for table in self.query(VirtualTable):
            table.set_source(EmptySource(), cursor=0)
        self.query_one("#summary", Static).update(READING)
        self.query_one("#standing", Static).update("")

    def on_screen_resume(self) -> None:
        """Shown again after :meth:`release`: read the board again."""
        if self.released:
            self.released = False
            self.seen_generation = self.host.data_generation  # (what is read now is the newest)
            self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("sort", "next_sort", "reverse"):
            return self.view == "pairs" or None
        if action == "session":
            return self.view == "sessions" or None
        return super().check_action(action, parameters)

    # -- loading -----------------------------------------------------------------------

    def load(self) -> None:
        if self.released:  # read when shown again
            return
        boards = self.boards.setdefault(self.wave_id, service.Leaderboards())
        self.run_work(
            _load, self.programme, boards, self.wave_id, self.view, self.seq,
            what="read the leaderboard", done=self.show, group="load",
        )

    def show(self, loaded: Loaded) -> None:
        """Replace every view's rows in place; each cursor stays on the same pair or department
        (as they were when the screen was left, on the first read after coming back)."""
        if self.released:  # read before the screen was left: not kept
            return
        previous = self.loaded
        self.loaded = loaded
        self.seq = loaded.seq
        back_pair, back_department = self._back_to
        self._back_to = (None, None)
        self._fill_pairs(keep=previous is not None, pair_id=back_pair)
        departments = self.query_one("#departments", VirtualTable)
        departments.set_source(
            DepartmentRows(loaded.standings),
            cursor=self._index_of(
                [s.department for s in loaded.standings],
                previous.standings[departments.cursor].department if previous and previous.standings and departments.cursor < len(previous.standings) else back_department,
            ),
        )
        if loaded.sessions is not None:
            sessions = self.query_one("#sessions", VirtualTable)
            before = previous.sessions if previous is not None and previous.seq == loaded.seq else None
            sessions.set_source(
                SessionRows(loaded.sessions, loaded.board),
                cursor=self._index_of(
                    [s.pair_id for s in loaded.sessions],
                    before[sessions.cursor].pair_id if before and sessions.cursor < len(before) else None,
                ),
            )
        self._show_summary()

    @staticmethod
    def _index_of(keys: list[object], key: object) -> int:
        if key is None:
            return 0
        try:
            return keys.index(key)
        except ValueError:
            return 0

    def _fill_pairs(self, *, keep: bool, pair_id: int | None = None) -> None:
        """Show the pairs in the chosen order; the cursor stays on its pair (``keep``) or goes to ``pair_id``."""
        if self.loaded is None:
            return
        table = self.query_one("#pairs", VirtualTable)
        current = self.current_pair() if keep else None
        self.pair_rows = service.sort_rows(self.loaded.board.rows, self.sort_by, self.descending)
        index = self._index_of([r.pair_id for r in self.pair_rows], current.pair_id if current else pair_id)
        table.set_source(PairRows(self.pair_rows, self.loaded.board), cursor=index)
        table.set_sort(SORT_COLUMN[self.sort_by], self.descending)

    def current_pair(self) -> LeaderRow | None:
        """Return the highlighted pair of the pairs view, or None."""
        if not self.pair_rows:
            return None
        table = self.query_one("#pairs", VirtualTable)
        return self.pair_rows[min(table.cursor, len(self.pair_rows) - 1)]

    def _wave_name(self) -> str:
        if self.wave_id is None or self.loaded is None:
            return "all waves"
        return dict(self.loaded.waves).get(self.wave_id, "all waves")

    def _show_summary(self) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        summary = Text()
        summary.append(VIEW_TITLE[self.view], style="bold")
        summary.append(f" · {self._wave_name()} · {len(loaded.board)} pairs")
        standing = Text()
        if self.view == "pairs":
            counts = {state: 0 for state in ("ahead", "on_track", "behind")}
            for row in loaded.board.rows:
                if row.state in counts:
                    counts[row.state] += 1
            for state, count in counts.items():
                standing.append(f"{count} {service.STATE_LABEL[state]}", style=STATE_STYLE[state] if count else "dim")
                standing.append(" · ")
            standing.append(f"sorted by {SORT_LABEL[self.sort_by]}{' (reversed)' if self.descending else ''}")
        elif self.view == "departments":
            ranked = [s for s in loaded.standings if not s.withheld]
            if ranked:
                standing.append("Ahead: ", style="bold")
                standing.append(ranked[0].department, style="green")
                standing.append(" · Behind: ", style="bold")
                standing.append(ranked[-1].department, style="red")
            if len(ranked) < len(loaded.standings):  # the footnote of the "—" rows
                summary.append(f" · — {service.SMALL_GROUP_NOTE.format(k=loaded.board.k)}", style="italic")
        elif loaded.sessions is None:
            standing.append("Reading who has held each session…", style="dim")
        else:
            held = sum(1 for s in loaded.sessions if s.state == "held")
            summary.append(f" · session {loaded.seq} of {loaded.session_numbers[-1]}")
            standing.append(f"{held} of {len(loaded.sessions)} pairs have held session {loaded.seq}", style="bold")
            overdue = sum(1 for s in loaded.sessions if s.state == "overdue")
            if overdue:
                standing.append(f" · {overdue} overdue", style="bold red")
        self.query_one("#summary", Static).update(summary)
        self.query_one("#standing", Static).update(standing)

    def _show_view(self) -> None:
        for view in VIEWS:
            self.query_one(f"#{view}", VirtualTable).display = view == self.view
        self.query_one(f"#{self.view}", VirtualTable).focus()
        self._show_summary()
        self.refresh_bindings()

    # -- actions -----------------------------------------------------------------------

    def action_next_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self._show_view()
        if self.view == "sessions" and self.loaded is not None and self.loaded.sessions is None:
            self.load()

    def action_sort(self, by: str) -> None:
        if by == self.sort_by:
            self.descending = not self.descending
        else:
            self.sort_by, self.descending = by, False
        self._fill_pairs(keep=True)
        self._show_summary()

    def action_next_sort(self) -> None:
        """Sort by the next column: progress → pair → department → notes."""
        order = list(SORT_LABEL)
        self.action_sort(order[(order.index(self.sort_by) + 1) % len(order)] if self.sort_by in order else order[0])

    def action_reverse(self) -> None:
        self.action_sort(self.sort_by)

    def action_next_wave(self) -> None:
        choices: list[int | None] = [None, *(wave_id for wave_id, _ in (self.loaded.waves if self.loaded else []))]
        position = choices.index(self.wave_id) if self.wave_id in choices else 0
        self.wave_id = choices[(position + 1) % len(choices)]
        self.load()

    def action_session(self, step: int) -> None:
        if self.loaded is None:
            return
        numbers = self.loaded.session_numbers
        position = numbers.index(self.seq) if self.seq in numbers else 0
        self.seq = numbers[max(0, min(len(numbers) - 1, position + step))]
        self.load()

    @on(VirtualTable.Selected, "#pairs")
    def open_pair(self) -> None:
        row = self.current_pair()
        if row is not None:
            self.post_message(OpenPair(row.pair_id))

    @on(VirtualTable.Selected, "#sessions")
    def open_session_pair(self, event: VirtualTable.Selected) -> None:
        if self.loaded is not None and self.loaded.sessions and event.index < len(self.loaded.sessions):
            self.post_message(OpenPair(self.loaded.sessions[event.index].pair_id))
