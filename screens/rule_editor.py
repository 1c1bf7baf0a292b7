"""Edit the programme's matching rules: on/off, hard/soft, weight, thresholds, objective."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import Header, Input, Static

from rmtui.db import ConflictError
from rmtui.rule_settings import (
    RULE_SPECS,
    RuleConfig,
    RuleConfigError,
    rules_from_value,
    save_rule_config,
    setting_value,
    stored_rule_config,
)
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.widgets.ask import ask_discard
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, VirtualTable

COLUMNS = [
    Column("on", "On", 3),
    Column("kind", "Kind", 4),
    Column("weight", "Wt", 3, justify="right"),
    Column("label", "Rule", 20, grow=3),
    Column("params", "Thresholds", 12, grow=2),
]


class RuleSource:
    def __init__(self, config: RuleConfig) -> None:
        self.config = config

    def __len__(self) -> int:
        return len(RULE_SPECS)

    def cells(self, index: int) -> dict[str, Text]:
        spec = RULE_SPECS[index]
        setting = self.config[spec.id]
        style = "" if setting.enabled else "dim"
        params = [f"{t.label} {setting.params[t.name]:g}" for t in spec.thresholds]
        params += [f"{name}: {setting.params[name] or '—'}" for name in spec.text]
        return {
            "on": Text("on" if setting.enabled else "off", style=style),
            "kind": Text("hard" if setting.hard else "soft", style=style),
            "weight": Text(f"{setting.weight:g}" if not setting.hard else "", style=style),
            "label": Text(spec.label + (" (fixed)" if spec.fixed else ""), style=style),
            "params": Text(" · ".join(params), style=style),
        }


class RuleEditorScreen(ProgrammeScreen):
    """The rules every coordinator's pairing uses; ctrl+s saves them for everyone."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("RuleEditorScreen")  # type: ignore[assignment]

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"toggle_on", "toggle_hard", "weight", "threshold", "edit_text", "save"}
    )

    DEFAULT_CSS = """
    RuleEditorScreen #help { height: auto; padding: 0 1; background: $panel; }
    RuleEditorScreen #text { display: none; }
    RuleEditorScreen #message { height: auto; padding: 0 1; }
    """

    def __init__(self, config: RuleConfig) -> None:
        super().__init__()
        self.config = config.copy()
        self.changed = False
        self.version: int | None = None  # of the stored rules being edited, once read

    def compose(self):
        yield Header()
        yield Static(
            "Hard rules block a pair; soft rules only lower its score by their weight. "
            "Changes apply to every coordinator once saved (ctrl+s).",
            id="help",
        )
        yield VirtualTable(COLUMNS, id="rules", selectable=False)
        yield Input(placeholder="Objective attribute (e.g. generation, gender); Enter sets it", id="text")
        yield Static("", id="message")
        yield Footer()

    def on_mount(self) -> None:
        self._refresh(cursor=0)
        self.query_one("#rules", VirtualTable).focus()
        self.load()

    def load(self) -> None:
        """Read the stored rules with their version, which the save is checked against."""
        self.run_work(
            stored_rule_config, self.programme.store, what="read the stored rules", done=self.loaded, group="load"
        )

    def loaded(self, stored: tuple[RuleConfig | None, int]) -> None:
        config, self.version = stored
        if config is not None and not self.changed:
            self.config = config
            self._refresh()

    def _refresh(self, cursor: int | None = None) -> None:
        self.query_one("#rules", VirtualTable).set_source(RuleSource(self.config), cursor=cursor)

    def _spec(self):
        return RULE_SPECS[self.query_one("#rules", VirtualTable).cursor]

    def _change(self, key: str, value) -> None:
        """Apply one change to a copy and keep it only if the whole configuration stays valid."""
        spec = self._spec()
        message = self.query_one("#message", Static)
        candidate = self.config.copy()
        try:
            if spec.fixed and key in ("enabled", "hard"):
                raise RuleConfigError(f"{spec.label} is always on and hard.")
            setting_value(spec, candidate[spec.id], key, value)
            rules_from_value(candidate.to_value())
        except RuleConfigError as error:
            message.update(Text(str(error), style="bold red"))
            return
        self.config = candidate
        self.changed = True
        message.update(Text("Not saved yet: ctrl+s saves for everyone, Escape discards.", style="italic"))
        self._refresh()

    def action_toggle_on(self) -> None:
        spec = self._spec()
        if spec.id == "objective_attribute" and not self.config[spec.id].enabled and not self.config[spec.id].params["attribute"]:
            self.action_edit_text()
            return
        self._change("enabled", not self.config[spec.id].enabled)

    def action_toggle_hard(self) -> None:
        self._change("hard", not self.config[self._spec().id].hard)

    def action_weight(self, delta: int) -> None:
        setting = self.config[self._spec().id]
        self._change("weight", max(0.0, min(100.0, setting.weight + delta)))

    def action_threshold(self, which: int, direction: int) -> None:
        spec = self._spec()
        if which >= len(spec.thresholds):
            return
        threshold = spec.thresholds[which]
        current = self.config[spec.id].params[threshold.name]
        value = min(threshold.high, max(threshold.low, current + direction * threshold.step))
        self._change(threshold.name, int(value) if threshold.integer else float(value))

    def action_edit_text(self) -> None:
        spec = self._spec()
        if not spec.text:
            self.query_one("#message", Static).update("This rule has no text option.")
            return
        field = self.query_one("#text", Input)
        field.value = str(self.config[spec.id].params[spec.text[0]])
        field.display = True
        field.focus()

    @on(Input.Submitted, "#text")
    def text_set(self, event: Input.Submitted) -> None:
        field = self.query_one("#text", Input)
        field.display = False
        self.query_one("#rules", VirtualTable).focus()
        spec = self._spec()
        if event.value.strip() and not self.config[spec.id].enabled:
            self._change(spec.text[0], event.value)
            self._change("enabled", True)
        elif not event.value.strip() and self.config[spec.id].enabled:
            self._change("enabled", False)
            self._change(spec.text[0], event.value)
        else:
            self._change(spec.text[0], event.value)

    def save(self, config: RuleConfig, version: int) -> None:
        store = self.programme.store
        self.run_save(
            lambda: save_rule_config(store, config, version), saving="the rules", done=self.saved, failed=self.not_saved
        )

    def action_save(self) -> None:
        if self.version is None:
            self.query_one("#message", Static).update("Still reading the stored rules; press s again in a moment.")
            return
        self.save(self.config, self.version)

    def saved(self, version: int) -> None:
        self.changed = False
        self.notify("Matching rules saved for every coordinator.")
        self.dismiss(True)

    def not_saved(self, error: BaseException) -> bool:
        """A conflict is explained here (the edits stay); other failures are shown as everywhere."""
        if isinstance(error, ConflictError):
            self.conflicted(error)
            return True
        self.query_one("#message", Static).update(Text("Not saved; your edits are still here.", style="bold red"))
        return False

    def conflicted(self, error: ConflictError) -> None:
        """Another coordinator saved the rules first: say who; keep these edits on screen."""
        who = error.changed_by or "Another coordinator"
        when = f" at {error.changed_at[11:16]} UTC" if error.changed_at and len(error.changed_at) > 15 else ""
        self.version = int(error.current["version"]) if error.current else 0
        self.query_one("#message", Static).update(
            Text(
                f"Not saved: {who} saved the rules{when} while you were editing. Your edits are still "
                "here: ctrl+s saves yours over theirs, Escape discards yours (then reopen to see theirs).",
                style="bold yellow",
            )
        )

    def action_back(self) -> None:
        text = self.query_one("#text", Input)
        if text.display:
            text.display = False
            self.query_one("#rules", VirtualTable).focus()
            return
        if self.changed:
            ask_discard(self, "the matching rules", lambda: self.dismiss(None))
            return
        self.dismiss(None)
