"""Waves: every wave with its pairs and sessions held; add one, edit it before it starts, close it."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import Header, Static

from rmtui.db import ConflictError, Store
from rmtui.programme import Programme
from rmtui.programme_settings import WAVE_DEFAULT_KEYS, programme_settings
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.wave_dialogs import WaveFormScreen, whole_number
from rmtui.text import clean, literal
from rmtui.waves import WaveSummary, add_wave, close_wave, edit_wave, parse_day, wave_summaries
from rmtui.widgets.ask import Confirm
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, VirtualTable

COLUMNS = [
    Column("name", "Wave", 12, grow=2),
    Column("state", "State", 11),
    Column("starts", "Starts", 10),
    Column("ends", "Ends", 10),
    Column("proposed", "Proposed", 8, justify="right"),
    Column("active", "Active", 6, justify="right"),
    Column("completed", "Done", 4, justify="right"),
    Column("held", "Held", 5, justify="right"),
]


class WaveRows:
    def __init__(self, rows: list[WaveSummary]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def cells(self, index: int) -> dict[str, Text]:
        row = self.rows[index]
        wave = row.wave
        return {
            "name": Text(clean(wave.name)),
            "state": Text(row.state, style="dim" if row.state == "closed" else ""),
            "starts": Text(wave.starts_on),
            "ends": Text(row.ends_on.isoformat()),
            "proposed": Text(str(row.proposed)),
            "active": Text(str(row.active)),
            "completed": Text(str(row.completed)),
            "held": Text(str(row.held)),
        }


def _load(programme: Programme) -> tuple[list[WaveSummary], dt.date]:
    today = programme.today()
    return wave_summaries(programme.store, today), today


def _defaults(store: Store) -> dict[str, str]:
    """The add-a-wave form's first values: the programme's wave defaults."""
    settings = programme_settings(store)
    return {
        "name": "",
        "starts": "+1w",
        "sessions": str(settings[WAVE_DEFAULT_KEYS["sessions_planned"]]),
        "every": str(settings[WAVE_DEFAULT_KEYS["cadence_days"]]),
        "minutes": str(settings[WAVE_DEFAULT_KEYS["session_minutes"]]),
    }


class WavesScreen(ProgrammeScreen):
    """The programme's waves: a to add one, e to edit one before it starts, x to close one."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("WavesScreen")  # type: ignore[assignment]
    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"add", "edit", "close_wave"})

    DEFAULT_CSS = """
    WavesScreen #detail { height: auto; padding: 0 1; background: $panel; }
    WavesScreen #waves { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[WaveSummary] = []
        self.today: dt.date | None = None

    def compose(self):
        yield Header()
        yield VirtualTable(COLUMNS, id="waves")
        yield Static("", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#waves", VirtualTable).focus()
        self.refresh_data()

    def refresh_data(self) -> None:
        self.load()

    def load(self) -> None:
        self.run_work(_load, self.programme, what="read the waves", done=lambda loaded: self.show(*loaded),
                      group="load")

    def show(self, rows: list[WaveSummary], today: dt.date) -> None:
        self.rows, self.today = rows, today
        table = self.query_one("#waves", VirtualTable)
        table.set_source(WaveRows(rows))
        self.show_detail()

    @on(VirtualTable.CursorMoved)
    def show_detail(self, event: object = None) -> None:
        detail = self.query_one("#detail", Static)
        row = self.current()
        if row is None:
            detail.update(Text("No waves yet: press a to add the first one (name, start day, sessions, cadence)."))
            return
        w = row.wave
        text = Text()
        text.append(clean(w.name), style="bold")
        text.append(f" · {w.sessions_planned} sessions every {w.cadence_days} days, {w.session_minutes} min · "
                    f"grace {w.grace_days} d · notes due {w.notes_due_days} d")
        text.append(f"\n{row.proposed} proposed, {row.active} active, {row.completed} completed, "
                    f"{row.closed_early} closed early · {row.held} sessions held")
        if w.closed_on:
            text.append(f" · closed {w.closed_on}")
        detail.update(text)

    @on(VirtualTable.Selected)
    def open_wave(self, event: VirtualTable.Selected) -> None:
        """Enter on a wave edits it."""
        if self.may_edit:
            self.action_edit()

    def current(self) -> WaveSummary | None:
        if not self.rows:
            return None
        index = self.query_one("#waves", VirtualTable).cursor
        return self.rows[index] if 0 <= index < len(self.rows) else None

    # -- add and edit ------------------------------------------------------------------

    def _check(self, values: dict[str, str]) -> dict[str, object]:
        """Return the form's values parsed; ValueError with one sentence if one is wrong."""
        if not values["name"].strip():
            raise ValueError("Give the wave a name, e.g. Spring 2027.")
        if not values["starts"].strip():
            raise ValueError("Say when the wave starts: 2026-12-04, today, +1w or mon.")
        return {
            "name": values["name"],
            "starts_on": parse_day(values["starts"], self.today or dt.date.today()),
            "sessions_planned": whole_number(values["sessions"], "Sessions per pair"),
            "cadence_days": whole_number(values["every"], "Days between sessions"),
            "session_minutes": whole_number(values["minutes"], "Minutes per session"),
        }

    def action_add(self, values: dict[str, str] | None = None) -> None:
        if values is None:
            self.defaults_for_form()
            return
        self._open_form("Add a wave", values, None)

    def defaults_for_form(self) -> None:
        self.run_work(_defaults, self.programme.store, what="read the wave defaults",
                      done=lambda values: self._open_form("Add a wave", values, None), group="defaults")

    def action_edit(self) -> None:
        row = self.current()
        if row is None:
            return
        w = row.wave
        if row.state == "closed":
            self.notify(f"{literal(w.name)} is closed; a closed wave cannot be edited.", severity="warning")
            return
        values = {"name": w.name, "starts": w.starts_on, "sessions": str(w.sessions_planned),
                  "every": str(w.cadence_days), "minutes": str(w.session_minutes)}
        started = row.state == "running"
        locked = frozenset({"starts", "sessions", "every", "minutes"}) if started else frozenset()
        note = f"{clean(w.name)} has started: only its name can change. ctrl+s saves · escape cancels" if started else ""
        assert w.id is not None  # a wave read from the database has its id
        self._open_form(f"Edit {clean(w.name)}", values, (w.id, w.version), locked, note)

    def _open_form(self, title: str, values: dict[str, str], editing: tuple[int, int] | None,
                   locked: frozenset[str] = frozenset(), note: str = "", error: str = "") -> None:
        def done(answer: dict[str, str] | None) -> None:
            if answer is not None:
                self.save(answer, self._check(answer), editing, title, locked, note)

        self.app.push_screen(WaveFormScreen(title, values, self._check, locked, note, error), done)

    def save(self, typed: dict[str, str], parsed: dict[str, object], editing: tuple[int, int] | None,
             title: str, locked: frozenset[str], note: str) -> None:
        programme = self.programme
        if editing is None:
            def save() -> str:
                # _check built the keyword arguments (typed loosely as object)
                wave = add_wave(programme, **parsed)  # type: ignore[arg-type]
                return (f"Added {literal(wave.name)}: starts {wave.starts_on}, {wave.sessions_planned} sessions every "
                        f"{wave.cadence_days} days.")
        else:
            wave_id, version = editing
            changes = {k: v for k, v in parsed.items() if not (k != "name" and locked)}

            def save() -> str:
                return f"Saved {literal(edit_wave(programme, wave_id, version, **changes).name)}."

        def failed(error: BaseException) -> bool:
            self.refresh_data()
            if isinstance(error, (ValueError, ConflictError)):
                # Nothing typed is lost: the form opens again with the same values and the reason.
                self._open_form(title, typed, editing, locked, note, f"Not saved: {error}")
                return True
            return False

        self.run_save(save, saving="the wave", done=self._saved, failed=failed)

    def _saved(self, said: str) -> None:
        self.notify(said, markup=False)
        self.after_save()

    # -- close -------------------------------------------------------------------------

    def action_close_wave(self) -> None:
        row = self.current()
        if row is None:
            return
        w = row.wave
        if row.state == "closed":
            self.notify(f"{literal(w.name)} is already closed.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                assert w.id is not None  # a wave read from the database has its id
                self.close(w.id, w.version)

        self.app.push_screen(
            Confirm(f"Close {clean(w.name)}? No new pairs can go into it; running pairs go on. (y/n)",
                    hint="y: close it · n or escape: keep it open"),
            answered,
        )

    def close(self, wave_id: int, version: int) -> None:
        programme = self.programme

        def save() -> str:
            wave = close_wave(programme, wave_id, version)
            return f"Closed {literal(wave.name)}; its running pairs go on to their end."

        self.run_save(save, saving="the wave", done=self._saved, failed=self._close_failed)

    def _close_failed(self, error: BaseException) -> bool:
        self.refresh_data()
        if isinstance(error, (ValueError, ConflictError)):
            self.notify(str(error), severity="error", timeout=10, markup=False)
            return True
        return False
