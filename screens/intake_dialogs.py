"""The intake form's questions: likely duplicates, a conflicting save, a withdrawal's reason."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from rmtui.duplicates import Duplicate
from rmtui.intake import LABELS, FieldConflict, display_value, field_conflicts, merge_profile
from rmtui.screens.base import bindings
from rmtui.text import clean
from rmtui.widgets.ask import ask_discard
from rmtui.widgets.footer import Footer

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: thick $primary; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; height: auto; }}
{name} .hint {{ color: $text-muted; height: auto; }}
"""


def _readable(instant: str) -> str:
    """Return a stored UTC instant (2026-11-20T09:05:00Z) as "2026-11-20 09:05 UTC"."""
    day, _, time = instant.partition("T")
    return f"{day} {time[:5]} UTC" if time else day


class DuplicateScreen(ModalScreen[tuple[str, int | None] | None]):
    """Likely duplicates of the person about to be saved; open one, or save anyway."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("DuplicateScreen")  # type: ignore[assignment]
    DEFAULT_CSS = DIALOG_CSS.format(name="DuplicateScreen") + "DuplicateScreen OptionList { height: auto; max-height: 10; }"

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__()
        self.duplicates = duplicates

    def compose(self):
        with Vertical():
            count = len(self.duplicates)
            yield Static(
                f"{'This person' if count == 1 else 'These people'} may already be in the programme:",
                classes="title",
            )
            options = []
            for duplicate in self.duplicates:
                label = Text(clean(duplicate.name), style="bold")
                details = " · ".join(clean(x) for x in (duplicate.email or "", duplicate.department) if x)
                if details:
                    label.append(f"  {details}")
                label.append(f"\n  {duplicate.reason}", style="italic")
                options.append(Option(label, id=str(duplicate.participant_id)))
            yield OptionList(*options, id="duplicates")
            yield Static("enter opens the highlighted person instead · ctrl+s saves the new person anyway · escape goes back to the form", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    @on(OptionList.OptionSelected)
    def selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None:
            self.dismiss(("open", self.duplicates[index].participant_id))

    def action_save(self) -> None:
        self.dismiss(("save", None))

    def action_back(self) -> None:
        self.dismiss(None)


class ConflictScreen(ModalScreen[dict[str, Any] | None]):
    """Field by field: what the other coordinator saved against what you typed; pick per field."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ConflictScreen")  # type: ignore[assignment]
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ConflictScreen")
        + """
    ConflictScreen > Vertical { width: 100%; height: 100%; border: none; padding: 0 1; }
    ConflictScreen DataTable { height: 1fr; min-height: 5; }
    ConflictScreen #detail { height: auto; max-height: 6; border-top: solid $primary; }
    """
    )

    def __init__(
        self,
        name: str,
        base: dict[str, Any],
        theirs: dict[str, Any],
        mine: dict[str, Any],
        changed_by: str | None,
        changed_at: str | None,
        names: dict[int, str] | None = None,
    ) -> None:
        super().__init__()
        self.person = name
        self.theirs = theirs
        self.mine = mine
        self.changed_by = changed_by or "another coordinator"
        self.changed_at = changed_at
        self.names = names or {}
        self.conflicts: list[FieldConflict] = field_conflicts(base, theirs, mine)
        self.choices: dict[str, str] = {c.field: c.default_choice for c in self.conflicts}

    def compose(self):
        with Vertical():
            when = f" at {_readable(self.changed_at)}" if self.changed_at else ""
            title = Text(f"{self.changed_by} saved ")
            title.append(self.person or "this person", style="bold")
            title.append(f"{when} while you were editing. Nothing is lost: choose, field by field, what to keep.")
            yield Static(title, classes="title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="conflicts")
            yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Field", width=14, key="field")
        table.add_column("Theirs", width=22, key="theirs")
        table.add_column("Yours", width=22, key="mine")
        table.add_column("Keep", width=7, key="keep")
        for conflict in self.conflicts:
            table.add_row(*self._cells(conflict), key=conflict.field)
        if not self.conflicts:
            self.query_one("#detail", Static).update(Text("They changed nothing you typed differently: save to keep both."))
        table.focus()

    def _value(self, conflict: FieldConflict, side: str) -> str:
        value = conflict.theirs if side == "theirs" else conflict.mine
        return clean(display_value(conflict.field, value, self.names)) or "—"

    def _cells(self, conflict: FieldConflict) -> tuple[Text, Text, Text, Text]:
        choice = self.choices[conflict.field]
        theirs = Text(self._value(conflict, "theirs"), overflow="ellipsis", no_wrap=True)
        mine = Text(self._value(conflict, "mine"), overflow="ellipsis", no_wrap=True)
        (theirs if choice == "theirs" else mine).stylize("bold")
        keep = Text("theirs" if choice == "theirs" else "mine", style="bold")
        return Text(LABELS.get(conflict.field, conflict.field)), theirs, mine, keep

    def _redraw(self, conflict: FieldConflict) -> None:
        table = self.query_one(DataTable)
        for column, cell in zip(("field", "theirs", "mine", "keep"), self._cells(conflict)):
            table.update_cell(conflict.field, column, cell)

    @on(DataTable.RowHighlighted)
    def show_detail(self, event: DataTable.RowHighlighted) -> None:
        if not self.conflicts:
            return
        conflict = self.conflicts[event.cursor_row]
        detail = Text(LABELS.get(conflict.field, conflict.field), style="bold")
        if conflict.they_changed:
            detail.append(" — changed by " + self.changed_by)
        detail.append("\nTheirs: ", style="bold")
        detail.append(self._value(conflict, "theirs"))
        detail.append("\nYours:  ", style="bold")
        detail.append(self._value(conflict, "mine"))
        self.query_one("#detail", Static).update(detail)

    def action_choose(self, side: str) -> None:
        if not self.conflicts:
            return
        conflict = self.conflicts[self.query_one(DataTable).cursor_row]
        self.choices[conflict.field] = side
        self._redraw(conflict)

    def action_choose_all(self, side: str) -> None:
        for conflict in self.conflicts:
            self.choices[conflict.field] = side
            self._redraw(conflict)

    def merged(self) -> dict[str, Any]:
        """Return your values with the fields chosen "theirs" taken from the other save."""
        return merge_profile(self.theirs, self.mine, self.choices)

    def action_save(self) -> None:
        self.dismiss(self.merged())

    def action_back(self) -> None:
        self.dismiss(None)


class WithdrawScreen(ModalScreen[str | None]):
    """Ask why a person is withdrawing; the reason goes to the audit with the status change."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("WithdrawScreen")  # type: ignore[assignment]
    DEFAULT_CSS = DIALOG_CSS.format(name="WithdrawScreen") + "WithdrawScreen .error { color: $error; height: auto; }"

    def __init__(self, name: str) -> None:
        super().__init__()
        self.person = name

    def compose(self):
        with Vertical():
            title = Text("Withdraw ")
            title.append(self.person, style="bold")
            title.append(" from the programme?")
            yield Static(title, classes="title")
            yield Static("Their profile and history are kept. Why are they withdrawing?", classes="hint")
            yield Input(placeholder="the reason, e.g. moved to another role", id="reason")
            yield Static(classes="error", id="reason-error")
            yield Static("Enter withdraws · escape cancels", classes="hint")
        yield Footer()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        reason = clean(event.value)
        if not reason:
            self.query_one("#reason-error", Static).update("Say why, in a few words: it stays in the history.")
            return
        self.dismiss(reason)

    def action_back(self) -> None:
        """Leave without withdrawing; a typed reason is asked about first."""
        if self.query_one("#reason", Input).value:
            ask_discard(self, "the withdrawal reason", lambda: self.dismiss(None))
        else:
            self.dismiss(None)
