"""The programme's settings, and the setup a new (empty) programme opens on.

One line per setting: name, time zone (typed and picked by fuzzy search: "london" offers
Europe/London), defaults for new waves, and the health targets. ctrl+s saves only what
changed, each setting at the version it was read; if another coordinator saved one of them
meanwhile nothing is saved, their name is shown and the typed values stay in the form.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Input, Label, OptionList, Static

from rmtui.db import ConflictError, Store, StoreError
from rmtui.error_log import UserError
from rmtui.programme_settings import (
    SETTING_SPECS,
    SettingError,
    find_timezones,
    is_set_up,
    programme_settings,
    save_settings,
    setting_versions,
    timezone_change_note,
)
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.widgets.ask import ask_discard
from rmtui.widgets.footer import Footer

SETUP_TEXT = (
    "A new programme. Give it a name and its time zone, check the defaults for new waves and "
    "the health targets, then ctrl+s. Next: import people (2 intake, ctrl+o) and add a wave "
    "(ctrl+p Waves, then a)."
)


def _load(store: Store) -> tuple[dict[str, Any], dict[str, int], bool]:
    """(the settings, their versions, whether the programme still needs setting up), in one snapshot."""
    with store.snapshot():
        return programme_settings(store), setting_versions(store), not is_set_up(store)


EDIT_TEXT = "The programme's settings, shared by every coordinator. ctrl+s saves what you changed."


class ProgrammeSettingsScreen(ProgrammeScreen):
    """Edit the programme's settings; on an empty programme, its setup."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ProgrammeSettingsScreen")  # type: ignore[assignment]
    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"save"})

    DEFAULT_CSS = """
    ProgrammeSettingsScreen #intro { height: auto; padding: 0 1; background: $panel; }
    ProgrammeSettingsScreen #message { height: auto; padding: 0 1; }
    ProgrammeSettingsScreen .row { height: 1; }
    ProgrammeSettingsScreen .row Label { width: 36; padding: 0 1; }
    ProgrammeSettingsScreen .row Input { width: 1fr; height: 1; border: none; padding: 0 1; }
    ProgrammeSettingsScreen .row Input:focus { background: $boost; }
    ProgrammeSettingsScreen #zones { height: auto; max-height: 4; margin-left: 36; border: none; display: none; }
    ProgrammeSettingsScreen #zones.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.loaded: dict[str, Any] = {}
        self.versions: dict[str, int] = {}
        self.setup = False

    def compose(self):
        yield Header()
        yield Static("", id="intro")
        with VerticalScroll(id="form"):
            for spec in SETTING_SPECS:
                with Horizontal(classes="row"):
                    yield Label(spec.label)
                    yield Input(id=f"set-{spec.key}", placeholder=spec.help, select_on_focus=False)
                if spec.key == "timezone":
                    yield OptionList(id="zones")
        yield Static("", id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Programme settings"
        self.load()

    def refresh_data(self) -> None:
        if not self.edited():
            self.load()

    def load(self) -> None:
        self.run_work(_load, self.programme.store, what="read the settings",
                      done=lambda loaded: self.show_loaded(*loaded), group="load")

    def _input(self, key: str) -> Input:
        return self.query_one(f"#set-{key}", Input)

    def typed(self) -> dict[str, str]:
        """Return what the form holds, setting key → text."""
        return {spec.key: self._input(spec.key).value for spec in SETTING_SPECS}

    def edited(self) -> dict[str, str]:
        """Return the settings whose text differs from what was loaded."""
        if not self.loaded:
            return {}
        return {key: text for key, text in self.typed().items() if text.strip() != str(self.loaded[key])}

    def show_loaded(self, values: dict[str, Any], versions: dict[str, int], setup: bool) -> None:
        first_load = not self.loaded
        self.loaded, self.versions, self.setup = values, versions, setup
        for spec in SETTING_SPECS:
            self._input(spec.key).value = str(values[spec.key])
        self.query_one("#intro", Static).update(Text(SETUP_TEXT if setup else EDIT_TEXT))
        self.sub_title = "Set up the programme" if setup else "Programme settings"
        first = self._input("programme_name")
        if first_load:  # a reload after a save leaves the focus where it is (number keys switch screens)
            first.focus()
        if setup:
            first.value = ""  # the default name is a placeholder, not a choice
            first.placeholder = "e.g. Reverse Mentoring 2027"

    @on(Input.Changed, "#set-timezone")
    def suggest_zones(self, event: Input.Changed) -> None:
        zones = self.query_one("#zones", OptionList)
        text = event.value.strip()
        matches = [] if not text or text in find_timezones(text, 1) else find_timezones(text, 6)
        zones.clear_options()
        zones.add_options(matches)
        zones.set_class(bool(matches) and event.input.has_focus, "shown")

    @on(Input.Submitted, "#set-timezone")
    def pick_first_zone(self, event: Input.Submitted) -> None:
        """Enter in the time zone takes the best match ("london" → Europe/London)."""
        found = find_timezones(event.value, 1)
        if found:
            event.input.value = found[0]
        self.query_one("#zones", OptionList).remove_class("shown")

    @on(OptionList.OptionSelected, "#zones")
    def pick_zone(self, event: OptionList.OptionSelected) -> None:
        self._input("timezone").value = str(event.option.prompt)
        self.query_one("#zones", OptionList).remove_class("shown")
        self._input("timezone").focus()

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        if event.input.id != "set-timezone":
            self.focus_next()

    def action_save(self) -> None:
        changes = self.edited()
        if self.setup and not changes.get("programme_name", "").strip():
            self.say("Give the programme a name first (it is shown in every header).", "bold red")
            self._input("programme_name").focus()
            return
        if not changes:
            self.notify("Nothing changed.")
            return
        self.say("Saving…", "dim")
        self.save(changes, dict(self.versions))

    def save(self, changes: dict[str, str], versions: dict[str, int]) -> None:
        store = self.programme.store
        self.run_save(lambda: save_settings(store, changes, versions), saving="the settings",
                      done=partial(self._saved, changes), failed=self._not_saved, group="save")

    def _not_saved(self, error: BaseException) -> bool:
        if isinstance(error, ConflictError):
            self.conflicted(error)
            return True
        if isinstance(error, (SettingError, StoreError, UserError)):  # one sentence each
            self.say(f"Not saved: {error}", "bold red")
            return True
        self.say("Not saved (see the notice).", "bold red")
        return False

    def _saved(self, changes: dict[str, str], versions: dict[str, int]) -> None:
        old_zone = self.loaded.get("timezone")
        self.versions = versions
        was_setup = self.setup
        self.after_save()
        self.load()
        self.say("Saved for every coordinator.", "green")
        if isinstance(self.focused, Input):
            self.set_focus(None)  # saved: number keys switch screens again (the notice says "2 intake")
        zone = changes.get("timezone")
        if zone and old_zone and zone.strip() != old_zone:
            self.notify(timezone_change_note(str(old_zone), zone.strip()), timeout=15)
        if was_setup:
            self.notify("The programme is set up. Next: import people (2 intake, ctrl+o) and add a wave (ctrl+p Waves, then a).", timeout=10)

    def conflicted(self, error: ConflictError) -> None:
        """Another coordinator saved a setting first: say who; keep what was typed."""
        who = error.changed_by or "Another coordinator"
        what = "a setting"
        if error.current:
            what = f"the {error.current['key']} setting"
            self.versions[str(error.current["key"])] = int(error.current["version"])
        self.say(
            f"Not saved: {who} changed {what} while you were editing. Your values are still here: "
            "ctrl+s saves yours over theirs, escape shows theirs.",
            "bold yellow",
        )

    def say(self, text: str, style: str = "") -> None:
        self.query_one("#message", Static).update(Text(text, style=style))

    def action_revert(self) -> None:
        """Escape: close the zone list, else leave the field (number keys then switch screens),
        else ask before putting back the saved values (nothing typed is dropped unasked)."""
        zones = self.query_one("#zones", OptionList)
        if zones.has_class("shown"):
            zones.remove_class("shown")
            return
        if isinstance(self.focused, Input):
            self.set_focus(None)
            return
        if self.edited():
            def discard() -> None:
                self.load()
                self.say("Edits undone; showing the saved settings.", "dim")

            ask_discard(self, "the programme settings", discard)
