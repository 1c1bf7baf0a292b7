"""The `?` panel: this screen's keys grouped by purpose, then the global keys (from rmtui.keymap)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rmtui.keymap import Key, keys_for


def bindings(screen: str) -> list[Binding]:
    """A screen's BINDINGS, built from the one keymap (rmtui.keymap) under their ids.

    The ids let ``keys.toml`` overrides reach them (``App.set_keymap``)."""
    return [
        Binding(key.key, key.action, key.label, show=key.show, key_display=key.display, id=key.id,
                tooltip=key.help, priority=key.priority)
        for key in keys_for(screen)
    ]


def keys_table(title: str, screen_keys: list[Key], global_keys: list[tuple[str, str]]) -> Table:
    """A two-column table: key, what it does; headings for each purpose."""
    table = Table(show_header=False, show_edge=False, box=None, pad_edge=False, expand=True)
    table.add_column("key", style="bold", no_wrap=True, width=8)
    table.add_column("action")
    groups: dict[str, list[Key]] = {}
    for key in screen_keys:
        groups.setdefault(key.group, []).append(key)
    for group, keys in groups.items():
        table.add_row("", Text(f"{title}: {group}", style="bold reverse"))
        for key in keys:
            label = Text(key.label)
            if key.help:
                label.append(f" — {key.help}", style="dim")
            table.add_row(Text(key.display), label)
    table.add_row("", Text("Everywhere", style="bold reverse"))
    for shown, meaning in global_keys:
        table.add_row(Text(shown), Text(meaning))
    return table


class KeysPanel(ModalScreen[None]):
    """This screen's actions first, grouped by purpose; `?` or escape closes it."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("KeysPanel")  # type: ignore[assignment]

    DEFAULT_CSS = """
    KeysPanel { align: right middle; }
    KeysPanel > VerticalScroll {
        width: 60; max-width: 100%; height: 100%; border-left: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, title: str, screen_keys: list[Key], global_keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.table = keys_table(title, screen_keys, global_keys)

    def compose(self):
        with VerticalScroll():
            yield Static(self.table, id="keys")
