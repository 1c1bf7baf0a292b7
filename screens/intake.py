"""Intake: the talent-profile form, for a new person (area 2) or an existing one (edit).

Validation runs as you type with the message under the field; saving is refused until
every field is right and focus goes to the first wrong one. A new person is checked
against the roster for likely duplicates first; an edit that another coordinator beat
to the save opens the conflict view, and nothing typed is lost either way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Header, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from rmtui.db import ConflictError, Participant, Store, StoreError
from rmtui.db.records import PARTICIPANT_STATUSES
from rmtui.duplicates import likely_duplicates
from rmtui.intake import (
    DEFAULT_LEVELS,
    LABELS,
    LIST_FIELDS,
    PROFILE_FIELDS,
    FieldError,
    ManagerChoice,
    ManagerIndex,
    changed_fields,
    check_for_save,
    create_participant,
    email_taken_error,
    format_attributes,
    parse_field,
    profile_values,
    programme_levels,
    split_tags,
    tag_separators,
    update_participant,
    withdraw_participant,
)
from rmtui.people import get_participant, participant_name
from rmtui.presence import Spot
from rmtui.screens import AREAS
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.intake_dialogs import ConflictScreen, DuplicateScreen, WithdrawScreen
from rmtui.screens.navigation import OpenImport, OpenProfile
from rmtui.text import clean
from rmtui.widgets.ask import ask_discard
from rmtui.widgets.footer import Footer
from rmtui.widgets.tags import TagInput

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Person", ("name", "email", "role", "status", "level", "capacity", "consent_share")),
    ("Work", ("job_title", "line_of_business", "department", "team", "manager_id", "location", "timezone", "joined_on")),
    ("Talent profile", ("current_role", "development_goals", "competencies", "past_experience", "education")),
    ("Background", ("birthplace", "hobbies", "interests")),
    ("Programme objective (sensitive, never on shared views)", ("attributes",)),
)

HINTS = {
    "email": "name@example.org",
    "level": "a whole number",
    "capacity": "mentees this mentor can take (usually 1)",
    "timezone": "e.g. Europe/London",
    "joined_on": "YYYY-MM-DD",
    "manager_id": "type a name, ↓ to pick",
    "attributes": "key: value; key: value (e.g. generation: Gen Z)",
    "current_role": "3–5 statements, Enter after each",
    "development_goals": "3–4 goals, Enter after each",
    "competencies": "3–4 competencies, Enter after each",
    "hobbies": "Enter or , after each",
    "interests": "Enter or , after each",
}

ROLE_OPTIONS = [("mentor", "mentor"), ("mentee", "mentee")]


class FormScroll(VerticalScroll, inherit_bindings=False):
    """The form's scrolling column: ↑/↓ move between fields (the screen's keys), not the view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]


class FormSelect(Select, inherit_bindings=False):
    """A Select that opens on Enter or Space only, so ↑/↓ keep moving between fields."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter,space", "show_overlay", "Choose", show=False)]


class NameInput(Input):
    """The name field, where the cursor starts: on a clean new-person form a number key
    switches areas as everywhere else (no name starts with a digit), instead of typing into
    the name (issue 13: "2" then "1" left "1" in the Name field)."""

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen
        if (event.character and event.character in "123456789" and not self.value
                and isinstance(screen, IntakeScreen) and screen.number_keys_switch()):
            area = next((area.name for area in AREAS if area.key == event.character), None)
            if area is not None:
                event.stop()
                event.prevent_default()  # not typed
                self.app.call_later(self.app.run_action, f"app.go('{area}')")


class LoadingGuard(Static, can_focus=True):
    """Holds the focus while an edit form is being filled and swallows what is typed.

    A form that took keys before it was filled saved them over the stored person (issue
    12: ``e``, Tab Tab, ``x`` saved the name as "x"). Until the person is in the form, the
    fields are disabled and this takes every key but escape (back) and ctrl+q/ctrl+c.
    """

    PASSED: ClassVar[frozenset[str]] = frozenset({"escape", "ctrl+q", "ctrl+c"})

    def on_key(self, event: Any) -> None:
        if event.key not in self.PASSED:
            event.stop()
            event.prevent_default()

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key not in self.PASSED  # priority keys too (the number keys): none acts meanwhile


def _load(store: Store, participant_id: int | None) -> tuple[tuple[int, int], Participant | None, dict[int, str]]:
    """(the programme's levels, the person edited or None, their manager's name by id)."""
    person = get_participant(store, participant_id) if participant_id is not None else None
    names = {}
    if person is not None and person.manager_id is not None:
        names[person.manager_id] = participant_name(store, person.manager_id) or f"#{person.manager_id}"
    return programme_levels(store), person, names


def _find_managers(
    store: Store, managers: ManagerIndex | None, participant_id: int | None, typed: str
) -> tuple[ManagerIndex, list[ManagerChoice]]:
    if managers is None:  # built on first use, again after any save (see refresh_data)
        managers = ManagerIndex.from_store(store, participant_id)
    return managers, managers.find(typed)


Saver = Callable[..., Any]
"""ProgrammeScreen.save_with_retry bound to the store: waits out another coordinator's lock."""


def _save(
    store: Store, save: Saver, raw: dict[str, Any], participant_id: int | None, version: int | None,
    base: dict[str, Any], save_anyway: bool,
) -> tuple[str, Any]:
    """Check and save the form: ("invalid" | "duplicates" | "created" | "updated" | "conflict", what goes with it)."""
    check = check_for_save(store, raw, participant_id)
    if not check.ok:
        return "invalid", check.errors
    if participant_id is None:
        if not save_anyway:
            found = likely_duplicates(
                store, check.values["name"], check.values.get("email"), check.values.get("department", "")
            )
            if found:
                return "duplicates", found
        return "created", save(lambda: create_participant(store, check.values), what="the new person")
    if version is None:
        raise StoreError("This person has not finished loading; save again in a moment.")
    edited_id, changes = participant_id, changed_fields(base, check.values)
    try:
        version = save(lambda: update_participant(store, edited_id, version, changes), what="the profile")
    except ConflictError as conflict:
        theirs = (conflict.current or {}).get("manager_id")
        names = {theirs: participant_name(store, theirs) or f"#{theirs}"} if theirs is not None else {}
        return "conflict", (conflict, check.values, names)
    return "updated", (version, check.values)


def consent_words(consent: bool) -> str:
    """The consent checkbox's label: the state in words, readable without colour."""
    return "consent: yes, their pairing may be disclosed" if consent else "consent: no, their pairing stays confidential"


class IntakeScreen(ProgrammeScreen):
    """The talent-profile form. ``participant_id`` given: edit that person, else add someone new."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("IntakeScreen")  # type: ignore[assignment]

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset({"save", "new", "withdraw", "import_csv"})

    DEFAULT_CSS = """
    IntakeScreen #form { padding: 0 1; }
    IntakeScreen #intake-title { height: auto; padding: 0 1; text-style: bold; }
    IntakeScreen #intake-banner { height: auto; padding: 0 1; color: $warning; display: none; }
    IntakeScreen #presence-notice { height: auto; padding: 0 1; color: $warning; display: none; }
    IntakeScreen #intake-loading { height: auto; padding: 0 1; color: $text-muted; }
    IntakeScreen .section { margin-top: 1; text-style: bold reverse; padding: 0 1; width: 100%; }
    IntakeScreen .row { height: auto; margin-bottom: 1; }
    IntakeScreen .row > Label { width: 17; padding: 0 1 0 0; text-align: right; color: $text-muted; }
    IntakeScreen .row:focus-within > Label { color: $text; text-style: bold; }
    IntakeScreen .row > .field { width: 1fr; }
    IntakeScreen .row > TextArea { height: 4; }
    IntakeScreen .error { color: $error; padding: 0 0 0 17; height: auto; margin-top: -1; margin-bottom: 1; display: none; }
    IntakeScreen .error.-shown { display: block; }
    IntakeScreen #manager-options { margin-left: 17; max-height: 7; display: none; }
    IntakeScreen #manager-options.-shown { display: block; }
    """

    def __init__(self, participant_id: int | None = None) -> None:
        super().__init__()
        self.participant_id = participant_id
        self.base: dict[str, Any] = {}
        self.version: int | None = None
        self.levels = DEFAULT_LEVELS
        self.errors: dict[str, str] = {}
        self.email_error: str | None = None
        self.manager_id: int | None = None
        self.manager_name = ""
        self.managers: ManagerIndex | None = None
        self.found_managers: list[ManagerChoice] = []
        self.names: dict[int, str] = {}
        self.leaving = False
        self.saves_running = 0  # saves started and not yet answered (Esc meanwhile waits for them)
        self.leave_when_saved = False
        self._filling = False
        self.loaded = participant_id is None
        """False while an edit form waits for the person: its fields are disabled until filled."""
        self.pristine: dict[str, Any] | None = None
        """The form as it was filled (blank, or the person loaded): anything else is typed data."""

    # -- layout ------------------------------------------------------------------------

    def compose(self):
        yield Header()
        if not self.loaded:
            yield LoadingGuard(Text(f"Loading #{self.participant_id}… the form opens when it is filled."), id="intake-loading")
        with FormScroll(id="form", disabled=not self.loaded):
            yield Static(id="intake-title")
            yield Static(id="presence-notice")
            yield Static(id="intake-banner")
            for title, fields in SECTIONS:
                yield Static(title, classes="section")
                for name in fields:
                    with Horizontal(classes="row"):
                        yield Label(LABELS[name])
                        yield self._field_widget(name)
                    if name == "manager_id":
                        yield OptionList(id="manager-options")
                    yield Static(id=f"e-{name}", classes="error")
        yield Footer()

    def _field_widget(self, name: str) -> Widget:
        widget_id = f"f-{name}"
        if name == "role":
            return FormSelect(ROLE_OPTIONS, prompt="choose mentor or mentee", id=widget_id, classes="field", compact=True)
        if name == "status":
            options = [(s, s) for s in PARTICIPANT_STATUSES if s != "withdrawn"]
            return FormSelect(options, value="applicant", allow_blank=False, id=widget_id, classes="field", compact=True)
        if name == "consent_share":
            return Checkbox(consent_words(False), id=widget_id, classes="field", compact=True)
        if name == "past_experience":
            return TextArea(id=widget_id, classes="field", soft_wrap=True, tab_behavior="focus", compact=True)
        if name in LIST_FIELDS:
            return TagInput(
                placeholder=HINTS.get(name, ""), id=widget_id, split=partial(split_tags, field_name=name),
                separators=tag_separators(name),
            ).add_class("field")
        # Focus leaves the text as it is: a letter typed on arriving in a filled field adds
        # to it instead of replacing the whole value (a name saved as "x", issue 12).
        if name == "name":
            return NameInput(placeholder=HINTS.get(name, ""), id=widget_id, classes="field", compact=True,
                             select_on_focus=False)
        return Input(placeholder=HINTS.get(name, ""), id=widget_id, classes="field", compact=True, select_on_focus=False)

    def on_mount(self) -> None:
        self._show_title()
        if self.participant_id is None:
            self.pristine = self._snapshot()
        # At once, not deferred: a deferred focus of the guard could land after a fast load
        # had already put the cursor in Name, and then hold the focus on a removed guard.
        if self.loaded:
            self.set_focus(self.query_one("#f-name"))
        else:
            self.set_focus(self.query_one("#intake-loading"))
        self.load()

    def _open_form(self) -> None:
        """The person is in the form: enable its fields and put the cursor in the name."""
        self.loaded = True
        form = self.query_one("#form", VerticalScroll)
        form.disabled = False
        # Focus the name NOW, before the guard goes: a focused widget removed hands the focus
        # on (to the last field, Objective data, wrapping round), which scrolled the form to
        # its end at 80×24 with the cursor still in Name.
        name = self.query_one("#f-name")
        self.set_focus(name, scroll_visible=False)
        self.query_one("#intake-loading").remove()
        form.scroll_home(animate=False)
        if self.focused is not name:  # not focusable yet (the form's enabling not applied): once it is
            self.call_after_refresh(self._focus_name_at_top)

    def _focus_name_at_top(self) -> None:
        self.set_focus(self.query_one("#f-name"), scroll_visible=False)
        self.query_one("#form", VerticalScroll).scroll_home(animate=False)

    def presence_spot(self) -> Spot:
        """Editing a person once their form is filled; a new person is no record yet."""
        if self.participant_id is None or not self.base:
            return Spot(self.presence_area())
        name = clean(self.base.get("name", "")) or f"#{self.participant_id}"
        return Spot(self.presence_area(), "participant", self.participant_id, name, editing=True)

    def _show_title(self) -> None:
        if self.participant_id is None:
            title = Text("New participant — the talent profile")
        else:
            title = Text("Editing ")
            title.append(clean(self.base.get("name", "")) or f"#{self.participant_id}")
            title.append(f"  (#{self.participant_id})", style="dim")
        self.query_one("#intake-title", Static).update(title)

    # -- loading -----------------------------------------------------------------------

    def load(self) -> None:
        self.run_work(_load, self.programme.store, self.participant_id, what="read this person", done=self._loaded,
                      failed=self._load_failed, group="load")

    def _load_failed(self, error: BaseException) -> bool:
        if not self.loaded:
            self.query_one("#intake-loading", Static).update(
                Text(f"This person could not be loaded ({error}); escape goes back.")
            )
        return self._failed(error)

    def _loaded(self, loaded: tuple[tuple[int, int], Participant | None, dict[int, str]]) -> None:
        self.levels, person, names = loaded
        self.names.update(names)
        if person is not None and not self.base:
            self.base = profile_values(person)
            self.version = person.version
            self.fill(self.base)
            self.pristine = self._snapshot()
            self._show_title()
            self.show_presence(self.host.others)  # someone else editing them shows before you type
        if not self.loaded:
            if person is None:
                self.query_one("#intake-loading", Static).update(
                    Text(f"#{self.participant_id} is no longer in the programme; escape goes back.")
                )
            else:
                self._open_form()

    def refresh_data(self) -> None:
        """Another save happened: rebuild the managers to pick from; warn if it was this person."""
        self.managers = None
        if self.participant_id is not None:
            self.check_version()

    def check_version(self) -> None:
        self.run_work(self.programme.store.scalar, "SELECT version FROM participants WHERE id = ?", (self.participant_id,),
                      what="check this person's version", done=self._version_checked, failed=self._failed,
                      group="version")

    def _version_checked(self, current: int | None) -> None:
        banner = self.query_one("#intake-banner", Static)
        if current is not None and self.version is not None and current != self.version:
            banner.update(Text("Another coordinator has saved this person since you opened it; saving will show what they changed."))
            banner.display = True

    # -- reading and filling the form --------------------------------------------------

    def _snapshot(self) -> dict[str, Any]:
        """The form's widgets as they stand, the manager's typed name included."""
        return {**self.raw_values(), "manager typed": self.query_one("#f-manager_id", Input).value}

    def number_keys_switch(self) -> bool:
        """Whether a number key typed in the empty name switches areas: a new-person form with nothing typed."""
        return self.participant_id is None and not self.is_dirty()

    def is_dirty(self) -> bool:
        """Whether anything was typed since the form was filled (a clean form never asks)."""
        return self.loaded and self.pristine is not None and self._snapshot() != self.pristine

    def raw_values(self) -> dict[str, Any]:
        """Return what is in the form right now, as typed (lists as tags)."""
        return {name: self._raw_value(name) for name in PROFILE_FIELDS}

    def _raw_value(self, name: str) -> Any:
        """Return what is in field ``name`` right now, as typed."""
        widget = self.query_one(f"#f-{name}")
        if isinstance(widget, TagInput):
            return widget.value()
        if isinstance(widget, Select):
            return "" if widget.is_blank() else widget.value
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if name == "manager_id":
            return self.manager_id
        return widget.value  # type: ignore[attr-defined]

    def fill(self, values: dict[str, Any]) -> None:
        """Put stored values into the form (an edit opened, a merge taken, a form cleared)."""
        self._filling = True
        try:
            for name in PROFILE_FIELDS:
                widget = self.query_one(f"#f-{name}")
                value = values.get(name)
                if isinstance(widget, TagInput):
                    widget.set_tags(list(value or []))
                elif isinstance(widget, Select):
                    if name == "status" and value == "withdrawn":
                        widget.set_options([(s, s) for s in PARTICIPANT_STATUSES])
                    if value:
                        widget.value = value
                    elif name == "role":
                        widget.clear()
                    else:
                        widget.value = "applicant"
                elif isinstance(widget, Checkbox):
                    widget.value = bool(value)
                elif isinstance(widget, TextArea):
                    widget.text = value or ""
                elif name == "manager_id":
                    self.manager_id = value
                    self.manager_name = self.names.get(value, "") if value is not None else ""
                    widget.value = self.manager_name  # type: ignore[attr-defined]
                elif name == "attributes":
                    widget.value = format_attributes(value or {})  # type: ignore[attr-defined]
                else:
                    widget.value = "" if value is None else str(value)  # type: ignore[attr-defined]
        finally:
            self.call_after_refresh(self._end_filling)

    def _end_filling(self) -> None:
        self._filling = False

    # -- validation as you type --------------------------------------------------------

    def validate_field(self, name: str) -> str | None:
        """Check one field as it stands; show (or clear) its message; return it."""
        raw = self._raw_value(name)
        message: str | None = None
        if name == "manager_id":
            typed = self.query_one("#f-manager_id", Input).value.strip()
            if typed and self.manager_id is None:
                message = "Pick the manager from the list: type part of a name, then ↓ and Enter."
            elif self.manager_id is not None and self.manager_id == self.participant_id:
                message = "A person cannot be their own manager."
        else:
            try:
                parse_field(name, raw, self.levels)
            except FieldError as error:
                message = str(error)
        if name == "email" and message is None:
            message = self.email_error
        self.show_error(name, message)
        return message

    def show_error(self, name: str, message: str | None) -> None:
        if message:
            self.errors[name] = message
        else:
            self.errors.pop(name, None)
        label = self.query_one(f"#e-{name}", Static)
        label.update(Text(message or ""))
        label.set_class(bool(message), "-shown")

    def _field_of(self, widget: Widget | None) -> str | None:
        while widget is not None:
            if widget.id and widget.id.startswith("f-"):
                return widget.id[2:]
            widget = widget.parent  # type: ignore[assignment]
        return None

    def _edited(self, widget: Widget) -> None:
        name = self._field_of(widget)
        if name is None or self._filling:
            return
        if name == "email":
            self.email_error = None
            self.check_email(self.query_one("#f-email", Input).value)
        if name == "manager_id":
            typed = self.query_one("#f-manager_id", Input).value
            if typed != self.manager_name:
                self.manager_id = None
                self.search_managers(typed)
        self.validate_field(name)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(TextArea.Changed)
    @on(TagInput.Changed)
    def field_changed(self, event: Any) -> None:
        if isinstance(event.control, Checkbox) and event.control.id == "f-consent_share":
            event.control.label = consent_words(event.control.value)  # in words, not only a tick (NO_COLOR)
        self._edited(event.control)

    def check_email(self, email: str) -> None:
        self.run_work(partial(email_taken_error, except_id=self.participant_id), self.programme.store, clean(email),
                      what="check the email", done=partial(self._email_checked, email), failed=self._failed,
                      group="email")

    def _email_checked(self, email: str, taken: str | None) -> None:
        if email == self.query_one("#f-email", Input).value:
            self.email_error = taken
            self.validate_field("email")

    def search_managers(self, typed: str) -> None:
        self.run_work(_find_managers, self.programme.store, self.managers, self.participant_id, typed,
                      what="find the manager", done=self._managers_found, failed=self._failed, group="manager")

    def _managers_found(self, found: tuple[ManagerIndex, list[ManagerChoice]]) -> None:
        self.managers, choices = found
        self._show_managers(choices)

    def _show_managers(self, found: list[ManagerChoice]) -> None:
        self.found_managers = found
        options = self.query_one("#manager-options", OptionList)
        options.clear_options()
        for choice in found:
            label = Text(clean(choice.name), style="bold")
            if choice.detail:
                label.append(f"  {clean(choice.detail)}", style="dim")
            options.add_option(Option(label, id=str(choice.participant_id)))
        options.set_class(bool(found), "-shown")
        if found:
            options.highlighted = 0

    def pick_manager(self, choice: ManagerChoice) -> None:
        """Make ``choice`` the manager and put their name in the field."""
        self.manager_id = choice.participant_id
        self.names[choice.participant_id] = choice.name
        self.manager_name = choice.name
        self._filling = True
        self.query_one("#f-manager_id", Input).value = choice.name
        self.call_after_refresh(self._end_filling)
        self.query_one("#manager-options", OptionList).remove_class("-shown")
        self.query_one("#f-manager_id", Input).focus()
        self.validate_field("manager_id")

    @on(OptionList.OptionSelected, "#manager-options")
    def manager_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.pick_manager(self.found_managers[event.option_index])

    @on(Input.Submitted)
    def next_on_enter(self, event: Input.Submitted) -> None:
        if event.input.id == "f-manager_id" and self.found_managers and self.manager_id is None:
            self.pick_manager(self.found_managers[0])
            return
        self.focus_next()

    # -- workers report back -----------------------------------------------------------

    def _failed(self, error: BaseException) -> bool:
        """Say a conflict or a refused value in one sentence; anything unexpected goes the usual way."""
        if isinstance(error, ConflictError):
            self.notify(str(error), severity="warning", timeout=10, markup=False)
        elif isinstance(error, (StoreError, FieldError)):
            self.notify(str(error), severity="error", timeout=10, markup=False)
        else:
            return False
        return True

    def raw_values_stored(self) -> dict[str, Any]:
        """Return the form's values cleaned into stored values (fields in error left as typed)."""
        values = {}
        for name, raw in self.raw_values().items():
            try:
                values[name] = parse_field(name, raw, self.levels)
            except FieldError:
                values[name] = raw
        return values

    # -- saving ------------------------------------------------------------------------

    def action_save(self, save_anyway: bool = False) -> None:
        """Check every field; save when all are right, else focus the first wrong one."""
        if not self.loaded:
            self.notify("The form is still loading; nothing was saved.", severity="warning")
            return
        for name in PROFILE_FIELDS:
            self.validate_field(name)
        if self.errors:
            first = next(name for name in PROFILE_FIELDS if name in self.errors)
            self.query_one(f"#f-{first}").focus()
            count = len(self.errors)
            self.notify(
                f"Not saved: {count} field{'s' if count > 1 else ''} to fix, starting with {LABELS[first].lower()}.",
                severity="warning",
            )
            return
        self.save(self.raw_values(), save_anyway)

    def save(self, raw: dict[str, Any], save_anyway: bool) -> None:
        store = self.programme.store
        saver = partial(self.save_with_retry, store=store)
        self.saves_running += 1
        self.run_work(_save, store, saver, raw, self.participant_id, self.version, dict(self.base), save_anyway,
                      what="save this person", done=self.saved, failed=self._failed, after=self._save_answered,
                      group="save", outlive=True)

    def _save_answered(self) -> None:
        """A save has been answered (saved, refused or failed): an Esc that waited for it is
        done with; if the form is still open, what the save said keeps it open."""
        self.saves_running -= 1
        if not self.saves_running:
            self.leave_when_saved = False

    def saved(self, outcome: tuple[str, Any]) -> None:
        kind, detail = outcome
        if kind == "invalid":
            for name, message in detail.items():
                self.show_error(name, message)
            first = next(name for name in PROFILE_FIELDS if name in detail)
            self.query_one(f"#f-{first}").focus()
            self.notify("Not saved: " + detail[first], severity="warning")
        elif kind == "duplicates":
            self.app.push_screen(DuplicateScreen(detail), self.duplicate_answer)
        elif kind == "created":
            person: Participant = detail
            self.notify(Text(f"Saved {clean(person.name)} as #{person.id}. The form is ready for the next person.").plain)
            self.clear_form()
        elif kind == "updated":
            self.version, self.base = detail[0], dict(detail[1])
            self.query_one("#intake-banner").display = False
            self.notify(f"Saved {clean(self.base['name'])}.")
            self.leaving = True
            self.app.pop_screen()
        elif kind == "conflict":
            conflict, mine, names = detail
            self.names.update(names)
            self.open_conflict(conflict, mine)

    def duplicate_answer(self, answer: tuple[str, int | None] | None) -> None:
        if answer is None:
            return
        choice, participant_id = answer
        if choice == "save":
            self.save(self.raw_values(), True)
        elif choice == "open" and participant_id is not None:
            self.post_message(OpenProfile(participant_id))

    def open_conflict(self, conflict: ConflictError, mine: dict[str, Any]) -> None:
        """Show what the other coordinator changed, field by field, against what was typed."""
        if conflict.current is None:
            self.notify(str(conflict), severity="error", timeout=10)
            return
        theirs_person = Participant.from_row(conflict.current)
        theirs = profile_values(theirs_person)
        screen = ConflictScreen(
            clean(mine.get("name") or ""), self.base, theirs, mine, conflict.changed_by, conflict.changed_at, self.names
        )

        def resolved(merged: dict[str, Any] | None) -> None:
            if merged is None:
                self.notify("Not saved. Your edits are still in the form; ctrl+s shows the conflict again.")
                return
            self.base, self.version = theirs, theirs_person.version
            self.fill(merged)
            self.save(merged, True)

        self.app.push_screen(screen, resolved)

    def clear_form(self) -> None:
        self.base, self.version = {}, None
        self.fill({})
        self.pristine = self._snapshot()
        for name in list(self.errors):
            self.show_error(name, None)
        self.email_error = None
        self.query_one("#f-name").focus()
        self.query_one("#form", VerticalScroll).scroll_home(animate=False)
        self.load()

    # -- other actions -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer "new person" only in the intake area and "withdraw" only when editing; no edits for viewers."""
        if not super().check_action(action, parameters):
            return False
        if action == "new":
            return self.participant_id is None
        if action in ("withdraw", "leave"):
            return self.participant_id is not None
        if action == "leave_field":
            return self.participant_id is None
        return True

    def action_new(self) -> None:
        """Clear the form for a new person (only in the intake area, not while editing);
        a form with something typed asks first."""
        if self.participant_id is None:
            if self.is_dirty():
                ask_discard(self, self._form_name(), self.clear_form)
            else:
                self.clear_form()

    def _form_name(self) -> str:
        """What the discard question calls this form: the person's name, else "the new person"."""
        typed = clean(self.query_one("#f-name", Input).value).strip()
        if self.participant_id is not None:
            return clean(self.base.get("name", "")) or typed or f"#{self.participant_id}"
        return typed or "the new person"

    def action_withdraw(self) -> None:
        """Ask why, then mark this person withdrawn (their history is kept)."""
        if self.participant_id is None or self.version is None:
            self.notify("Withdraw applies to someone already saved: open them from the roster with e.")
            return
        if self.base.get("status") == "withdrawn":
            self.notify("This person has already withdrawn.")
            return
        self.app.push_screen(WithdrawScreen(clean(self.base.get("name", ""))), self._withdraw_reason)

    def _withdraw_reason(self, reason: str | None) -> None:
        if reason:
            self.withdraw(reason)

    def withdraw(self, reason: str) -> None:
        if self.participant_id is None or self.version is None:
            return
        store, participant_id, version = self.programme.store, self.participant_id, self.version
        self.run_save(lambda: withdraw_participant(store, participant_id, version, reason), saving="the withdrawal",
                      done=self._withdrawn, failed=self._failed, group="withdraw")

    def _withdrawn(self, version: int) -> None:
        self.version = version
        self.base["status"] = "withdrawn"
        self.fill({**self.raw_values_stored(), "status": "withdrawn"})
        if self.pristine is not None:
            self.pristine["status"] = "withdrawn"
        self.notify("Withdrawn. The profile and its history are kept.")

    def action_import_csv(self) -> None:
        self.post_message(OpenImport())

    def action_leave_field(self) -> None:
        """In the intake area, escape leaves the field (so number keys switch areas again)."""
        self.set_focus(None)

    def action_leave(self) -> None:
        """Go back from editing someone (check_action offers it only then); unsaved edits ask first.

        While a save is running (ctrl+s then Esc typed together) there is nothing to discard:
        the form closes once it is saved, and stays open with the reason if it is not.
        """
        if self.saves_running:
            if not self.leave_when_saved:
                self.leave_when_saved = True
                self.notify("Saving; the form closes once it is saved.")
            return
        if not self.leaving and self.is_dirty():
            ask_discard(self, self._form_name(), self._leave_now)
            return
        self.app.pop_screen()

    def _leave_now(self) -> None:
        self.leaving = True
        self.app.pop_screen()

    def action_next_field(self) -> None:
        if self.query_one("#manager-options").has_class("-shown") and self._field_of(self.focused) == "manager_id":
            self.query_one("#manager-options", OptionList).focus()
            return
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

