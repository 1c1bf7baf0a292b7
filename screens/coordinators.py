"""Who may use the programme: everyone sees the list; admins add, change and remove."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import Header, Input, Static

from rmtui.coordinators import (
    ROLES,
    Coordinator,
    add_coordinator,
    check_login,
    list_coordinators,
    remove_coordinator,
    set_role,
)
from rmtui.db import ConflictError, NotAllowedError, Store
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.navigation import Navigate
from rmtui.text import clean
from rmtui.widgets.ask import ask_discard
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, VirtualTable

COLUMNS = [
    Column("user", "User", 14, grow=2),
    Column("role", "Role", 12),
    Column("since", "Since", 10),
    Column("by", "Added by", 10, grow=1),
]

ROLE_STYLE = {"admin": "bold", "coordinator": "", "viewer": "dim"}
ROLE_HELP = {
    None: "No coordinators yet: anyone who can open this file may edit it. Press a to add someone; you become admin.",
    "admin": "You are an admin: a adds someone, e changes the selected person's role, x removes them. Enter shows what they changed.",
    "coordinator": "You are a coordinator: you edit the programme; an admin manages who may use it. Enter shows what someone changed.",
    "viewer": "You are a viewer: you can look at everything but not change it. Enter shows what someone changed.",
}
ADMIN_ACTIONS = frozenset({"add", "cycle_role", "remove"})


class CoordinatorRows:
    def __init__(self, people: list[Coordinator], me: str) -> None:
        self.people = people
        self.me = me

    def __len__(self) -> int:
        return len(self.people)

    def cells(self, index: int) -> dict[str, Text]:
        person = self.people[index]
        user = Text(clean(person.os_user))
        if person.os_user == self.me:
            user.append(" (you)", style="dim")
        return {
            "user": user,
            "role": Text(person.role, style=ROLE_STYLE[person.role]),
            "since": Text(person.added_at[:10]),
            "by": Text(clean(person.added_by)),
        }


def _load(store: Store) -> tuple[list[Coordinator], str | None]:
    """Everyone who may open the programme, and this user's role (in a worker)."""
    return list_coordinators(store), store.role()


class CoordinatorsScreen(ProgrammeScreen):
    """The coordinators table; e cycles a role, a adds, x (twice) removes. Admins only."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("CoordinatorsScreen")  # type: ignore[assignment]

    DEFAULT_CSS = """
    CoordinatorsScreen #me { height: auto; padding: 0 1; }
    CoordinatorsScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    CoordinatorsScreen #new-user { display: none; border: tall $border; }
    CoordinatorsScreen #new-user.adding { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.people: list[Coordinator] = []
        self.role: str | None = None
        self.armed_removal: str | None = None

    def compose(self):
        yield Header()
        yield Static("Loading…", id="me")
        yield Input(placeholder="Their login on this server, then Enter (added as coordinator)", id="new-user")
        yield VirtualTable(COLUMNS, id="people")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#people", VirtualTable).focus()
        self.load()

    def refresh_data(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ADMIN_ACTIONS:
            return self.role in ("admin", None)
        return True

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        self.run_work(_load, self.programme.store, what="read the coordinators", done=self._loaded, group="load")

    def _loaded(self, loaded: tuple[list[Coordinator], str | None]) -> None:
        self.people, self.role = loaded
        me = self.programme.store.actor
        self.query_one("#people", VirtualTable).set_source(CoordinatorRows(self.people, me))
        self.query_one("#me", Static).update(Text(ROLE_HELP[self.role]))
        self.refresh_bindings()

    # -- saving --------------------------------------------------------------------------

    def _save(self, save: Callable[[], object], saving: str, said: str) -> None:
        self.run_save(save, saving=saving, done=lambda _: self._saved(said), failed=self._save_failed)

    def _saved(self, said: str) -> None:
        self.query_one("#status", Static).update(Text(said))
        self.after_save()

    def _save_failed(self, error: BaseException) -> bool:
        self.load()
        if isinstance(error, ConflictError):
            self.notify(f"{error} Press r again to apply yours to the current role.", severity="warning", timeout=10)
            return True
        return False

    def save_role(self, user: str, role: str, version: int) -> None:
        store = self.programme.store
        self._save(lambda: set_role(store, user, role, version), f"{user}'s new role", f"{user} is now {role}.")

    def save_new(self, user: str) -> None:
        store = self.programme.store

        def add() -> None:
            try:
                check_login(user)
            except NotAllowedError:
                raise NotAllowedError(
                    f"There is no login {user} on this server; check the spelling (the login, not the full name), "
                    "or add it with rmtui users add --force if the account is being created."
                ) from None
            add_coordinator(store, user, "coordinator")

        self._save(
            add,
            f"{user} as coordinator",
            f"{user} may now open the programme as coordinator (e changes the role).",
        )

    def save_removal(self, user: str) -> None:
        store = self.programme.store
        self._save(lambda: remove_coordinator(store, user), f"the removal of {user}", f"{user} can no longer open the programme.")

    def _selected(self) -> Coordinator | None:
        table = self.query_one("#people", VirtualTable)
        if 0 <= table.cursor < len(self.people):
            return self.people[table.cursor]
        return None

    # -- actions -------------------------------------------------------------------------

    def action_cycle_role(self) -> None:
        """Give the selected person the next role: coordinator → viewer → admin → coordinator."""
        person = self._selected()
        if person is None:
            return
        order = ("coordinator", "viewer", "admin")
        new = order[(order.index(person.role) + 1) % len(order)] if person.role in order else ROLES[1]
        self.query_one("#status", Static).update(Text(f"Saving: {clean(person.os_user)} → {new}…"))
        self.save_role(person.os_user, new, person.version)

    def action_add(self) -> None:
        field = self.query_one("#new-user", Input)
        field.add_class("adding")
        field.focus()

    def action_cancel_add(self) -> None:
        """Leave the new-user field; a name typed there is asked about before it is dropped."""
        field = self.query_one("#new-user", Input)
        if field.value.strip():
            ask_discard(self, "the new coordinator's user name", self._drop_new_user)
        else:
            self._drop_new_user()

    def _drop_new_user(self) -> None:
        field = self.query_one("#new-user", Input)
        field.value = ""
        field.remove_class("adding")
        self.query_one("#people", VirtualTable).focus()

    @on(Input.Submitted, "#new-user")
    def add_submitted(self, event: Input.Submitted) -> None:
        user = clean(event.value)
        if not user:
            return
        self._drop_new_user()
        self.query_one("#status", Static).update(Text(f"Saving: adding {user}…"))
        self.save_new(user)

    def action_remove(self) -> None:
        """Remove the selected person; the first press asks, the second removes."""
        person = self._selected()
        if person is None:
            return
        if self.armed_removal != person.os_user:
            self.armed_removal = person.os_user
            self.query_one("#status", Static).update(
                Text(f"Press x again to stop {clean(person.os_user)} opening the programme.", style="bold")
            )
            return
        self.armed_removal = None
        self.save_removal(person.os_user)

    @on(VirtualTable.Selected, "#people")
    def show_their_changes(self, event: VirtualTable.Selected) -> None:
        """Enter: the audit, filtered to what the selected person changed."""
        if not 0 <= event.index < len(self.people):
            return
        user = self.people[event.index].os_user
        self.post_message(Navigate("audit", query=f"by:{user}"))

    @on(VirtualTable.CursorMoved, "#people")
    def cursor_moved(self) -> None:
        if self.armed_removal is not None:
            self.armed_removal = None
            self.query_one("#status", Static).update("")
