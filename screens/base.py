"""What every rmtui screen shares: the programme it works on, and live refresh."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, cast

from rich.text import Text
from textual import active_app, events, on
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from rmtui.clock import today
from rmtui.db import Store, StoreError
from rmtui.error_log import UserError, log_exception
from rmtui.keymap import SCREEN_TITLES
from rmtui.presence import Entry, Spot, editing, editing_notice
from rmtui.widgets.footer import Footer, forget_closed_watchers
from rmtui.widgets.keys_panel import bindings

__all__ = ["DataChanged", "ProgrammeHost", "ProgrammeScreen", "WorkDone", "bindings"]
from rmtui.programme import Programme

T = TypeVar("T")

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from rmtui.timeline import Outcome


class ProgrammeHost(Protocol):
    """What a ProgrammeScreen needs of the App it runs in (rmtui.app.RmtuiApp provides it).

    Screens depend on this, not on the concrete App; showing another screen is a
    message (rmtui.screens.navigation) the App handles.
    """

    programme: Programme
    may_edit: bool
    data_generation: int
    timezone: str
    """The programme's time zone, read in a worker when the app starts and after each change."""

    def poll_changes(self) -> None:
        """Ask (in a worker) whether anyone committed; a change reaches the screen as DataChanged."""

    others: list[Entry]
    """The other open apps (presence), as last read."""

    def screen_shown(self) -> None:
        """A screen came to the top: fit the header beside its title, announce where we are."""

    def since(self, instant: float) -> str:
        """An instant (Unix seconds) as the programme's local time of day, "14:02"."""


class DataChanged(Message):
    """Someone (this app or another coordinator's) committed to the programme database."""

    def __init__(self, generation: int) -> None:
        super().__init__()
        self.generation = generation


@dataclass
class WorkDone(Message):
    """A worker started by :meth:`ProgrammeScreen.run_work` ended: its result or its error."""

    worker: Worker[None]
    result: Any = None
    error: BaseException | None = None


@dataclass(frozen=True)
class _Delivery(Generic[T]):
    """Where a worker's outcome goes (see :meth:`ProgrammeScreen.run_work`)."""

    what: str
    done: Callable[[T], object] | None
    failed: Callable[[BaseException], bool] | None
    after: Callable[[], object] | None


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

    def programme_zone(self) -> str:
        """The programme's time zone as last read (no database access: safe on the UI thread)."""
        return self.host.timezone

    def programme_today(self) -> dt.date:
        """Today in the programme's time zone (no database access: safe on the UI thread).

        ``self.programme.today()`` reads the settings; call that in workers only.
        """
        return today(self.programme.clock, self.host.timezone)

    def show_query(self, text: str) -> None:
        """Show this screen filtered by ``text`` (typed into its search); screens with one override."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deliveries: dict[Worker[None], _Delivery[Any]] = {}

    def refresh_data(self) -> None:
        """Reload what this screen shows from the database (in a worker)."""

    # -- leaving for another area: what was read is let go ----------------------------------

    released = False
    """Left for another area, this screen let go of what it read (see :meth:`release_when_left`)."""

    def release_when_left(self) -> None:
        """From now on, :meth:`release` runs when another area is shown, also when it is left
        from a screen opened over this one (at 100,000 people what a screen read stayed in
        memory for as long as the app ran). The screen reads again when shown again, in its
        own ``on_screen_resume``, where ``released`` is still True."""
        self.app.mode_change_signal.subscribe(self, self._left)

    def _left(self, _mode: str) -> None:
        if not self.released and self not in self.app.screen_stack:
            self.released = True
            self.release()

    def release(self) -> None:
        """Drop what this screen read; keep what the coordinator chose (see :meth:`release_when_left`)."""

    # -- presence: where this screen is, and who else edits its record ------------------

    def presence_area(self) -> str:
        """The screen's name as others read it in the header ("timeline")."""
        return SCREEN_TITLES.get(type(self).__name__, "").lower()

    def presence_spot(self) -> Spot:
        """Where this screen is, for the others' headers; screens showing one record override
        it (no database access: the app asks on the UI thread)."""
        return Spot(self.presence_area())

    def show_presence(self, others: list[Entry]) -> None:
        """Show, above this screen's record, who else is editing it (its ``#presence-notice``)."""
        try:
            notice = self.query_one("#presence-notice", Static)
        except NoMatches:  # a screen without a notice line
            return
        spot = self.presence_spot()
        text = editing_notice(editing(others, spot.entity, spot.entity_id), self.host.since)
        notice.update(Text(text))
        notice.display = bool(text)

    def on_mount(self) -> None:
        """Name the screen in the header: "Roster — <programme>" (the app's title is the programme)."""
        name = SCREEN_TITLES.get(type(self).__name__)
        if name:
            # The programme's name as the app read it: the start screen mounts before the app's
            # on_mount sets its title to it.
            programme = str(getattr(self.app, "programme_name", None) or getattr(self.app, "title", "") or "")
            self.title = f"{name} — {programme}" if programme else name
        if self.app.screen_stack and self.app.screen is self:
            # The header's live state beside that title before the first frame, not after it
            # (on_screen_resume says it again, for screens shown again).
            self.host.screen_shown()

    @on(events.Mount)
    async def _footer_keys_now(self) -> None:
        """Show the footer's keys in the screen's first frame (issue 14). Runs after the
        subclass's on_mount (Textual calls it first), which may have set the focus."""
        for footer in self.query("Footer"):  # by name: Textual's own footer too (it has no show_keys)
            if isinstance(footer, Footer):
                await footer.show_keys()

    @on(events.Unmount)
    def _forget_closed_watchers(self) -> None:
        """Let the app forget this screen's closed widgets: its Header watches the app's
        title, which never changes, so each popped screen's header stayed in memory."""
        forget_closed_watchers(self.app)

    # -- running work off the UI thread: the one way ------------------------------------

    def run_work(
        self,
        work: Callable[..., T],
        *args: Any,
        what: str,
        done: Callable[[T], object] | None = None,
        failed: Callable[[BaseException], bool] | None = None,
        after: Callable[[], object] | None = None,
        group: str = "default",
        exclusive: bool = True,
        outlive: bool = False,
    ) -> Worker[None]:
        """Run ``work(*args)`` in a thread worker and hand its result to ``done`` on the UI thread.

        ``work`` receives everything it needs as arguments: read the screen's state here, on
        the UI thread, never from the worker. ``what`` completes "Could not …" ("read the
        leaderboard"). A failure goes to ``failed`` first, which returns True when it dealt
        with it (say a ConflictError the screen resolves); otherwise to
        :meth:`_handle_worker_error`, so every screen shows failures the same way. ``after``
        runs once the worker has ended either way. With ``exclusive`` a newer run in the same
        ``group`` supersedes an older one, whose outcome is then dropped (``after`` still runs).
        With ``outlive`` (writes: what the user asked to save) the work goes on when the
        screen is left, even before its thread started (h then Esc read in one batch: leaving
        cancelled a screen's worker that had not started, and the edit was dropped); only
        what it would show is dropped with the screen.

        In a screen::

            def refresh_data(self) -> None:
                self.run_work(load_board, self.programme.store, self.today,
                              what="read the leaderboard", done=self.show, group="load")
        """

        app = self.app
        # What the work is given is let go of once it ran: Textual's worker thread keeps its
        # last worker (a context variable of the pool's thread), and with it this job, until
        # it runs another one; the pairing screen's ranking held the whole pool that way.
        given = [(work, args)]

        def job() -> None:
            # Textual runs a thread worker without the app's context, so ``self.app`` there
            # walks the screen's parents, and a screen left meanwhile has none
            # (NoActiveAppError: "h" then Esc read together lost the edit). The app read
            # above, on the UI thread, is this thread's app for everything the work calls.
            active_app.set(app)
            worker = get_current_worker()
            run, arguments = given.pop()
            try:
                result = run(*arguments)
            except Exception as error:  # noqa: BLE001 - delivered to the UI thread, shown there
                if not self.post_message(WorkDone(worker, error=error)) and outlive:
                    # The screen was left meanwhile: its failure is still said, over what is shown.
                    app.call_from_thread(self._handle_worker_error, error, what)
            else:
                self.post_message(WorkDone(worker, result))

        owner: Screen | App = self.app if outlive else self  # the App's workers end with the app only
        worker = owner.run_worker(
            job, name=what, group=f"{type(self).__name__}-{group}", thread=True, exclusive=exclusive,
            exit_on_error=False,
        )
        self._deliveries[worker] = _Delivery(what, done, failed, after)
        return worker

    async def work_delivered(self, rounds: int = 200) -> None:
        """Wait until the work started so far (a screen's first load) has been handed to the
        screen, at most ``rounds`` short pauses: a palette command that opens a screen and
        runs one of its keys then acts on what the screen shows, not on its empty start
        ("This pair has no sessions yet" on a pair with seven)."""
        for _ in range(rounds):
            if not self._deliveries:
                return
            await asyncio.sleep(0.01)

    @on(WorkDone)
    def _work_done(self, message: WorkDone) -> None:
        message.stop()
        delivery = self._deliveries.pop(message.worker, None)
        if delivery is None:
            return
        try:
            if message.worker.is_cancelled:
                return  # superseded by a newer run of the same group
            if message.error is not None:
                if delivery.failed is None or not delivery.failed(message.error):
                    self._handle_worker_error(message.error, delivery.what)
            elif delivery.done is not None:
                delivery.done(message.result)
        finally:
            if delivery.after is not None:
                delivery.after()

    def run_save(
        self,
        save: Callable[[], T],
        *,
        saving: str,
        done: Callable[[T], object] | None = None,
        failed: Callable[[BaseException], bool] | None = None,
        group: str = "save",
    ) -> Worker[None]:
        """Run one store write in a worker through :meth:`save_with_retry`; see :meth:`run_work`.

        ``save`` is built on the UI thread from values read there (a closure over the store and
        the user's input); ``saving`` names what is saved ("the notes", "alice's new role").
        """
        return self.run_work(
            partial(self.save_with_retry, what=saving, store=self.programme.store), save, what=f"save {saving}",
            done=done, failed=failed, group=group, exclusive=False, outlive=True,
        )

    def run_edit(
        self,
        edit: Callable[[], str],
        retry: Callable[[], None] | None = None,
        confirm: Callable[[], None] | None = None,
        *,
        what: str = "the change",
    ) -> Worker[None]:
        """Run one edit (``edit`` returns what it did) in a worker and report its outcome.

        The edit waits out another coordinator's write lock through :meth:`save_with_retry`
        (the user is told, and their edit is kept). Expected failures (a conflict, a broken
        rule, a busy database) become an Outcome via :func:`rmtui.timeline.attempt`; ``retry``
        reopens the user's input after a conflict; ``confirm`` redoes the edit once the user
        said yes to what it asked first.
        """
        from rmtui.timeline import attempt

        waiting = partial(self.save_with_retry, edit, what=what, store=self.programme.store)
        return self.run_work(attempt, waiting, retry, confirm, what="save your change", done=self.report_outcome,
                             group="edit", exclusive=False, outlive=True)

    def _handle_worker_error(self, error: BaseException, what: str) -> None:
        """Show a worker's failure: the message of an error meant for users, else one sentence and the log."""
        if isinstance(error, (StoreError, UserError)):
            self.notify(str(error), title=f"Could not {what}", severity="error", timeout=10, markup=False)
        else:
            log = log_exception(error)
            self.notify(
                f"Could not {what}: something unexpected went wrong (details in {log}).",
                severity="error",
                timeout=10,
                markup=False,
            )

    def on_data_changed(self, message: DataChanged) -> None:
        if message.generation > self.seen_generation:  # else this screen has refreshed since
            self.seen_generation = message.generation
            self.refresh_data()

    def on_screen_resume(self) -> None:
        self.host.poll_changes()  # a commit just made (say by the dialog that closed) shows soon
        self._catch_up()
        self.host.screen_shown()

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
        (in a worker, not at its next tick) and the change reaches this screen as DataChanged;
        a change seen before this screen showed is caught up here.
        """
        self.host.poll_changes()
        self._catch_up()

    def report_outcome(self, outcome: Outcome) -> None:
        """Say how an edit went; reopen the user's input if it did not land, and refresh.

        An edit that needs a yes first (a move into the past) asks, and redoes it confirmed."""
        if outcome.confirm is not None:
            from rmtui.widgets.ask import Confirm  # here: it loads TextArea, which start-up does not need

            confirm = outcome.confirm
            self.app.push_screen(Confirm(outcome.message), lambda yes: confirm() if yes else None)
            return
        severity = cast("SeverityLevel", outcome.severity)  # information, warning or error
        self.notify(outcome.message, severity=severity, timeout=6 if outcome.ok else 10, markup=False)
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

    def save_with_retry(self, save: Callable[[], T], *, what: str = "your change", store: Store | None = None) -> T:
        """Run ``save`` (one store write) from a thread worker until it lands; return its result.

        While another process holds the write lock the screen stays responsive (the store
        waits for the lock on this worker's thread; reads go on meanwhile on read
        connections), the user is told that rmtui is waiting and that their edit is kept,
        and the save's ``store.write()`` goes ahead as soon as the lock is free.
        ConflictError and other errors pass through for the screen to show.

        In a screen::

            store = self.programme.store
            self.run_work(
                partial(self.save_with_retry, what="the profile", store=store),
                lambda: update_participant(store, pid, version, changes),
                what="save the profile", done=self.saved, group="save",
            )

        ``save`` should do all its work in one ``store.write()`` (every write it begins
        waits the same way, see :meth:`rmtui.db.Store.wait_policy`). Pass ``store`` (read on
        the UI thread) so the worker reads no screen state; :meth:`run_save` and
        :meth:`run_edit` do.
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

        # The store waits for the write lock (retrying BEGIN IMMEDIATE), tells us while it
        # does, and gives up only when the app closes (StoreBusyError then): leaving the
        # screen cancels its workers, but not a save the user was told is kept.
        store = store or self.programme.store
        app = self.app
        with store.wait_policy(True, on_waiting=on_waiting, cancelled=lambda: worker.is_cancelled and not app.is_running):
            result = save()
        if waited:
            seconds = time.monotonic() - started
            self.app.call_from_thread(self.notify, f"Saved {what} after waiting {seconds:.0f} s for another coordinator.")
        return result
