"""The audit: who changed what and when, before → after, filtered as you type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Header, Input, Static

from rmtui.audit_log import (
    AuditFilter,
    audit_count,
    audit_entries,
    describe_change,
    describe_full,
    entry_label,
    local_time,
    parse_filter,
    subject,
    subject_labels,
)
from rmtui.db import AuditEntry
from rmtui.programme import Programme
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.navigation import RevertChange
from rmtui.text import clean
from rmtui.undo import revert_refusal
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, VirtualTable

SHOWN = 10_000

COLUMNS = [
    Column("when", "When", 16),
    Column("who", "Who", 9, grow=1),
    Column("what", "What", 16, grow=2),
    Column("change", "Change (before → after)", 20, grow=4),
]

ACTION_STYLE = {"create": "green", "delete": "red", "update": "", "set": "cyan"}


@dataclass(frozen=True)
class AuditView:
    """One load of the log: the filter as understood, the entries shown, how many match."""

    text: str
    flt: AuditFilter
    entries: list[AuditEntry]
    total: int
    tz: str
    labels: dict[tuple[str, int], str]

    def label(self, entry: AuditEntry) -> str:
        """Return the name of what ``entry`` is about, else ``person #12``."""
        return entry_label(self.labels, entry)


class AuditRows:
    """Cells of the loaded entries, worded only for painted rows."""

    def __init__(self, view: AuditView) -> None:
        self.view = view

    def __len__(self) -> int:
        return len(self.view.entries)

    def cells(self, index: int) -> dict[str, Text]:
        entry = self.view.entries[index]
        what = Text()
        if entry.action in ("create", "delete"):
            what.append("+ " if entry.action == "create" else "− ", style=ACTION_STYLE[entry.action])
        what.append(self.view.label(entry))
        return {
            "when": Text(local_time(entry, self.view.tz)),
            "who": Text(clean(entry.actor)),
            "what": what,
            "change": Text(describe_change(entry), style=ACTION_STYLE.get(entry.action, "")),
        }


class AuditDetailScreen(ModalScreen[int | None]):
    """Every field of one change, before and after, in full."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("AuditDetailScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    AuditDetailScreen { align: center middle; }
    AuditDetailScreen > VerticalScroll {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, entry: AuditEntry, tz: str, label: str, refusal: str | None = None) -> None:
        super().__init__()
        self.entry = entry
        self.tz = tz
        self.label = label
        self.refusal = refusal
        """Why this person may not revert the change (not an admin, not theirs), or None."""

    def compose(self):
        entry = self.entry
        heading = Text(f"{local_time(entry, self.tz)} · {clean(entry.actor)} · {entry.action} {subject(entry)}", style="bold")
        if entry.change_id is not None:  # the number `rmtui undo --change` takes
            heading.append(f" · change {entry.change_id}", style="")
        if self.label != subject(entry):
            heading.append(f"\n{self.label}", style="")
        table = Table(expand=True, show_edge=False, pad_edge=False)
        table.add_column("Field", style="bold", no_wrap=True)
        table.add_column("Before")
        table.add_column("After")
        for name, before, after in describe_full(entry) or [("", "—", "—")]:
            table.add_row(Text(name), Text(before), Text(after))
        with VerticalScroll():
            yield Static(heading)
            yield Static(table)
            if self.refusal:
                yield Static(Text(self.refusal, style="dim"), id="revert-hint")
            else:
                yield Static(Text("ctrl+z reverts the whole change this row belongs to · escape closes", style="dim"),
                             id="revert-hint")

    def action_revert(self) -> None:
        if self.refusal:
            self.notify(self.refusal, severity="warning", markup=False)
            return
        self.dismiss(self.entry.change_id or self.entry.id)


def _load(programme: Programme, text: str) -> AuditView:
    """The newest changes matching filter ``text`` (in a worker)."""
    store, tz = programme.store, programme.timezone
    flt = parse_filter(store, text)
    entries = audit_entries(store, flt, tz=tz, limit=SHOWN)
    return AuditView(text, flt, entries, audit_count(store, flt, tz=tz), tz, subject_labels(store, entries))


class AuditScreen(ProgrammeScreen):
    """The whole history of the programme, newest first; Enter shows one change in full."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("AuditScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    AuditScreen #filter { border: tall $border-blurred; }
    AuditScreen #filter:focus { border: tall $border; }
    AuditScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.view: AuditView | None = None

    def compose(self):
        yield Header()
        yield Input(placeholder="Filter: person:ann  pair:12  by:alice  day:2026-11-20  since:…  what:session", id="filter")
        yield Static("Loading the audit…", id="status")
        yield VirtualTable(COLUMNS, id="entries")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#entries", VirtualTable).focus()
        self.load("")

    def refresh_data(self) -> None:
        self.load(self.query_one("#filter", Input).value)

    def load(self, text: str) -> None:
        self.run_work(_load, self.programme, text, what="read the audit", done=self.loaded, group="load")

    def loaded(self, view: AuditView) -> None:
        if view.text != self.query_one("#filter", Input).value:
            return  # a later keystroke's load is on its way
        same = self.view is not None and self.view.text == view.text
        self.view = view
        self.query_one("#entries", VirtualTable).set_source(AuditRows(view), cursor=None if same else 0)
        self.query_one("#status", Static).update(self._status(view))

    def _status(self, view: AuditView) -> Text:
        word = "change" if view.total == 1 else "changes"
        if view.total > len(view.entries):
            status = Text(f"newest {len(view.entries):,} of {view.total:,} {word}")
        else:
            status = Text(f"{view.total:,} {word}")
        status.append(" · newest first")
        if not view.text.strip():
            status.append(" · Enter shows a change in full")
        for problem in view.flt.problems:
            status.append(f" · {problem}", style="bold")
        return status

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.load(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.query_one("#entries", VirtualTable).focus()

    @on(VirtualTable.Selected, "#entries")
    def open_entry(self, event: VirtualTable.Selected) -> None:
        if self.view is not None and event.index < len(self.view.entries):
            entry = self.view.entries[event.index]
            app = self.app
            role = getattr(app, "role", None)
            refusal = revert_refusal(role, self.programme.store.actor, entry.actor)
            if not self.may_edit:
                refusal = "You are a viewer: you cannot revert changes."
            self.app.push_screen(AuditDetailScreen(entry, self.view.tz, self.view.label(entry), refusal),
                                 callback=self._revert)

    def _revert(self, change_id: int | None) -> None:
        """The detail asked to take its change back: the App asks, checks and tells (as for ctrl+z)."""
        if change_id is not None:
            self.post_message(RevertChange(change_id))

    def show_query(self, text: str) -> None:
        """Show the audit filtered by ``text`` (e.g. ``by:alice`` from the coordinators screen)."""
        self.query_one("#filter", Input).value = text

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_results(self) -> None:
        self.query_one("#entries", VirtualTable).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
