"""The App's undo dialog: someone changed the rows of the change you are taking back.

Field by field: what undo would restore ("mine") against what is there now ("theirs", saved
by the coordinator named at the top). Nothing was written; the coordinator may apply the
fields they choose as a new edit of that row (ctrl+s), or close and leave things as they are.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from rmtui.screens.base import bindings
from rmtui.text import clean
from rmtui.undo import UndoConflictError
from rmtui.widgets.footer import Footer

WHOLE_ROW = "(the whole row)"


def _shown(value: Any) -> str:
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return clean(value) or "—"
        if isinstance(decoded, list):
            return clean(", ".join(str(v) for v in decoded)) or "—"
        return clean(value) or "—"
    if value is None:
        return "—"
    return clean(str(value))


class UndoConflictScreen(ModalScreen[dict[str, Any] | None]):
    """The fields someone changed since your change; choose per field, ctrl+s applies."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("UndoConflictScreen")  # type: ignore[assignment]
    DEFAULT_CSS = """
    UndoConflictScreen { align: center middle; }
    UndoConflictScreen > Vertical {
        width: 100%; height: 100%; border: thick $warning; background: $surface; padding: 0 1;
    }
    UndoConflictScreen .title { text-style: bold; height: auto; }
    UndoConflictScreen .hint { color: $text-muted; height: auto; }
    UndoConflictScreen DataTable { height: 1fr; min-height: 4; }
    """

    def __init__(self, error: UndoConflictError) -> None:
        super().__init__()
        self.error = error
        self.fields = [f for f in error.fields if f.field != WHOLE_ROW]
        self.whole_row = any(f.field == WHOLE_ROW for f in error.fields)
        # What someone changed since stays theirs unless chosen; the rest of your undo is restored.
        self.choices = {f.field: "theirs" if f.changed else "mine" for f in self.fields}

    def compose(self):
        with Vertical():
            yield Static(Text(str(self.error)), classes="title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="fields")
            if self.whole_row or not self.fields:
                yield Static("The row was added or removed since: there are no fields to choose; escape closes.",
                             classes="hint")
            else:
                yield Static("* changed by them since · < restore · > keep as now · ctrl+s applies · escape "
                             "leaves everything as it is", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Field", width=14, key="field")
        table.add_column("Undo restores", width=22, key="mine")
        table.add_column("Now", width=22, key="theirs")
        table.add_column("Keep", width=7, key="keep")
        for change in self.error.fields:
            table.add_row(*self._cells(change.field), key=change.field)
        table.focus()

    def _cells(self, name: str) -> tuple[Text, Text, Text, Text]:
        change = next(f for f in self.error.fields if f.field == name)
        choice = self.choices.get(name, "theirs")
        mine = Text(_shown(change.restore), overflow="ellipsis", no_wrap=True)
        theirs = Text(_shown(change.now), overflow="ellipsis", no_wrap=True)
        (theirs if choice == "theirs" else mine).stylize("bold")
        keep = Text("—" if name == WHOLE_ROW else ("now" if choice == "theirs" else "undo"), style="bold")
        label = Text(clean(name))
        if change.changed and name != WHOLE_ROW:
            label.append(" *", style="bold")  # changed by them since
        return label, mine, theirs, keep

    def action_choose(self, side: str) -> None:
        table = self.query_one(DataTable)
        if not self.fields or table.cursor_row >= len(self.error.fields):
            return
        name = self.error.fields[table.cursor_row].field
        if name == WHOLE_ROW:
            return
        self.choices[name] = side
        for column, cell in zip(("field", "mine", "theirs", "keep"), self._cells(name)):
            table.update_cell(name, column, cell)

    def chosen(self) -> dict[str, Any]:
        """The fields to write back: those chosen "mine", with the value undo would restore."""
        return {f.field: f.restore for f in self.fields if self.choices[f.field] == "mine"}

    def action_save(self) -> None:
        self.dismiss(self.chosen())

    def action_back(self) -> None:
        self.dismiss(None)
