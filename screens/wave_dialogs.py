"""The wave form: name, start day (the dialogs' words: today, +1w, 2026-12-04), rhythm."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from rmtui.screens.base import bindings
from rmtui.widgets.ask import ask_discard

FIELDS = (
    ("name", "Name", "e.g. Spring 2027"),
    ("starts", "Starts on", "2026-12-04, today, +1w, mon"),
    ("sessions", "Sessions per pair", ""),
    ("every", "Days between sessions", ""),
    ("minutes", "Minutes per session", ""),
)


class WaveFormScreen(ModalScreen[dict[str, str] | None]):
    """Create or edit a wave. ctrl+s (or Enter on the last line) checks and returns what was typed."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("WaveFormScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    WaveFormScreen { align: center middle; }
    WaveFormScreen > Vertical {
        width: 70; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    WaveFormScreen .row { height: 1; }
    WaveFormScreen .row Label { width: 24; }
    WaveFormScreen .row Input { width: 1fr; height: 1; border: none; padding: 0 1; }
    WaveFormScreen .row Input:focus { background: $boost; }
    WaveFormScreen #error { color: $error; height: auto; }
    WaveFormScreen .hint { color: $text-muted; height: auto; }
    """

    def __init__(self, title: str, values: dict[str, str], check: Callable[[dict[str, str]], object],
                 locked: frozenset[str] = frozenset(), note: str = "", error: str = "") -> None:
        super().__init__()
        self.error = error
        self.title_text = title
        self.values = values
        self.check = check
        self.locked = locked
        self.note = note

    def compose(self):
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            for key, label, placeholder in FIELDS:
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(self.values.get(key, ""), placeholder=placeholder, id=f"wave-{key}",
                                disabled=key in self.locked)
            yield Static(Text(self.error), id="error")
            yield Static(Text(self.note or "ctrl+s saves · Enter goes to the next line · escape leaves"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#wave-name", Input).focus()

    def typed(self) -> dict[str, str]:
        return {key: self.query_one(f"#wave-{key}", Input).value for key, _, _ in FIELDS}

    @on(Input.Submitted)
    def next_line(self, event: Input.Submitted) -> None:
        if event.input.id == "wave-minutes":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        values = self.typed()
        try:
            self.check(values)
        except ValueError as error:
            self.query_one("#error", Static).update(Text(str(error)))
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        """Leave without saving; if anything was typed, ask first."""
        if any(value != self.values.get(key, "") for key, value in self.typed().items()):
            name = self.values.get("name") or "the new wave"
            ask_discard(self, name if name == "the new wave" else f"wave {name}", lambda: self.dismiss(None))
        else:
            self.dismiss(None)


def whole_number(text: str, label: str) -> int | None:
    """Return ``text`` as a whole number (None when blank); ValueError naming ``label``."""
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{label} must be a whole number, not {text.strip()!r}.") from None
