"""Small modal questions: one line of text (a day, a file) or several lines (agenda, notes).

They hold no data beyond what they are given and return what was typed (None when the
coordinator pressed escape), so a screen can reopen them with the same text after a conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static, TextArea

from rmtui.widgets.keys_panel import bindings


class AskLine(ModalScreen[str | None]):
    """Ask for one line; Enter answers, escape cancels.

    ``check`` (optional) is called with a non-empty answer before the dialog closes; a
    ValueError it raises is shown under the line and the dialog stays open with what was
    typed, so a mistyped day is corrected, not typed again.
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("AskLine")  # type: ignore[assignment]

    DEFAULT_CSS = """
    AskLine { align: center middle; }
    AskLine > Vertical {
        width: 70; max-width: 95%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    AskLine .hint { color: $text-muted; }
    AskLine .error { color: $error; display: none; }
    """

    def __init__(self, title: str, value: str = "", hint: str = "", check: Callable[[str], object] | None = None,
                 name: str = "this answer") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.hint = hint
        self.check = check
        self.what = name
        """What the discard question names ("Discard your changes to this answer?")."""

    def compose(self):
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Input(value=self.value, id="answer")
            yield Static("", id="error", classes="error")
            if self.hint:
                yield Static(Text(self.hint), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def answer(self, event: Input.Submitted) -> None:
        if self.check is not None and event.value.strip():
            try:
                self.check(event.value)
            except ValueError as error:
                shown = self.query_one("#error", Static)
                shown.update(Text(str(error)))
                shown.display = True
                return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Leave without answering; a line typed (not the one offered, not blank) is asked about first."""
        typed = self.query_one(Input).value
        if typed.strip() and typed != self.value:
            ask_discard(self, self.what, lambda: self.dismiss(None))
        else:
            self.dismiss(None)


class EditText(ModalScreen[str | None]):
    """Edit several lines of text; ctrl+s saves, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("EditText")  # type: ignore[assignment]

    DEFAULT_CSS = """
    EditText { align: center middle; }
    EditText > Vertical {
        width: 90%; max-width: 100; height: 90%; max-height: 24; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    EditText TextArea { height: 1fr; }
    EditText .hint { color: $text-muted; height: auto; }
    """

    def __init__(self, title: str, text: str = "", hint: str = "", name: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.hint = hint or "ctrl+s saves · escape leaves (asks first if you typed)"
        self.what = name or title
        """What the discard question names ("Discard your changes to <what>?")."""

    def compose(self):
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield TextArea(self.text, id="text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text(self.hint), classes="hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        """Leave without saving; if the text was changed, ask first."""
        if self.query_one(TextArea).text != self.text:
            ask_discard(self, self.what, lambda: self.dismiss(None))
        else:
            self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """Ask a yes/no question: ``y`` or Enter on "Yes" answers yes; escape answers no (``n`` is notes everywhere else)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("Confirm")  # type: ignore[assignment]

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical {
        width: 70; max-width: 95%; height: auto; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    Confirm .hint { color: $text-muted; }
    """

    def __init__(self, question: str, hint: str = "y: yes · n or escape: no") -> None:
        super().__init__()
        self.question = question
        self.hint = hint

    def compose(self):
        with Vertical():
            yield Static(Text(self.question, style="bold"), id="question")
            yield Static(Text(self.hint), classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_key(self, event: events.Key) -> None:
        """``n`` answers no here: a yes/no question reads "(y/n)" (``n`` is notes on screens, not in this dialog)."""
        if event.key == "n":
            event.stop()
            event.prevent_default()
            self.dismiss(False)


def discard_question(name: str) -> str:
    """The one question asked before typed data is dropped."""
    return f"Discard your changes to {name}? (y/n)"


DISCARD_HINT = "y: discard them · n or escape: keep editing"


def ask_discard(screen: Screen, name: str, discard: Callable[[], object]) -> None:
    """Ask "Discard your changes to <name>? (y/n)"; run ``discard`` only on yes.

    Callers ask only when something was typed: a clean form leaves without a question.
    """

    def answered(yes: bool | None) -> None:
        if yes:
            discard()

    screen.app.push_screen(Confirm(discard_question(name), hint=DISCARD_HINT), answered)
