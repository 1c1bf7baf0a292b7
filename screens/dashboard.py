"""Dashboard: programme health against the seeds' targets, for the programme or one wave.

Each metric shows its value, how it was counted, its target and "✔ met" / "✘ missed" in
words (so it reads without colour too); sessions held per week are charted with a
Sparkline. w switches between the whole programme and each wave. Live like every screen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Header, Sparkline, Static

from rmtui import health as service
from rmtui.health import Health, Metric
from rmtui.programme import Programme
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.widgets.footer import Footer


def verdict(metric: Metric) -> Text:
    """Return "✔ met", "✘ missed", "no data" or "" (no target), styled."""
    if not metric.target:
        return Text("")
    if metric.met is None:
        return Text("no data", style="dim")
    return Text("✔ met", style="bold green") if metric.met else Text("✘ missed", style="bold red")


def metrics_table(health: Health) -> Table:
    """Return the metrics of ``health`` as a Rich table: metric, value, target, verdict."""
    table = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
    table.add_column("Metric", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column("Value", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column("Target", width=7, no_wrap=True)
    table.add_column("", width=8, no_wrap=True)
    for metric in health.metrics:
        value = Text(metric.shown(), style="dim" if metric.value is None else "")
        if metric.key == "overdue" and metric.numerator:
            value.stylize("bold red")
        table.add_row(Text(metric.label), value, Text(metric.target or "—", style="" if metric.target else "dim"), verdict(metric))
    return table


def _load(programme: Programme) -> list[Health]:
    """The programme's health, whole and per wave (in a worker)."""
    return service.programme_health(programme.store, programme.today())


class DashboardScreen(ProgrammeScreen):
    """Programme health; w switches the wave."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("DashboardScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    DashboardScreen #scope { height: 1; padding: 0 1; background: $panel; }
    DashboardScreen #metrics { height: auto; padding: 0 1; }
    DashboardScreen #chart-label { height: 1; padding: 0 1; margin-top: 1; color: $text-muted; }
    DashboardScreen Sparkline { height: 3; margin: 0 2; }
    DashboardScreen #chart-axis { height: 1; padding: 0 2; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.scopes: list[Health] = []
        self.scope_index = 0

    def compose(self):
        yield Header()
        yield Static("Reading the programme's health…", id="scope")
        with VerticalScroll():
            yield Static("", id="metrics")
            yield Static("", id="chart-label")
            yield Sparkline([], id="chart")
            yield Static("", id="chart-axis")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        self.load()

    def load(self) -> None:
        self.run_work(_load, self.programme, what="read the programme's health", done=self.loaded, group="load")

    def loaded(self, scopes: list[Health]) -> None:
        previous = self.scopes[self.scope_index].wave_id if self.scopes else None
        self.scopes = scopes
        ids = [h.wave_id for h in self.scopes]
        self.scope_index = ids.index(previous) if previous in ids else 0
        self.show()

    def show(self) -> None:
        if not self.scopes:
            return
        health = self.scopes[self.scope_index]
        scope = Text()
        scope.append(health.scope, style="bold")
        met = sum(1 for m in health.metrics if m.met)
        missed = sum(1 for m in health.metrics if m.met is False)
        scope.append(" · ")
        scope.append(f"{met} target{'s' if met != 1 else ''} met", style="green" if met else "dim")
        scope.append(" · ")
        scope.append(f"{missed} missed", style="bold red" if missed else "dim")
        if len(self.scopes) > 1:
            scope.append(f" · w: {self.scopes[(self.scope_index + 1) % len(self.scopes)].scope}", style="dim")
        self.query_one("#scope", Static).update(scope)
        self.query_one("#metrics", Static).update(metrics_table(health))
        weekly = health.held_per_week
        self.query_one("#chart-label", Static).update(
            Text(f"Sessions held a week, last {len(weekly)} weeks (most in a week: {max(weekly, default=0)})")
        )
        self.query_one("#chart", Sparkline).data = [float(n) for n in weekly]
        axis = Table.grid(expand=True)
        axis.add_column()
        axis.add_column(justify="right")
        axis.add_row(f"{len(weekly)} weeks ago", "last week")
        self.query_one("#chart-axis", Static).update(axis)

    def action_next_scope(self) -> None:
        if self.scopes:
            self.scope_index = (self.scope_index + 1) % len(self.scopes)
            self.show()
