"""The Textual application: areas as modes, number keys, the command palette."""

from __future__ import annotations

import asyncio
import gc
import importlib
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.text import Text
from textual import events, on
from textual._styles_cache import StylesCache
from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import BindingType
from textual.css.stylesheet import Stylesheet
from textual.message import Message
from textual.message_pump import MessagePump
from textual.notifications import Notify, SeverityLevel
from textual.screen import Screen

from rmtui.db.watch import DATA, PRESENCE, ChangeWatcher
from rmtui.error_log import log_exception
from rmtui.keymap import KEYS, SCREEN_TITLES, Key, keys_for, palette_title
from rmtui.memory import trim
from rmtui.presence import HEARTBEAT_SECONDS, Entry, Presence, Spot, describe_entry, fit_header
from rmtui.programme import Programme
from rmtui.screens import AREAS, Area
from rmtui.screens.base import DataChanged, ProgrammeScreen, bindings
from rmtui.screens.navigation import (
    EditPerson,
    EditRules,
    Navigate,
    OpenCohort,
    OpenImport,
    OpenMatchRuns,
    OpenPair,
    OpenProfile,
    RevertChange,
)
from rmtui.startup import resume_gc
from rmtui.widgets.footer import Footer

if TYPE_CHECKING:
    from rmtui.shared_setup import Finding

# DESIGN.md asks for ~250 ms; 100 ms keeps another coordinator's edit under the 500 ms p95
# budget even when a screen's refresh takes ~120 ms (the leaderboard at 10k pairs), and is
# most of the roster's edit → visible delay. A poll is one PRAGMA on an idle connection, in
# the app's one polling thread: about 8 µs of CPU, and nothing on the UI thread unless a
# commit was seen.
POLL_SECONDS = 0.1
SPOT_CHECK_SECONDS = 0.5
"""How often the app looks (on the UI thread, no database) whether its screen, record or
editing state changed; a change stable over one check is announced (a debounce)."""
PRESENCE_RETRY_SECONDS = 1.0
"""A heartbeat skipped because the write lock was busy is tried again after about this long."""
HEADER_SIDES = 18
"""Columns of the header that are not its title: the icon on the left, the clock space on the right."""
KEY_TURN_SECONDS = 5.0
"""A last resort: a key handed on and neither taken by a widget nor back at the App within
this long is taken as handled, and the next key goes on. A key whose widget went away is
seen at once (its widget is no longer attached); a key on a busy machine is not given up on
early (with 0.5 s, at load 10, "3/jose nunez" lost its "j" to the candidates table while the
pairing screen was still handling "/")."""
SCREEN_WAIT_SECONDS = 0.01
"""Keys typed while a screen is being put up wait for it; it is looked at this often."""
GC_PAUSE_SECONDS = 1.0
"""The command line pauses the garbage collector while the app loads (rmtui.startup); the
app starts it again this long after it mounts, once its first screen is on the terminal."""

PRELOAD_SECONDS = 1.0
"""The modules of the screens slow to import are imported in a background thread this long
after the app mounts, once its first screen is on the terminal, when no worker is running
(else looked at again this long after: they would share the interpreter with the first
screen's own work, the roster's search index); see :func:`preload`."""
PRELOAD = ("rmtui.screens.pairing",)
"""The pairing screen: numpy, the matching and rule modules, pendulum; 0.3-0.45 s of CPU that
pressing 3 paid on the UI thread before the screen was even composed (issue 14)."""


def preload(modules: Iterable[str] = PRELOAD) -> None:
    """Import ``modules`` (in a background thread: see PRELOAD_SECONDS). A module that fails
    to import is left to the import where it is used, which says what failed."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # reported where the module is used
            return


class Polled(Message):
    """The change watcher saw commits: data, presence, or both (see :meth:`RmtuiApp._watch`)."""

    def __init__(self, changed: bool, presence: bool = False) -> None:
        super().__init__()
        self.changed = changed
        self.presence = presence


class GcPacer:
    """Keeps the cyclic garbage collector's full passes off the keystroke path.

    Python runs a full pass (every tracked object not frozen) after every tenth middle
    pass, on whichever thread is allocating: in the middle of a keystroke's frame, where it
    held the UI thread for 25-200 ms at 10k-100k people. Here the young and middle passes
    stay as Python has them (well under a millisecond; a few ms), and the full pass waits
    until no key or click came for ``idle`` seconds; Python's own full pass stays as a
    backstop after ``backstop`` middle passes without such a pause.

    A full pass also waits ``spacing`` seconds after the last one began: while a worker
    allocates (the roster's index build, the pairing finder) the middle passes go on with
    no key typed, and a pass every ``idle`` seconds held the UI thread for a quarter of a
    second each time at 100k people.

    After a full pass, and in any pause after work, the memory the C library holds free is
    given back to the system (:func:`rmtui.memory.trim`): what a screen let go of (the
    pairing screen's quarter of a gigabyte at 100k) or a refresh freed leaves the process.
    Before that, Textual's cache of a widget's inner and outer background is emptied: it
    keys on the widget's line cache, so the last 1,024 widgets gone (23 a profile opened)
    stayed in memory with their rendered lines (Textual issue 6665; the hour-long soak's
    profiles: +7 MB over 50 visits, none with it emptied).
    """

    def __init__(self, idle: float = 1.0, backstop: int = 100, spacing: float = 10.0,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle
        self.backstop = backstop
        self.spacing = spacing
        self._now = now
        self.last_input = now()
        self.last_pass = self.last_input - spacing  # none yet: the first may run at once
        self.last_trim = self.last_input - 1.0  # (the first pause gives back what start-up freed)
        self._saved: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Raise the full-pass threshold (until ``stop``)."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, full = self._saved
            gc.set_threshold(young, middle, max(full, self.backstop))

    def stop(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def input(self) -> None:
        """A key or a click arrived (a person is working), or another process's change (the
        open screen is reading and showing it): collect later."""
        self.last_input = self._now()

    def tick(self) -> bool:
        """Run a full pass if the app is idle, the last pass is ``spacing`` seconds ago and
        objects got old since; True if it ran. In a pause with no full pass due, what the
        work before it freed still goes back to the system, once per pause."""
        now = self._now()
        if now - self.last_input < self.idle:
            return False
        if now - self.last_pass >= self.spacing and gc.get_count()[2] > 0:
            self.last_pass = now
            gc.collect()
            self._trim(now)  # what the pass freed goes back to the system (a few ms; see rmtui.memory)
            return True
        if self.last_trim < self.last_input:
            self._trim(now)
        return False

    def _trim(self, now: float) -> None:
        self.last_trim = now
        StylesCache.get_inner_outer.cache_clear()  # (a few hundred colour pairs: made again as painted)
        trim()


class _Stylesheet(Stylesheet):
    """Textual's stylesheet, parsing each source once while the CSS variables stay the same.

    Opening a mode's screen refreshes the CSS: ``set_variables`` (with the same variables)
    cleared the parse cache, ``reparse`` parsed every source again in a fresh stylesheet,
    and the next styling parsed them all a third time. The app's, the start screen's and
    Textual's base CSS were parsed three times before the first frame (issue 14). Parsed
    rules depend only on the source and the variables, so they are kept while the
    variables do not change (a new theme clears them as before).
    """

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._variables:
            super().set_variables(variables)

    def reparse(self) -> None:
        # Textual 8.2.8's reparse, the fresh stylesheet given this one's parse cache.
        stylesheet = Stylesheet(variables=self._variables)
        stylesheet._parse_cache = self._parse_cache
        for read_from, (css, is_defaults, tie_breaker, scope) in self.source.items():
            stylesheet.add_source(css, read_from=read_from, is_default_css=is_defaults,
                                  tie_breaker=tie_breaker, scope=scope)
        try:
            stylesheet.parse()
        except Exception:
            self._invalid_css.update(stylesheet._invalid_css)
            raise
        self._rules = stylesheet.rules
        self._rules_map = None
        self.source = stylesheet.source
        self._require_parse = False


def _complete_at_once(screen: Screen) -> bool:
    """Whether ``screen`` is whole in its first frame: its footer (rmtui's) composes its keys
    before that frame (ProgrammeScreen.on_mount, as the header's live state), where Textual's
    own footer gets them a frame or two later."""
    return isinstance(screen, ProgrammeScreen) and all(
        isinstance(footer, Footer) and footer.keys_shown for footer in screen.query("Footer")
    )


def _open_area(area: Area) -> Screen:
    """Build an area's screen, importing its module only when it is first shown."""
    return area.load()()


class RmtuiApp(App[None]):
    """rmtui over one open programme."""

    TITLE = "rmtui"
    CSS_PATH = "app.tcss"

    BINDINGS: ClassVar[list[BindingType]] = bindings("app")  # type: ignore[assignment]

    def __init__(self, programme: Programme, *, start: str | None = None, keymap: tuple[Key, ...] = KEYS) -> None:
        names = [area.name for area in AREAS]
        # The app opens in its start area's mode: Textual would first build, style and paint
        # an empty screen in a "_default" mode, and then switch (a second CSS pass, layout and
        # full paint before the first rows; issue 14). As its demo does, with DEFAULT_MODE.
        self.DEFAULT_MODE = start if start in names else names[0]  # type: ignore[misc]
        super().__init__()
        self.stylesheet = _Stylesheet(variables=self.get_css_variables())  # parses each source once
        self.keymap_keys = keymap
        """The keymap in use: rmtui.keymap.KEYS with the user's keys.toml applied."""
        self.programme = programme
        self.data_generation = 0
        """How many batches of commits the watcher has seen; screens compare it on resume."""
        self.may_edit = True
        self.role: str | None = None
        self.changed_at: str | None = None
        self.presence = Presence(programme.store)
        """This app's presence row; its methods run in workers only."""
        self.others: list[Entry] = []
        """The other open apps, as last read (see rmtui.presence)."""
        self.gc_pacer = GcPacer()
        """Full garbage collections wait for a pause in typing (see GcPacer)."""
        self._keys_waiting: deque[events.Key | events.Paste] = deque()  # typed, not yet handed on (see on_event)
        self._key_in_turn: events.Key | events.Paste | None = None  # handed on, not yet handled
        self._key_turn_at = 0.0
        self._key_target: MessagePump | None = None  # where the key in turn was handed
        self._key_stop_seen = False
        self._key_wait_set = False  # the next key is handed on by a later look (see _wait_for_key_turn)
        self._key_screen: Screen | None = None  # the screen on top when the last key was handed on
        self._announced: Spot | None = None  # the spot last written
        self._pending_spot: Spot | None = None  # a new spot waiting one check to be stable
        self._header_title = ""  # the screen title the subtitle was fitted beside
        self.areas: dict[str, Area] = {area.name: area for area in AREAS}
        self.start = self.DEFAULT_MODE
        # Read before the app runs; afterwards settings are read in workers only (the UI
        # thread touches no connection but the watcher's one non-waiting PRAGMA).
        settings = programme.settings()
        self._programme_name = str(settings["programme_name"])
        self._timezone = str(settings["timezone"])
        # Made here, not on mount: the start area's screen mounts (and asks for a poll when it
        # shows) before the app's own on_mount runs.
        self._watch_lock = threading.Lock()  # the watcher is closed only between two polls
        self._watch_now = threading.Event()  # a poll is asked for (or the app closes): at once
        for area in self.areas.values():
            self.add_mode(area.name, partial(_open_area, area))
            if area.key:
                self.bind(area.key, f"go('{area.name}')", description=area.title, show=False)
        overrides = {key.id: key.key for key, default in zip(keymap, KEYS, strict=True) if key.key != default.key}
        if overrides:
            self.set_keymap(overrides)

    # -- one notification area: the newest notice replaces the one shown -------------------

    ERROR_SECONDS = 12
    """An error stays at least this long (unless a newer notice replaces it): time to read it."""

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Show one notice (thread-safe, as Textual's); errors stay long enough to read."""
        if severity == "error":
            timeout = max(timeout or 0, self.ERROR_SECONDS)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_notify(self, event: Notify) -> None:
        """Drop the notices shown before this one, so three actions show one toast, the newest
        (Textual's own handler then adds and shows it); they never stack over the screen."""
        self._notifications.clear()
        try:
            self.screen.query("ToastHolder").remove()  # Textual would leave each empty holder behind
        except ScreenStackError:
            pass

    @property
    def programme_name(self) -> str:
        """The programme's name as last read (the app's title once it is mounted)."""
        return self._programme_name

    @property
    def timezone(self) -> str:
        """The programme's time zone as last read (screens use it on the UI thread, see ProgrammeHost)."""
        return self._timezone

    def on_mount(self) -> None:
        self.title = self._programme_name
        self._show_live_state()
        self.watcher = ChangeWatcher(self.programme.store.path)
        self._watch_failed = False
        self._watching = True
        self._watch_paused = False  # the app is suspended (a shell, an editor): no polls
        self._watch_thread = threading.Thread(target=self._watch, name="data-watch", daemon=True)
        self._watch_thread.start()
        self.app_suspend_signal.subscribe(self, self._pause_watch, immediate=True)
        self.app_resume_signal.subscribe(self, self._resume_watch, immediate=True)
        self.set_interval(HEARTBEAT_SECONDS, self._heartbeat, name="presence-heartbeat")
        self.set_interval(SPOT_CHECK_SECONDS, self._check_spot, name="presence-spot")
        self.gc_pacer.start()
        self.set_interval(self.gc_pacer.idle, self.gc_pacer.tick, name="gc-when-idle")
        self.run_worker(self._startup_check, thread=True, exit_on_error=False, group="startup-check")
        self.set_timer(GC_PAUSE_SECONDS, resume_gc, name="start-up-gc")
        self.set_timer(PRELOAD_SECONDS, self._preload, name="preload")
        self.call_later(self._started)  # runs once Textual's start-up batch (below) has ended

    # -- the first frame (issue 14) -----------------------------------------------------------

    _starting = True
    """Textual is still composing and mounting the app and its start screen (see _display)."""
    _first_frame_written = False

    def _started(self) -> None:
        self._starting = False
        if not self._first_frame_written:
            # The start screen's frames were held (see _display): paint all of it now, not
            # only the parts that change next.
            self.screen.refresh()

    def _display(self, screen: Screen, renderable: RenderableType | None) -> None:
        """Write frames to the terminal, the start screen's first one included.

        Textual holds every frame while it composes and mounts the app (a "batch"), and the
        start area's screen, opened directly in its mode, is composed, laid out and painted
        inside it: its first frame, rows and all, was rendered and thrown away. The terminal
        then waited for the resizes Textual sends itself, a layout pass each, and for a
        timer's full repaint, 0.1-0.2 s of CPU later (issue 14). When the screen's first
        frame is complete (see :func:`_complete_at_once`) it is written as soon as it is drawn.
        """
        if self._starting and self._batch_count and renderable is not None:
            if self._first_frame_written or _complete_at_once(screen):
                held, self._batch_count = self._batch_count, 0
                try:
                    super()._display(screen, renderable)
                finally:
                    self._batch_count = held
                self._first_frame_written = True
            return
        super()._display(screen, renderable)

    def _preload(self) -> None:
        if any(not worker.is_finished for worker in self.workers):
            self.set_timer(PRELOAD_SECONDS, self._preload, name="preload")
            return
        threading.Thread(target=preload, name="preload", daemon=True).start()

    def _startup_check(self) -> None:
        """The cheap part of ``rmtui check`` and this person's role, off the event loop."""
        store = self.programme.store
        from rmtui.shared_setup import startup_problems  # in this worker, after the first frame

        found = startup_problems(store)
        role, may_edit = store.role(), store.may_edit()
        self.call_from_thread(self._checked, found, role, may_edit)

    def _checked(self, found: list[Finding], role: str | None, may_edit: bool) -> None:
        self.role, self.may_edit = role, may_edit
        self._show_live_state()
        self.screen.refresh_bindings()
        if not may_edit:
            self.notify("You are a viewer: you can look at everything but not change it.", timeout=8)
        if found:
            from rmtui.screens.health import HealthWarningScreen  # only when there is something to say

            self.push_screen(HealthWarningScreen(found))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseEvent)):
            self.gc_pacer.input()
        if isinstance(event, (events.Key, events.Paste)):  # a paste is typed text too
            if not event.is_forwarded:  # from the terminal: it waits its turn
                self._keys_waiting.append(event)
                await self._next_key()  # at once if nothing is in turn or waited for
                return
            if event is self._key_in_turn:  # back from the widgets: the bindings run now
                await super().on_event(event)
                self._key_turn_over()
                return
        await super().on_event(event)

    # -- keys take turns ----------------------------------------------------------------------
    # Textual hands each key to the widget focused when the App reads it, but runs the key's
    # bindings only when it comes back up from that widget. Keys read together (a fast typist,
    # a busy machine, keys sent while a screen loads) were all handed to the widget focused
    # before the first one's binding ran: after n (notes) the note's text went to the timeline,
    # where h is "held today"; after 3 (pairing) a name went into the roster's search. Here a
    # key is handed on only once the one before it was handled (typed into a field, or back at
    # the App and its binding run), and once the screen on top has been put up. A paste takes
    # its turn like a key ("/" then a pasted e-mail: the e-mail goes into the search).

    def _screen_ready(self) -> bool:
        """Whether the screen on top has mounted (its on_mount put the focus where keys go)."""
        try:
            return self.screen.is_mounted
        except ScreenStackError:  # no screen yet
            return False

    async def _next_key(self) -> None:
        if self._key_in_turn is not None or self._key_wait_set or not self._keys_waiting:
            return
        if not self._screen_ready():
            self._wait_for_key_turn(partial(self.set_timer, SCREEN_WAIT_SECONDS))
            return
        if self.screen is not self._key_screen:  # a new screen on top: after what its mount
            self._key_screen = self.screen       # queued (a focus given on mount) is done
            self._wait_for_key_turn(self.call_later)  # the App's own turn, not the screen's:
            return                                    # a key's action may wait on the screen
        event = self._keys_waiting.popleft()
        self._key_in_turn, self._key_turn_at, self._key_stop_seen = event, time.monotonic(), False
        self._key_target = self.focused or self.screen  # where Textual hands it (no priority binding)
        await super().on_event(event)  # a priority binding, or handed to the focused widget
        if event.is_forwarded:
            self.call_later(self._watch_key_turn)
        else:
            self._key_turn_over()

    def _key_turn_over(self) -> None:
        """The key in turn was handled: the next goes on after what its handling queued."""
        self._key_in_turn = None
        if self._keys_waiting:
            self._wait_for_key_turn(self.call_later)

    def _wait_for_key_turn(self, later: Callable[[Callable[[], object]], object]) -> None:
        """Hand on the next key later (keys read meanwhile wait behind it)."""
        self._key_wait_set = True
        later(self._key_waited)

    async def _key_waited(self) -> None:
        self._key_wait_set = False
        await self._next_key()

    async def _watch_key_turn(self) -> None:
        """Whether the key in turn was handled: taken by a widget (stopped, and still not back
        after everything queued before this look), or lost with its widget."""
        await asyncio.sleep(0)  # the App's queue does not wait while it has messages: others run now
        event = self._key_in_turn
        if event is None:
            return
        stopped = event._stop_propagation  # noqa: SLF001 - Textual has no public "stopped"
        target = self._key_target
        lost = target is None or not target.is_attached  # went away with its screen or widget
        if (stopped and self._key_stop_seen) or lost or time.monotonic() - self._key_turn_at > KEY_TURN_SECONDS:
            self._key_turn_over()
            return
        # A key stopped at the screen is on its way back (after the screen, the App): it is
        # queued before this next look if so.
        self._key_stop_seen = stopped
        self.call_later(self._watch_key_turn)

    def on_unmount(self) -> None:
        self.gc_pacer.stop()
        with self._watch_lock:  # waits for a running poll's one PRAGMA at most
            self._watching = False
            self.watcher.close()
        self._watch_now.set()  # the polling thread wakes, sees it, and ends
        self._watch_thread.join(0.5)
        # A clean exit takes this app's presence row away (off the UI thread; it waits
        # 0.1 s at most for the lock, else the row ages out).
        leaving = threading.Thread(target=self._leave, name="presence-leave")
        leaving.start()
        leaving.join(0.5)

    def _leave(self) -> None:
        try:
            self.presence.leave()
        except Exception as error:  # noqa: BLE001 - closing anyway: the row ages out
            log_exception(error)

    # -- presence: who else is here ------------------------------------------------------

    def current_spot(self) -> Spot:
        """Where this app is: the top programme screen's area and record; a dialog open over
        a record means it is being edited. Reads widgets only (no database)."""
        top = self.screen
        for screen in reversed(self.screen_stack):
            if isinstance(screen, ProgrammeScreen):
                spot = screen.presence_spot()
                if screen is not top and spot.entity is not None and not spot.editing:
                    spot = Spot(spot.area, spot.entity, spot.entity_id, spot.label, True)
                return spot
        return Spot()

    def _check_spot(self) -> None:
        """Every SPOT_CHECK_SECONDS: announce a new spot once it held for one check."""
        if not self.screen_stack:
            return
        if self.screen.title != self._header_title:  # another screen: the subtitle's room changed
            self._show_live_state()
        spot = self.current_spot()
        if spot == self._announced:
            self._pending_spot = None
        elif spot == self._pending_spot:
            self._pending_spot = None
            self._announce(spot)
        else:
            self._pending_spot = spot

    def _heartbeat(self) -> None:
        self._announce(self._announced or self.current_spot())

    def _announce(self, spot: Spot) -> None:
        self._announced = spot
        self.run_worker(partial(self._write_presence, spot), thread=True, exclusive=True, exit_on_error=False,
                        group="presence", name="presence")

    def _write_presence(self, spot: Spot) -> None:
        """In a worker: upsert this app's row; a beat skipped (the lock was busy) is tried
        again within a second, not after a whole heartbeat. The others are read when the
        watcher sees the commit (see :meth:`read_presence`)."""
        try:
            wrote = self.presence.announce(spot)
        except Exception as error:  # noqa: BLE001 - presence is a courtesy: never an error for the user
            if not self._presence_failed:
                self._presence_failed = True
                log_exception(error)
            return
        if not wrote and self._watching:
            self.call_from_thread(self.set_timer, PRESENCE_RETRY_SECONDS * (0.5 + random.random()), self._heartbeat)

    _presence_failed = False

    def read_presence(self) -> None:
        """Read the others again (another app's presence changed)."""
        self.run_worker(self._read_others, thread=True, exclusive=True, exit_on_error=False,
                        group="presence-read", name="presence-read")

    def _read_others(self) -> None:
        try:
            others = self.presence.others()
        except Exception as error:  # noqa: BLE001 - see _write_presence
            if not self._presence_failed:
                self._presence_failed = True
                log_exception(error)
            return
        self.call_from_thread(self._others_read, others)

    def _others_read(self, others: list[Entry]) -> None:
        if not self.screen_stack:
            return
        if others != self.others:
            self.others = others
            self._show_live_state()
            for screen in self.screen_stack:
                if isinstance(screen, ProgrammeScreen):
                    screen.show_presence(others)

    def since(self, instant: float) -> str:
        """An instant (Unix seconds) as the programme's local time of day, "14:02"."""
        import pendulum

        return pendulum.from_timestamp(instant).in_timezone(self._timezone).strftime("%H:%M")

    def who_is_here_lines(self) -> list[str]:
        me = self.programme.store.actor
        return [describe_entry(entry, self.since(entry.started_at), me) for entry in self.others]

    def action_who_is_here(self) -> None:
        """Say who else has the programme open, each with their screen and record."""
        lines = self.who_is_here_lines()
        if not lines:
            self.notify("Nobody else has this programme open.", title="Who is here", markup=False)
            return
        others = "1 other" if len(lines) == 1 else f"{len(lines)} others"
        self.notify("\n".join(lines), title=f"Who is here ({others})", timeout=12, markup=False)

    def poll_changes(self) -> None:
        """Ask now whether anyone committed (a screen has saved, or comes back); see :meth:`_changed`."""
        self._watch_now.set()

    def _watch(self) -> None:
        """The polling thread: every POLL_SECONDS (or at once when asked) one PRAGMA
        data_version on the watcher's own idle connection, which never waits for a lock.

        It tells the app only when something changed: a poll that found nothing costs the
        UI thread nothing (a worker per poll cost it 12-19 ms of CPU a second).
        """
        while True:
            self._watch_now.wait(None if self._watch_paused else POLL_SECONDS)
            self._watch_now.clear()
            with self._watch_lock:
                if not self._watching:
                    return  # the app is closing
                if self._watch_paused:
                    continue
                try:
                    changes = self.watcher.changes()
                except Exception as error:  # noqa: BLE001 - the file went away or broke: log it once, keep watching
                    if not self._watch_failed:
                        self._watch_failed = True
                        log_exception(error)
                    continue
                if changes:  # told under the lock: never after the app closed its watch
                    self.post_message(Polled(DATA in changes, PRESENCE in changes))

    def _pause_watch(self, _app: object = None) -> None:
        self._watch_paused = True

    def _resume_watch(self, _app: object = None) -> None:
        """Back from a suspension: poll at once (others may have changed things meanwhile)."""
        self._watch_paused = False
        self._watch_now.set()

    @on(Polled)
    def _polled(self, message: Polled) -> None:
        if not self._watching or not self.screen_stack:
            return  # the app is closing: a poll that finished meanwhile has no screen to tell
        if message.changed:
            self._changed()
        if message.presence:  # only the header (and a notice over a record) may change
            self.read_presence()

    def _changed(self) -> None:
        """Someone committed: tell the screen on show, and re-read the settings in a worker."""
        self.data_generation += 1
        # The full pass waits until the change is shown, as it waits for a pause in typing:
        # at 100k people it held the open screen's refresh 60-200 ms (the pairing screen's, one in six).
        self.gc_pacer.input()
        changed_at = self.programme.clock.now().in_timezone(self._timezone)
        self.changed_at = changed_at.strftime("%H:%M:%S")
        self._show_live_state()
        self.screen.post_message(DataChanged(self.data_generation))
        self.run_worker(self._read_settings, thread=True, exclusive=True, exit_on_error=False, group="live-settings")

    def _read_settings(self) -> None:
        """Read the programme's name and time zone after a change (off the UI thread)."""
        settings = self.programme.settings()
        self.call_from_thread(self._settings_read, str(settings["programme_name"]), str(settings["timezone"]))

    def _settings_read(self, name: str, timezone: str) -> None:
        self._programme_name, self.title = name, name
        screen_name = SCREEN_TITLES.get(type(self.screen).__name__)
        if screen_name:
            self.screen.title = f"{screen_name} — {name}"
        if timezone != self._timezone:
            self._timezone = timezone
            if self.changed_at:
                self.changed_at = self.programme.clock.now().in_timezone(timezone).strftime("%H:%M:%S")
                self._show_live_state()

    def _show_live_state(self, columns: int | None = None) -> None:
        """Header subtitle: database, who you are (and your role if you only view), live
        state, who else is here; shortened to fit the header beside the screen's title."""
        store = self.programme.store
        title = str(self.screen.title or self.title) if self.screen_stack else str(self.title)
        self._header_title = title
        columns = self.size.width if columns is None else columns
        width = max(0, columns - HEADER_SIDES - cell_len(title) - 3)  # " — " between them
        viewer = self.role == "viewer"
        self.sub_title = fit_header(store.path.name, store.actor, viewer, self.changed_at, self.others, width)
        if self.screen_stack:
            lines = self.who_is_here_lines()
            tip = Text("\n".join(lines)) if lines else None  # names shown literally, never as markup
            for header in self.screen.query("Header"):
                header.tooltip = tip

    def on_resize(self, event: events.Resize) -> None:
        if self._size is not None and event.size == self._size:
            # Not a resize: the terminal's size said again (the driver says it when it
            # starts, the terminal when in-band resize reports are switched on). Textual
            # would still lay the whole screen out again and repaint it for each, twice
            # before the first rows reached the terminal (issue 14).
            event.prevent_default()
            return
        self._show_live_state(event.size.width)  # self.size may still be the old one here

    def screen_shown(self) -> None:
        """A programme screen came to the top: fit the header beside its title; say where we are."""
        self._show_live_state()
        if isinstance(self.screen, ProgrammeScreen):
            self.screen.show_presence(self.others)

    # Screens opened over an area that hold nothing typed: a number key closes them, so that
    # `5` always shows the leaderboard, not the timeline once opened from it.
    VIEW_SCREENS: ClassVar[frozenset[str]] = frozenset({"TimelineScreen", "ProfileScreen", "CoachesScreen"})

    async def action_go(self, name: str) -> None:
        """Switch to the area ``name`` (a number key or the palette) and show the area itself."""
        if name not in self.areas:
            return
        if self.current_mode != name:
            await self.switch_mode(name)
        while len(self.screen_stack) > 1 and type(self.screen).__name__ in self.VIEW_SCREENS:
            await self.pop_screen()

    # -- navigation: screens post these messages; only the App knows the screen classes ----------
    # (each screen module is imported when first needed, like the areas, to keep start-up quick)

    @on(Navigate)
    async def _navigate(self, message: Navigate) -> None:
        if message.area not in self.areas:
            return
        if self.current_mode != message.area:
            await self.switch_mode(message.area)
        if message.query is not None and isinstance(self.screen, ProgrammeScreen):
            self.screen.show_query(message.query)

    @on(OpenProfile)
    def _open_profile(self, message: OpenProfile) -> None:
        from rmtui.screens.profile import ProfileScreen

        self.push_screen(ProfileScreen(message.person_id))

    @on(EditPerson)
    def _edit_person(self, message: EditPerson) -> None:
        from rmtui.screens.intake import IntakeScreen

        self.push_screen(IntakeScreen(message.person_id))

    @on(OpenPair)
    def _open_pair(self, message: OpenPair) -> None:
        from rmtui.screens.timeline import TimelineScreen

        self.push_screen(TimelineScreen(message.pair_id, message.session_id))

    @on(OpenImport)
    def _open_import(self, message: OpenImport) -> None:
        from rmtui.screens.import_csv import ImportScreen

        self.push_screen(ImportScreen(message.path))

    @on(OpenCohort)
    def _open_cohort(self, message: OpenCohort) -> None:
        from rmtui.screens.cohort import CohortScreen

        self.push_screen(CohortScreen(message.wave_id, message.wave_name))

    @on(OpenMatchRuns)
    def _open_match_runs(self, message: OpenMatchRuns) -> None:
        from rmtui.screens.match_runs import MatchRunsScreen

        self.push_screen(MatchRunsScreen(message.wave_id, message.wave_name))

    @on(EditRules)
    def _edit_rules(self, message: EditRules) -> None:
        from rmtui.screens.rule_editor import RuleEditorScreen

        self.push_screen(RuleEditorScreen(message.config))

    def action_toggle_keys(self) -> None:
        """Show or hide the keys of the current screen: its actions by purpose, then the global keys."""
        from rmtui.widgets.keys_panel import KeysPanel

        screen = self.screen
        if isinstance(screen, KeysPanel):
            screen.dismiss()
            return
        name = type(screen).__name__
        allowed = [key for key in keys_for(name, self.keymap_keys) if screen.check_action(key.method, ()) is not False]
        global_keys = [(area.key, area.title) for area in self.areas.values() if area.key]
        global_keys += [("/", "Search or filter"), ("ctrl+p", "Palette: every action by name"),
                        ("ctrl+p", "Waves, Coaches, Programme settings: by name there"), ("esc", "Back")]
        global_keys += [(key.display, key.label) for key in keys_for("app", self.keymap_keys)]
        self.push_screen(KeysPanel(SCREEN_TITLES.get(name, name), allowed, global_keys))

    # -- undo, redo, an admin's revert (issue 15): checked and written in a worker; the App
    # asks first when the change is big, and says what was taken back.

    def action_undo(self) -> None:
        """ctrl+z: take back your own last change (in a text area, Textual's own undo of typing runs first)."""
        self._take_back("undo")

    def action_redo(self) -> None:
        """ctrl+y: put back the change your last undo took back."""
        self._take_back("redo")

    @on(RevertChange)
    def _revert_change(self, message: RevertChange) -> None:
        self._take_back("revert", message.change_id)

    def _take_back(self, verb: str, change_id: int | None = None, confirmed: int | None = None) -> None:
        from textual.widgets import Input

        if not self.may_edit:
            self.notify("You are a viewer: you cannot undo or redo changes.", severity="warning")
            return
        # Textual's Input keeps no typing history, so ctrl+z there is the app's undo too; but
        # someone typing may have meant their typing: from a text field it always asks first.
        ask = confirmed is None and isinstance(self.focused, Input)
        self.run_worker(partial(self._take_back_work, verb, change_id, confirmed, ask), thread=True,
                        exit_on_error=False, group="undo", name="undo")

    def _take_back_work(self, verb: str, change_id: int | None, confirmed: int | None, ask: bool = False) -> None:
        """In a worker: check (a dry run under the write lock), ask if big, then write the inverse."""
        from rmtui import undo as undoing
        from rmtui.db import StoreError

        store = self.programme.store

        def run(dry_run: bool, expect: int | None = None) -> undoing.Change:
            if verb == "revert":
                assert change_id is not None
                return undoing.take_back(store, change_id, dry_run=dry_run)
            act = undoing.redo if verb == "redo" else undoing.undo
            return act(store, dry_run=dry_run, expect=expect)

        try:
            if confirmed is None:
                pending = run(True)
                if pending.big or verb == "revert" or ask:
                    self.call_from_thread(self._ask_take_back, verb, change_id, pending)
                    return
                confirmed = pending.change_id
            done = run(False, confirmed)
        except undoing.UndoConflictError as conflict:
            self.call_from_thread(self._take_back_conflict, conflict)
            return
        except StoreError as error:
            self.call_from_thread(self.notify, str(error), title=f"Could not {verb}", severity="error",
                                  timeout=10, markup=False)
            return
        except Exception as error:  # noqa: BLE001 - logged, told in one sentence
            log = log_exception(error)
            self.call_from_thread(self.notify, f"Could not {verb}: something unexpected went wrong (details in {log}).",
                                  severity="error", markup=False)
            return
        self.call_from_thread(self._taken_back, verb, done)

    def _ask_take_back(self, verb: str, change_id: int | None, pending: object) -> None:
        from rmtui.undo import Change
        from rmtui.widgets.ask import Confirm

        assert isinstance(pending, Change)
        who = "" if pending.actor == self.programme.store.actor else f" (made by {pending.actor})"
        word = {"undo": "Undo", "redo": "Redo", "revert": "Revert"}[verb]
        question = f"{word}: {pending.summary}{who}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._take_back(verb, change_id, pending.change_id)

        self.push_screen(Confirm(question), callback=answered)

    def _taken_back(self, verb: str, done: object) -> None:
        from rmtui.undo import Change

        assert isinstance(done, Change)
        if done.kind == "redo":
            message = f"Redone: {done.summary} · ctrl+z takes it back again"
        elif done.kind == "revert":
            whose = "your" if done.made_by == done.actor else f"{done.made_by or 'someone'}'s"
            message = f"Reverted {whose} change: {done.summary} · ctrl+y puts it back"
        else:
            message = f"Undone: {done.summary} · ctrl+y redoes it"
        self.notify(message, timeout=8, markup=False)
        self.poll_changes()

    def _take_back_conflict(self, conflict: object) -> None:
        from rmtui.screens.undo_dialogs import UndoConflictScreen
        from rmtui.undo import UndoConflictError

        assert isinstance(conflict, UndoConflictError)

        def chosen(values: dict | None) -> None:
            if values:
                self.run_worker(partial(self._apply_chosen, conflict, values), thread=True, exit_on_error=False,
                                group="undo", name="undo-apply")

        self.push_screen(UndoConflictScreen(conflict), callback=chosen)

    def _apply_chosen(self, conflict: object, values: dict) -> None:
        from rmtui.db import StoreError
        from rmtui.undo import UndoConflictError, apply_fields

        assert isinstance(conflict, UndoConflictError)
        try:
            apply_fields(self.programme.store, conflict.table, conflict.row_id, conflict.version, values)
        except StoreError as error:
            self.call_from_thread(self.notify, str(error), title="Could not apply", severity="error", markup=False)
            return
        names = ", ".join(values)
        self.call_from_thread(self.notify, f"Restored {names} of {conflict.label}; their other changes stay.",
                              markup=False)
        self.call_from_thread(self.poll_changes)

    def action_show_coaches(self) -> None:
        """Open the coaches screen over the current one (escape comes back)."""
        from rmtui.screens.coaches import CoachesScreen

        self.push_screen(CoachesScreen())

    async def _run_key(self, screen: Screen, key: Key) -> None:
        """Run a palette command: the key's action on the screen it was listed for."""
        await self.run_action(key.action, screen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for area in self.areas.values():
            title = f"{area.title} ({area.key})" if area.key else area.title
            yield SystemCommand(title, area.help, partial(self.action_go, area.name))
        yield SystemCommand("Who is here (U)", "Who else has this programme open: their screen and record",
                            self.action_who_is_here)
        yield SystemCommand("Coaches and their workload", "The HR coaches: add one, give a whole wave coaches",
                            self.action_show_coaches)
        if self.may_edit:
            yield SystemCommand("Undo your last change  ctrl+z", "Take back your own last change", self.action_undo)
            yield SystemCommand("Redo  ctrl+y", "Put back what your last undo took back", self.action_redo)
        # Every action of this screen, with its key ("Match wave  m"); edits hidden from viewers.
        for key in keys_for(type(screen).__name__, self.keymap_keys):
            if key.group == "Navigate" and key.verb == "back":
                continue
            if screen.check_action(key.method, ()) is not False:
                yield SystemCommand(palette_title(key), key.help or key.label, partial(self._run_key, screen, key))
        # The other areas' actions too, so "import" or "new wave" are found from anywhere:
        # the command shows that area, then runs the action there.
        here = type(screen).__name__
        for area in self.areas.values():
            cls = area.screen.partition(":")[2]
            if cls == here:
                continue
            for key in keys_for(cls, self.keymap_keys):
                if key.verb in ("back", "up", "down") or (key.edits and not self.may_edit):
                    continue
                yield SystemCommand(f"{palette_title(key)} ({area.title})", key.help or key.label,
                                    partial(self._go_and_run, area.name, key))
        # The coaches screen is no area (it opens over the one you are on): its actions too.
        if here != "CoachesScreen":
            for key in keys_for("CoachesScreen", self.keymap_keys):
                if key.verb == "back" or (key.edits and not self.may_edit):
                    continue
                yield SystemCommand(f"{palette_title(key)} (Coaches)", key.help or key.label,
                                    partial(self._coaches_and_run, key))
        yield from super().get_system_commands(screen)

    async def _coaches_and_run(self, key: Key) -> None:
        from rmtui.screens.coaches import CoachesScreen

        await self.push_screen(CoachesScreen())
        if isinstance(self.screen, ProgrammeScreen):
            await self.screen.work_delivered()
        await self.run_action(key.action, self.screen)

    async def _go_and_run(self, name: str, key: Key) -> None:
        await self.action_go(name)
        if isinstance(self.screen, ProgrammeScreen):
            await self.screen.work_delivered()  # act on what it shows once it is loaded
        await self.run_action(key.action, self.screen)
