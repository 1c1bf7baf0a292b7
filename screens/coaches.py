"""The HR coaches: who they are and their workload; add a coach, give a whole wave coaches.

Opened from the command palette ("Coaches and their workload"). Every read and write runs
in a worker through :mod:`rmtui.coaches`; a wave is named by its name or number.
"""

from __future__ import annotations

import re
from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import Header, Static

from rmtui.coaches import Workload, add_coach, assign_wave, nothing_assigned, workloads
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.text import clean
from rmtui.waves import resolve_wave
from rmtui.widgets.ask import AskLine
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, VirtualTable

COLUMNS = [
    Column("name", "Coach", 14, grow=2),
    Column("active", "Active", 6, justify="right"),
    Column("paused", "Paused", 6, justify="right"),
    Column("proposed", "Proposed", 8, justify="right"),
    Column("finished", "Finished", 8, justify="right"),
    Column("email", "Email", 10, grow=2),
]

HELP = ("Workload = pairs going (active, paused, proposed). a adds a coach; k gives every pair of a wave "
        "without a coach one, the least loaded first. Pick a pair's coach with k on the timeline or pairing screen.")


def parse_coach(text: str) -> tuple[str, str | None]:
    """Return (name, email) from "Name, email", "Name <email>" or just "Name"."""
    text = clean(text).strip()
    match = re.match(r"^(.*?)\s*<([^>]+)>\s*$", text)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    name, comma, email = text.rpartition(",")
    if comma and "@" in email:
        return name.strip(), email.strip()
    return text, None


class CoachRows:
    def __init__(self, loads: list[Workload]) -> None:
        self.loads = loads

    def __len__(self) -> int:
        return len(self.loads)

    def cells(self, index: int) -> dict[str, Text]:
        load = self.loads[index]
        return {
            "name": Text(clean(load.coach.name)),
            "active": Text(str(load.active)),
            "paused": Text(str(load.paused), style="" if load.paused else "dim"),
            "proposed": Text(str(load.proposed), style="" if load.proposed else "dim"),
            "finished": Text(str(load.finished), style="dim"),
            "email": Text(clean(load.coach.email or "—"), style="" if load.coach.email else "dim"),
        }


class CoachesScreen(ProgrammeScreen):
    """The coaches table; a adds a coach, k assigns a wave balanced by workload."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("CoachesScreen")  # type: ignore[assignment]
    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"add_coach", "assign_wave"})

    DEFAULT_CSS = """
    CoachesScreen #coach-help { height: auto; padding: 0 1; color: $text-muted; }
    """

    def compose(self):
        yield Header()
        yield Static(Text(HELP), id="coach-help")
        yield VirtualTable(COLUMNS, id="coaches")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#coaches", VirtualTable).focus()
        self.load()

    def refresh_data(self) -> None:
        self.load()

    def load(self) -> None:
        self.run_work(workloads, self.programme.store, what="read the coaches", done=self._loaded, group="load")

    def _loaded(self, loads: list[Workload]) -> None:
        self.query_one("#coaches", VirtualTable).set_source(CoachRows(loads))
        if not loads:
            self.notify("No coaches yet: press a to add the first.", timeout=6)

    def action_add_coach(self) -> None:
        store = self.programme.store

        def answered(text: str | None) -> None:
            if not text or not text.strip():
                return
            name, email = parse_coach(text)

            def edit() -> str:
                coach = add_coach(store, name, email)
                return f"Added coach {clean(coach.name)}."

            self.run_edit(edit, what="the coaches")

        self.app.push_screen(
            AskLine("Add a coach: name, then email", "", "E.g.  Priya Raman, priya.raman@example.com  (the email is optional)",
                    name="the new coach"),
            answered,
        )

    def action_assign_wave(self) -> None:
        store = self.programme.store

        def answered(text: str | None) -> None:
            if not text or not text.strip():
                return

            def edit() -> str:
                wave = resolve_wave(store, text, by_start=True)
                assert wave.id is not None  # a wave read from the database has its id
                given = assign_wave(store, wave.id)
                if not given:
                    return nothing_assigned(store, wave.stored_id, clean(wave.name))
                listed = ", ".join(f"{clean(name)} {count}" for name, count in given.items())
                return f"{clean(wave.name)}: {sum(given.values())} pairs given coaches ({listed})."

            self.run_edit(edit, what="the coaches")

        self.app.push_screen(
            AskLine("Give coaches to every pair of the wave…", "", "The wave's name or number; pairs that have a coach keep theirs.",
                    name="the wave to coach"),
            answered,
        )

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
