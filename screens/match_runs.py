"""Compare runs: a wave's kept matching runs, two side by side, and one accepted as a whole.

The runs are listed newest first. The highlighted run is compared with the newest other run;
space marks runs, and two marked runs are compared instead. Below: each run's total score,
pairs matched and people left, the pairs in both, the rule that binds each run most, then
the pairs found in only one of the two (tab: each mentee department's share of matches).
c accepts the highlighted run as a whole: each of its pairs is re-checked against the
programme as it is now, and the ones no longer valid are dropped and named.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import BindingType
from textual.widgets import Header, Static

from rmtui.match_runs import Comparison, RunAccepted, RunSummary, accept_run, compare, list_runs, load_run, share_text
from rmtui.programme import Programme
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.text import clean
from rmtui.widgets.ask import Confirm
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, VirtualTable

RUN_COLUMNS = [
    Column("mark", "", 2),
    Column("name", "Run", 14, grow=2),
    Column("when", "When", 11),
    Column("who", "Who", 8, grow=1),
    Column("score", "Score", 5, justify="right"),
    Column("pairs", "Pairs", 5, justify="right"),
    Column("left", "Left", 4, justify="right"),
]
PAIR_COLUMNS = [
    Column("run", "Only in", 8),
    Column("mentor", "Mentor", 12, grow=2),
    Column("mentee", "Mentee", 12, grow=2),
    Column("score", "Score", 5, justify="right"),
]
DEPARTMENT_COLUMNS = [
    Column("department", "Mentee department", 16, grow=2),
    Column("a", "A matched/tried", 15, justify="right"),
    Column("b", "B matched/tried", 15, justify="right"),
]
BINDING_NOTE = "Binds most: hard rule blocking most candidate pairs; else costliest soft rule"


class RunRows:
    def __init__(self, runs: list[RunSummary], marked: list[int]) -> None:
        self.runs = runs
        self.marked = marked

    def __len__(self) -> int:
        return len(self.runs)

    def cells(self, index: int) -> dict[str, Text]:
        run = self.runs[index]
        mark = ("A" if self.marked.index(run.id) == 0 else "B") if run.id in self.marked else "·"
        return {
            "mark": Text(mark, style="bold" if run.id in self.marked else "dim"),
            "name": Text(run.name),
            "when": Text(run.created_at[5:16].replace("T", " ")),
            "who": Text(run.actor),
            "score": Text(f"{run.total:.0f}"),
            "pairs": Text(str(run.matched)),
            "left": Text(str(run.unmatched)),
        }


class DifferingRows:
    def __init__(self, comparison: Comparison) -> None:
        self.rows = [("A", p) for p in comparison.only_a] + [("B", p) for p in comparison.only_b]

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text]:
        side, pair = self.rows[index]
        return {
            "run": Text(side, style="bold"),
            "mentor": Text(pair.mentor),
            "mentee": Text(pair.mentee),
            "score": Text(f"{pair.score:.0f}"),
        }


class DepartmentRows:
    def __init__(self, comparison: Comparison) -> None:
        self.rows = comparison.departments

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text]:
        share = self.rows[index]
        return {"department": Text(share.department), "a": Text(share_text(share.a)), "b": Text(share_text(share.b))}


def _compare(programme: Programme, wave_id: int, first: int, second: int) -> Comparison:
    store = programme.store
    return compare(load_run(store, wave_id, str(first)), load_run(store, wave_id, str(second)))


def _accept(programme: Programme, wave_id: int, run_id: int, save) -> RunAccepted:  # noqa: ANN001
    run = load_run(programme.store, wave_id, str(run_id))
    return save(partial(accept_run, programme, run))


def figures(comparison: Comparison) -> Table:
    """Return the two runs' figures side by side (a Rich table, fitting 80 columns)."""
    a, b = comparison.a, comparison.b
    table = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
    table.add_column("", width=10, no_wrap=True, style="bold")
    table.add_column(Text(f"A {clean(a.name)}", style="bold"), ratio=1)
    table.add_column(Text(f"B {clean(b.name)}", style="bold"), ratio=1)
    table.add_row("Score", f"{a.total:.0f}", f"{b.total:.0f}")
    table.add_row("Matched", f"{a.matched} pairs · {len(a.unmatched)} left",
                  f"{b.matched} pairs · {len(b.unmatched)} left")
    table.add_row("Differ", f"{len(comparison.only_a)} only here · {len(comparison.both)} in both",
                  f"{len(comparison.only_b)} only here")
    bindings_ = [run.binding for run in (a, b)]
    table.add_row("Binds most", *(Text(x.label if x else "none") for x in bindings_))
    table.add_row("", *(Text(_binding_amount(x), style="dim") for x in bindings_))
    return table


def _binding_amount(binding) -> str:  # noqa: ANN001
    if binding is None:
        return ""
    if binding.hard:
        return f"blocks {binding.amount:.0f} of {binding.out_of} candidate pairs"
    return f"costs {binding.amount:.0f} points over {binding.out_of} pairs"


class MatchRunsScreen(ProgrammeScreen):
    """A wave's kept matching runs: compare two, accept one as a whole (re-checked)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("MatchRunsScreen")  # type: ignore[assignment]

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"confirm_run"})

    DEFAULT_CSS = """
    MatchRunsScreen #runs { height: 6; }
    MatchRunsScreen #figures { height: auto; padding: 0 1; background: $panel; }
    MatchRunsScreen #note { height: 1; padding: 0 1; color: $text-muted; }
    MatchRunsScreen #differing, MatchRunsScreen #departments { height: 1fr; }
    """

    def __init__(self, wave_id: int, wave_name: str) -> None:
        super().__init__()
        self.wave_id = wave_id
        self.wave_name = wave_name
        self.runs: list[RunSummary] = []
        self.marked: list[int] = []
        self.comparison: Comparison | None = None
        self.view = "differing"

    def compose(self):
        yield Header()
        yield VirtualTable(RUN_COLUMNS, id="runs")
        yield Static(Text(f"Reading the runs of {self.wave_name}…"), id="figures")
        yield Static(Text(BINDING_NOTE), id="note")
        yield VirtualTable(PAIR_COLUMNS, id="differing")
        yield VirtualTable(DEPARTMENT_COLUMNS, id="departments")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Compare runs · {self.wave_name}"
        self.query_one("#departments", VirtualTable).display = False
        self.query_one("#runs", VirtualTable).focus()
        self.load()

    def refresh_data(self) -> None:
        self.load()

    def load(self) -> None:
        self.run_work(list_runs, self.programme.store, self.wave_id, what="read the runs", done=self.show_runs,
                      group="runs")

    def show_runs(self, runs: list[RunSummary]) -> None:
        table = self.query_one("#runs", VirtualTable)
        current = self.runs[table.cursor].id if self.runs and table.cursor < len(self.runs) else None
        self.runs = runs
        ids = [r.id for r in runs]
        self.marked = [i for i in self.marked if i in ids]
        table.set_source(RunRows(runs, self.marked), cursor=ids.index(current) if current in ids else 0)
        self._compare()

    def _pair(self) -> tuple[int, int] | None:
        """Return the ids of the two runs to compare (A, B), or None with fewer than two runs."""
        if len(self.runs) < 2:
            return None
        if len(self.marked) == 2:
            return self.marked[0], self.marked[1]
        cursor = self.query_one("#runs", VirtualTable).cursor
        highlighted = self.runs[min(cursor, len(self.runs) - 1)].id
        first = self.marked[0] if self.marked else highlighted
        if self.marked and highlighted != first:
            return first, highlighted
        other = next(r.id for r in self.runs if r.id != first)
        return first, other

    def _compare(self) -> None:
        pair = self._pair()
        if pair is None:
            text = (f"{self.wave_name} has one kept run; press m on the cohort screen to match again and have two."
                    if self.runs else f"{self.wave_name} has no kept runs yet; match it (m) first.")
            self.query_one("#figures", Static).update(Text(text))
            return
        self.run_work(_compare, self.programme, self.wave_id, *pair, what="compare the runs", done=self.show,
                      group="compare")

    def show(self, comparison: Comparison) -> None:
        self.comparison = comparison
        self.query_one("#figures", Static).update(figures(comparison))
        self.query_one("#differing", VirtualTable).set_source(DifferingRows(comparison), cursor=0)
        self.query_one("#departments", VirtualTable).set_source(DepartmentRows(comparison), cursor=0)

    def on_virtual_table_cursor_moved(self, event: VirtualTable.CursorMoved) -> None:
        if event.control.id == "runs" and len(self.marked) < 2:
            self._compare()

    def _highlighted(self) -> RunSummary | None:
        if not self.runs:
            return None
        return self.runs[min(self.query_one("#runs", VirtualTable).cursor, len(self.runs) - 1)]

    def action_mark(self) -> None:
        """Mark or unmark the highlighted run; with two marked, those two are compared."""
        run = self._highlighted()
        if run is None:
            return
        if run.id in self.marked:
            self.marked.remove(run.id)
        else:
            self.marked = [*self.marked[-1:], run.id]
        table = self.query_one("#runs", VirtualTable)
        table.set_source(RunRows(self.runs, self.marked), cursor=table.cursor)
        self._compare()

    def action_switch_view(self) -> None:
        self.view = "departments" if self.view == "differing" else "differing"
        self.query_one("#differing", VirtualTable).display = self.view == "differing"
        self.query_one("#departments", VirtualTable).display = self.view == "departments"

    def action_confirm_run(self) -> None:
        """c: accept the highlighted run as a whole, after a yes (each pair re-checked now)."""
        run = self._highlighted()
        if run is None:
            return
        question = (f"Confirm run “{run.name}” in {self.wave_name}? Each of its {run.matched} pair(s) is checked "
                    "against the programme now; those no longer valid are dropped and named.")

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_work(_accept, self.programme, self.wave_id, run.id,
                              partial(self.save_with_retry, what="the run's pairs", store=self.programme.store),
                              what="accept the run", done=self.accepted, group="accept", exclusive=False)

        self.app.push_screen(Confirm(question), answered)

    def accepted(self, outcome: RunAccepted) -> None:
        run = outcome.run
        self.notify(f"{len(outcome.accepted)} of {run.matched} pair(s) of {run.name} confirmed in {self.wave_name}; "
                    "their sessions follow the wave's schedule.", markup=False)
        for pair, why in outcome.dropped[:3]:
            self.notify(f"Dropped {pair.mentor} with {pair.mentee}: {why}", severity="warning", timeout=10,
                        markup=False)
        if len(outcome.dropped) > 3:
            self.notify(f"…and {len(outcome.dropped) - 3} more dropped (see the audit).", severity="warning",
                        markup=False)

    def action_back(self) -> None:
        self.dismiss(None)
