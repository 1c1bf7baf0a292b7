"""Small dialogs of the pairing screen: an override's written reason, a pair's close reason."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from rmtui.pairing import CLOSE_REASONS, MIN_REASON
from rmtui.screens.base import bindings
from rmtui.text import clean
from rmtui.widgets.ask import ask_discard
from rmtui.widgets.footer import Footer


class OverrideReasonScreen(ModalScreen[str | None]):
    """Ask why a failed hard rule is being overridden; no reason, no override."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("OverrideReasonScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    OverrideReasonScreen { align: center middle; }
    OverrideReasonScreen > Vertical {
        width: 76; max-width: 100%; height: auto; padding: 1 2;
        border: thick $warning; background: $panel;
    }
    OverrideReasonScreen #problem { margin-bottom: 1; }
    OverrideReasonScreen #hint { color: $text-muted; }
    OverrideReasonScreen #hint.error { color: $error; }
    """

    def __init__(self, who: str, failures: list[str], reason: str = "") -> None:
        super().__init__()
        self.who = who
        self.failures = failures
        self.reason = reason

    def compose(self):
        with Vertical():
            yield Label(Text(f"Override the rules for {self.who}", style="bold"))
            problem = Text()
            for failure in self.failures:
                problem.append("✗ ", style="bold red")
                problem.append(f"{failure}\n")
            problem.append("The reason is kept on the pair and in the audit log.")
            yield Static(problem, id="problem")
            yield Input(self.reason, placeholder="Why is this pair right despite the rule?", id="reason")
            yield Static(f"Enter saves (at least {MIN_REASON} characters) · Escape cancels", id="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def submit(self, event: Input.Submitted) -> None:
        reason = clean(event.value)
        if len(reason) < MIN_REASON:
            hint = self.query_one("#hint", Static)
            hint.update(f"Write a reason of at least {MIN_REASON} characters; an override needs one.")
            hint.add_class("error")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        """Leave without overriding; a reason typed since the dialog opened is asked about first."""
        if self.query_one("#reason", Input).value != self.reason:
            ask_discard(self, "the override reason", lambda: self.dismiss(None))
        else:
            self.dismiss(None)


class CloseReasonScreen(ModalScreen[tuple[str, str] | None]):
    """Close a pair early: pick a no-blame reason and add a note."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("CloseReasonScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    CloseReasonScreen { align: center middle; }
    CloseReasonScreen > Vertical {
        width: 76; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $panel;
    }
    CloseReasonScreen OptionList { height: auto; max-height: 7; margin: 1 0; }
    CloseReasonScreen #hint { color: $text-muted; }
    CloseReasonScreen #hint.error { color: $error; }
    """

    def __init__(self, who: str) -> None:
        super().__init__()
        self.who = who

    def compose(self):
        with Vertical():
            yield Label(Text(f"Close the pair {self.who} early", style="bold"))
            yield Static("A clean, no-blame ending; both people can then be offered someone new.")
            yield OptionList(*[Option(label, id=code) for code, label in CLOSE_REASONS.items()], id="codes")
            yield Input(placeholder="A note for the record (needed for Other)", id="note")
            yield Static("Enter on a reason or the note closes the pair · Escape cancels", id="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#codes", OptionList).focus()

    def _code(self) -> str | None:
        options = self.query_one("#codes", OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    @on(OptionList.OptionSelected, "#codes")
    def reason_chosen(self) -> None:
        self._finish()

    @on(Input.Submitted, "#note")
    def note_written(self) -> None:
        self._finish()

    def _finish(self) -> None:
        code = self._code()
        note = clean(self.query_one("#note", Input).value)
        hint = self.query_one("#hint", Static)
        if code is None:
            hint.update("Choose a reason first.")
            hint.add_class("error")
            return
        if code == "other" and not note:
            hint.update("Write a short note for Other, then press Enter.")
            hint.add_class("error")
            self.query_one("#note", Input).focus()
            return
        self.dismiss((code, note))

    def action_cancel(self) -> None:
        """Leave without closing the pair; a typed note is asked about first."""
        if self.query_one("#note", Input).value:
            ask_discard(self, "the closing note", lambda: self.dismiss(None))
        else:
            self.dismiss(None)
