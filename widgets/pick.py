"""Pick one of a few choices in a modal list: Enter picks, escape cancels.

It holds only the labels and values it is given (e.g. the coaches with their workload) and
returns the chosen value, or None on escape.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from rmtui.widgets.keys_panel import bindings


class PickOne(ModalScreen[Any]):
    """A titled list of choices; returns the value of the one picked (None: cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("PickOne")  # type: ignore[assignment]

    DEFAULT_CSS = """
    PickOne { align: center middle; }
    PickOne > Vertical {
        width: 72; max-width: 95%; height: auto; max-height: 90%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    PickOne OptionList { height: auto; max-height: 12; margin: 1 0 0 0; }
    PickOne .hint { color: $text-muted; }
    """

    def __init__(self, title: str, choices: list[tuple[str, Any]], hint: str = "", current: int | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.hint = hint
        self.current = current

    def compose(self):
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield OptionList(*[Option(Text(label), id=str(n)) for n, (label, _value) in enumerate(self.choices)], id="choices")
            if self.hint:
                yield Static(Text(self.hint), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        options.focus()
        if self.choices:
            options.highlighted = self.current if self.current is not None else 0

    @on(OptionList.OptionSelected, "#choices")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
