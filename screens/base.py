"""What every rmtui screen shares: the programme it works on, and live refresh."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar, cast

from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from rmtui import saving
from rmtui.programme import Programme

T = TypeVar("T")

if TYPE_CHECKING:
    from rmtui.timeline import Outcome


class ProgrammeHost(Protocol):
    """What a ProgrammeScreen needs of the App it runs in (rmtui.app.RmtuiApp provides it).

    Screens depend on this, not on the concrete App; showing another screen is a
    message (rmtui.screens.navigation) the App handles.
    """

    programme: Programme
    may_edit: bool
    data_generation: int

    def poll_changes(self) -> bool: ...


class DataChanged(Message):
    """Someone (this app or another coordinator's) committed to the programme database."""

    def __init__(self, generation: int) -> None:
        super().__init__()
        self.generation = generation


class ProgrammeScreen(Screen):
    """A screen that reads and writes the open programme through rmtui's services.

    Screens that show data override :meth:`refresh_data`; it runs when the database
    changes while the screen is shown, or when the screen comes back after a change.
    """

    seen_generation = 0

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Actions that change the programme: hidden from viewers (the store refuses them anyway)."""

    @property
    def host(self) -> ProgrammeHost:
        """The App this screen runs in, as far as screens may know it."""
        return cast("ProgrammeHost", self.app)

    @property
    def programme(self) -> Programme:
        return self.host.programme

    @property
    def may_edit(self) -> bool:
        """Whether this coordinator may change the programme (viewers may not)."""
        return self.host.may_edit

    def show_query(self, text: str) -> None:
        """Show this screen filtered by ``text`` (typed into its search); screens with one override."""

    def refresh_data(self) -> None:
        """Reload what this screen shows from the database (in a worker)."""

    def on_data_changed(self, message: DataChanged) -> None:
        if message.generation > self.seen_generation:  # else this screen has refreshed since
            self.seen_generation = message.generation
            self.refresh_data()

    def on_screen_resume(self) -> None:
        self.host.poll_changes()  # a commit just made (say by the dialog that closed) shows now
        self._catch_up()

    def _catch_up(self) -> None:
        """Refresh once if the app has seen commits since this screen last refreshed."""
        generation = self.host.data_generation
        if generation > self.seen_generation:
            self.seen_generation = generation
            self.refresh_data()

    def after_save(self) -> None:
        """Show this screen's own saved change, refreshing exactly once.

        The watcher notices this app's commits like anyone else's, so a screen that also
        reloaded after its save would read everything twice. Instead the app polls now
        (not at its next tick) and this screen catches up at once.
        """
        self.host.poll_changes()
        self._catch_up()

    def report_outcome(self, outcome: Outcome) -> None:
        """Say how an edit went; reopen the user's input if it did not land, and refresh."""
        self.notify(outcome.message, severity=outcome.severity, timeout=6 if outcome.ok else 10)
        if outcome.retry is not None:
            outcome.retry()
        if outcome.ok:
            self.after_save()
        else:
            self.refresh_data()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.EDIT_ACTIONS and not self.may_edit:
            return False
        return True

    def save_with_retry(self, save: Callable[[], T], *, what: str = "your change") -> T:
        """Run ``save`` (one store write) from a thread worker until it lands; return its result.

        While another process holds the write lock the screen stays responsive, the user
        is told that rmtui is waiting and that their edit is kept, and the same save is
        retried. ConflictError and other errors pass through for the screen to show.

        In a screen::

            @work(thread=True, exit_on_error=False, group="intake-save")
            def save(self, changes):
                return self.save_with_retry(
                    lambda: update_participant(store, pid, version, changes), what="the profile"
                )

        ``save`` must do all its work in one ``store.write()`` so a retry repeats it whole.
        """
        worker = get_current_worker()
        started = time.monotonic()
        waited = False

        def on_waiting(seconds: float) -> None:
            nonlocal waited
            waited = True
            still = f"Still waiting ({seconds:.0f} s)" if seconds >= 1 else "Waiting"
            self.app.call_from_thread(
                self.notify,
                f"{still}: another coordinator is saving. rmtui will save {what} as soon as "
                "they finish; your edit is kept.",
                title="Database busy",
                severity="warning",
                timeout=12,
            )

        result = saving.save_with_retry(
            self.programme.store, save, on_waiting=on_waiting, cancelled=lambda: worker.is_cancelled
        )
        if waited:
            seconds = time.monotonic() - started
            self.app.call_from_thread(self.notify, f"Saved {what} after waiting {seconds:.0f} s for another coordinator.")
        return result
