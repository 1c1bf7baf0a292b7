"""Triage: one queue of everything that needs a coordinator, most severe first.

One key per action, applied in place: the queue is rebuilt after each action and the cursor
stays on the same line, so the next item slides under it. Space selects items for a bulk
action; w, d and c cycle the wave, department and coach filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import Header, Static

from rmtui import timeline as sessions
from rmtui import triage as service
from rmtui.db import ConflictError, Session, Store
from rmtui.programme import Programme
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.screens.navigation import OpenPair
from rmtui.session_status import KIND_LABEL, short_day
from rmtui.text import clean
from rmtui.timeline import WHEN_HINT, parse_when
from rmtui.triage import TriageFilter, TriageItem, TriageQueue
from rmtui.widgets.ask import AskLine, EditText
from rmtui.widgets.footer import Footer
from rmtui.widgets.virtual_table import Column, EmptySource, VirtualTable

COLUMNS = [
    Column("mark", "", 2),
    Column("kind", "Needs", 12),
    Column("pair", "Pair", 18, grow=1),
    Column("reason", "Why", 36, grow=2),
]

KIND_STYLE = {"at_risk": "bold red", "overdue": "red", "notes_late": "yellow", "follow_up": "cyan", "survey": "magenta"}
BUILDING = "Building the queue…"
EMPTY = "Nothing needs you today: no overdue sessions, late notes, missing follow-ups or pairs at risk."


class QueueRows:
    """Cells of the filtered queue, built only for painted rows."""

    def __init__(self, items: Sequence[TriageItem], selected: set[tuple[str, int | None, int]]) -> None:
        self.items = items
        self.selected = selected

    def __len__(self) -> int:
        return len(self.items)

    def cells(self, index: int) -> dict[str, Text]:
        item = self.items[index]
        mark = Text("●" if item.key in self.selected else " ", style="bold")
        mark.append("⚑" if item.flagged else " ", style="bold magenta")
        pair = item.pair
        return {
            "mark": mark,
            "kind": Text(KIND_LABEL[item.flag.kind], style=KIND_STYLE.get(item.flag.kind, "")),
            "pair": Text(f"{clean(pair.mentor)} / {clean(pair.mentee)}"),
            "reason": Text(item.flag.reason),
        }


def _build_queue(programme: Programme, window: tuple[int, int] | None) -> TriageQueue:
    """Everything that needs a coordinator today (in a worker); with a ``window``, the people
    of the items on those lines only (the rest: :func:`_read_people`)."""
    return service.build_queue(programme.store, programme.today(), window)


def _read_people(programme: Programme, queue: TriageQueue) -> dict[int, tuple[str, str, str, str, str]]:
    """The people of the queue's other pairs (in a worker, straight after the queue; the UI
    thread changes the queue only once this has returned)."""
    return service.read_people(programme.store, queue.unread_pairs())


class TriageScreen(ProgrammeScreen):
    """The queue; h/f/r/z/m act on the highlighted item (or the selected ones)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("TriageScreen")  # type: ignore[assignment]

    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"held", "reschedule", "follow_up", "notes", "snooze", "review_flag"}
    )

    DEFAULT_CSS = """
    TriageScreen #counts { height: 1; padding: 0 1; background: $panel; }
    TriageScreen #filters { height: 1; padding: 0 1; color: $text-muted; }
    TriageScreen #detail { height: 4; padding: 0 1; border-top: solid $border-blurred; }
    TriageScreen #empty { height: auto; padding: 1 2; display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.queue: TriageQueue | None = None
        self.shown: Sequence[TriageItem] = []
        self.selected: set[tuple[str, int | None, int]] = set()
        self.filter = TriageFilter()
        self._latest: TriageQueue | None = None  # the last queue built, shown or waiting for its people
        self._after_people: list[Callable[[], object]] = []  # what waits for the people of the queue
        self._back_line: int | None = None  # the cursor's line when the screen was left (see release)

    def compose(self):
        yield Header()
        yield Static(BUILDING, id="counts")
        yield Static("", id="filters")
        yield Static(EMPTY, id="empty")
        yield VirtualTable(COLUMNS, id="queue")
        yield Static("", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#queue", VirtualTable).focus()
        self.release_when_left()
        self.load()

    def refresh_data(self) -> None:
        self.load()

    def release(self) -> None:
        """Drop the queue (at 100,000 people, with its pairs' people: 10 MB held for as long as
        the app ran). Kept: the filters, the items selected and the cursor's line; the queue
        is built again when the screen is shown again."""
        table = self.query_one("#queue", VirtualTable)
        self._back_line = table.cursor
        self.queue = self._latest = None
        self.shown = []
        table.set_source(EmptySource(), cursor=0)
        self.query_one("#counts", Static).update(BUILDING)

    def on_screen_resume(self) -> None:
        if self.released:
            self.released = False
            self.seen_generation = self.host.data_generation  # (what is read now is the newest)
            self.load()

    # -- loading -----------------------------------------------------------------------

    def load(self) -> None:
        # Unfiltered, the queue comes with the people of a screen around the cursor's line and
        # the rest follow in a second worker (issue 14); a filter reads everyone's first.
        if self.released:  # built when shown again
            return
        line = self.query_one("#queue", VirtualTable).cursor if self._back_line is None else self._back_line
        window = (max(0, line - service.SCREENFUL), line + service.SCREENFUL) if self.filter == TriageFilter() else None
        self.run_work(_build_queue, self.programme, window, what="build the queue", done=self.show, group="load")

    def _people_read(self, queue: TriageQueue, people: dict[int, tuple[str, str, str, str, str]]) -> None:
        queue.add_people(people)
        if queue is not self._latest:
            return  # a newer queue came meanwhile
        self.show(queue)
        waiting, self._after_people = self._after_people, []
        for then in waiting:
            then()

    def show(self, queue: TriageQueue, *, cursor: int | None = None) -> None:
        """Show ``queue`` through the filters; the cursor keeps its line unless ``cursor`` is given
        (on the first queue after coming back: the line it was on when the screen was left)."""
        if self.released:  # built before the screen was left: not kept
            return
        if queue is not self._latest:
            self._latest = queue
            if not queue.complete:
                self.run_work(_read_people, self.programme, queue, what="read the queue's pairs",
                              done=partial(self._people_read, queue), group="people")
        if not queue.complete and self.filter != TriageFilter():
            return  # filtered once the people are read (_people_read shows it then)
        self.queue = queue
        if self._back_line is not None:
            cursor, self._back_line = self._back_line if cursor is None else cursor, None
        self.selected &= set(queue.keys())
        if self.filter == TriageFilter():
            self.shown = queue  # unfiltered: items are built only as they are painted
        else:
            self.shown = [item for item in queue if self.filter.accepts(item)]
        table = self.query_one("#queue", VirtualTable)
        table.set_source(QueueRows(self.shown, self.selected), cursor=cursor)
        empty = not len(queue)
        self.query_one("#empty", Static).update(
            f"{EMPTY} {queue.snoozed} snoozed item{'s' if queue.snoozed != 1 else ''} will come back on their day."
            if queue.snoozed
            else EMPTY
        )
        self.query_one("#empty").display = empty
        table.display = not empty
        self.query_one("#counts", Static).update(self._counts_text(queue))
        self.query_one("#filters", Static).update(self._filters_text())

    def _counts_text(self, queue: TriageQueue) -> Text:
        text = Text()
        text.append(f"{len(queue)} item{'s' if len(queue) != 1 else ''}:", style="bold")
        for n, kind in enumerate(service.QUEUE_KINDS):
            count = queue.counts.get(kind, 0)
            if kind == "survey" and not count:
                continue  # survey reminders are named only when there are some
            text.append(" · " if n else " ")
            text.append(f"{count} {KIND_LABEL[kind].lower()}", style=KIND_STYLE[kind] if count else "dim")
        if queue.snoozed:
            text.append(f" · {queue.snoozed} snoozed", style="dim")
        return text

    def _filters_text(self) -> Text:
        parts = [
            f"wave: {self.filter.wave or 'all'}",
            f"dept: {self.filter.department or 'all'}",
            f"coach: {self.filter.coach or 'all'}",
        ]
        text = Text(" · ".join(parts))
        if self.queue is not None and len(self.shown) != len(self.queue):
            text.append(f" · showing {len(self.shown)}")
        if self.selected:
            text.append(f" · {len(self.selected)} selected", style="bold")
        return text

    def current(self) -> TriageItem | None:
        """Return the highlighted item, or None."""
        if not self.shown:
            return None
        index = self.query_one("#queue", VirtualTable).cursor
        return self.shown[min(index, len(self.shown) - 1)]

    @on(VirtualTable.CursorMoved, "#queue")
    def _show_detail(self) -> None:
        item = self.current()
        detail = self.query_one("#detail", Static)
        if item is None:
            detail.update("")
            return
        pair = item.pair
        text = Text()
        text.append(item.flag.reason, style="bold")
        text.append(f"\nPair {pair.id} · {clean(pair.wave)} · coach {clean(pair.coach) or '—'}")
        text.append(f"\n{clean(pair.mentor)} ({clean(pair.mentor_department) or '—'}) → ")
        text.append(f"{clean(pair.mentee)} ({clean(pair.mentee_department) or '—'})")
        if item.flagged:
            text.append(" · flagged for review", style="magenta")
        if item.mark and item.mark.snoozed_until:
            text.append(f" · was snoozed until {item.mark.snoozed_until}", style="dim")
        detail.update(text)

    # -- acting --------------------------------------------------------------------------

    def targets(self) -> list[TriageItem]:
        """Return the items an action applies to: the selected ones, else the highlighted one."""
        if self.selected:
            return [item for item in self.shown if item.key in self.selected]
        item = self.current()
        return [item] if item is not None else []

    def _apply(
        self,
        verb: str,
        items: list[TriageItem],
        act: Callable[[TriageItem], str | None],
        same: Callable[[TriageItem], object] = lambda item: ("session", item.session_id),
        *,
        precheck: Callable[[], None] | None = None,
        confirm: Callable[[], None] | None = None,
    ) -> None:
        """Apply ``act`` to each item in its own transaction; report what happened in one line.

        Items that ``same`` says share their target (a session's overdue line and its
        pair's at-risk line) are acted on once: a second edit would trip over the first.
        ``precheck`` runs first in the worker; a MoveNeedsConfirmation it raises changes
        nothing and asks, and ``confirm`` then does the action anyway.
        """
        if not items:
            return
        bulk = len(items) > 1
        if self.selected:  # repainted now: an action that changes nothing brings no reload
            self.selected.clear()
            self.query_one("#queue", VirtualTable).refresh()
            self.query_one("#filters", Static).update(self._filters_text())

        def edit() -> str:
            if precheck is not None:
                precheck()
            done = 0
            skipped: list[str] = []
            conflicts: list[ConflictError] = []
            acted: set[object] = set()
            for item in items:
                target = same(item)
                if target in acted and item.session_id is not None:
                    done += 1
                    continue
                try:
                    why_not = act(item)  # run_edit waits out another coordinator's lock for each write
                except ConflictError as error:
                    conflicts.append(error)
                    continue
                except ValueError as error:
                    skipped.append(str(error))
                    continue
                if why_not:
                    skipped.append(why_not)
                else:
                    done += 1
                    acted.add(target)
            if not bulk:
                if conflicts:
                    raise conflicts[0]
                if skipped:
                    raise ValueError(skipped[0])
                return f"{verb}."
            message = f"{verb}: {done} of {len(items)}."
            if skipped:
                message += f" {len(skipped)} skipped: {skipped[0]}"
            if conflicts:
                message += f" {len(conflicts)} changed by someone else first; press the key again to apply."
            return message

        self.run_edit(edit, confirm=confirm)

    @staticmethod
    def _session(store: Store, item: TriageItem) -> Session:
        """The item's session as the queue showed it (read in the worker that edits it)."""
        if item.session_id is None:
            raise ValueError(f"Pair {item.pair.id} has no overdue session to act on; open its timeline (g).")
        session = sessions.get_session(store, item.session_id)
        if session is None:
            raise ValueError("That session was deleted.")
        # Edit the session as the queue showed it: if someone changed it since, the store's
        # version check refuses the edit and says who, instead of overwriting their change.
        return replace(session, version=item.session_version or session.version)

    def action_held(self) -> None:
        today = self.programme_today()
        store = self.programme.store

        def act(item: TriageItem) -> str | None:
            if item.flag.kind not in ("overdue", "at_risk"):
                return f"Session {item.flag.seq} was already held."
            sessions.mark_held(store, self._session(store, item), today, today)
            return None

        self._apply("Marked held today", self.targets(), act)

    def action_reschedule(self) -> None:
        self._reschedule(self.targets(), confirmed=False)

    def _reschedule(self, items: list[TriageItem], *, confirmed: bool) -> None:
        """Move each session one week from its own day, keeping its time; if any would land
        in the past or before its previous session, ask once before moving any."""
        store, today, timezone = self.programme.store, self.programme_today(), self.programme_zone()

        def moving(item: TriageItem) -> Session | None:
            if item.flag.kind not in ("overdue", "at_risk") or item.session_id is None:
                return None
            return self._session(store, item)

        def precheck() -> None:
            reasons = []
            for item in items:
                session = moving(item)
                if session is None:
                    continue
                when = sessions.move_when(session, "+1w", today, timezone)
                warnings = sessions.move_warnings(store, session, when, today, timezone)
                if warnings:
                    reasons.append(f"session {session.seq} of pair {item.pair.id} would move to {short_day(when.day)}, {' and '.join(warnings)}")
            if reasons:
                more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
                raise sessions.MoveNeedsConfirmation(f"One week on, {reasons[0]}{more}.")

        def act(item: TriageItem) -> str | None:
            if item.flag.kind not in ("overdue", "at_risk"):
                return f"Session {item.flag.seq} was already held."
            session = self._session(store, item)
            when = sessions.move_when(session, "+1w", today, timezone)
            sessions.reschedule(store, session, when, timezone)
            return None

        self._apply(
            "Moved one week on",
            items,
            act,
            precheck=None if confirmed else precheck,
            confirm=lambda: self._reschedule(items, confirmed=True),
        )

    def action_follow_up(self) -> None:
        store = self.programme.store

        def act(item: TriageItem) -> str | None:
            if item.flag.kind not in ("follow_up", "notes_late"):
                return "Only a held session has a follow-up to send; this one is not held yet."
            sessions.set_follow_up(store, self._session(store, item), True)
            return None

        self._apply("Follow-up marked sent", self.targets(), act)

    def action_notes(self) -> None:
        item = self.current()
        if item is None:
            return
        if item.session_id is None or item.flag.kind not in ("notes_late", "follow_up"):
            self.notify("Notes belong to a held session: this item has none; open the timeline (g).", severity="warning")
            return
        store, today = self.programme.store, self.programme_today()
        self.run_work(sessions.get_session, store, item.session_id, what="read the session",
                      done=lambda session: self._edit_notes(store, today, session, session.notes if session else ""),
                      group="notes")

    def _edit_notes(self, store: Store, today: dt.date, session: Session | None, text: str) -> None:
        """Open the notes editor on ``session`` (read by a worker) holding ``text``; save in a worker."""
        if session is None:
            return

        def saved(value: str | None) -> None:
            if value is None:
                return

            def edit() -> str:
                sessions.set_notes(store, session, value, today)
                return f"Session {session.seq} notes saved."

            def again() -> None:  # after a conflict: the session as it is now, with what was typed
                if session.id is not None:
                    self.run_work(sessions.get_session, store, session.id, what="read the session",
                                  done=lambda fresh: self._edit_notes(store, today, fresh, value), group="notes")

            self.run_edit(edit, again, what="the notes")

        self.app.push_screen(EditText(f"Session {session.seq} notes — pair {session.pair_id}", text,
                                      name=f"the notes of session {session.seq}"), saved)

    def action_snooze(self) -> None:
        items = self.targets()
        if not items:
            return
        store = self.programme.store
        today = self.programme_today()

        def a_later_day(text: str) -> dt.date:
            until = parse_when(text, today).day
            if until <= today:
                raise ValueError("Snooze until a day after today.")
            return until

        def answered(text: str | None) -> None:
            if not text:
                return
            until = a_later_day(text)

            def act(item: TriageItem) -> str | None:
                service.snooze(store, item, until)
                return None

            self._apply(f"Snoozed until {short_day(until)}", items, act, same=lambda item: item.subject)

        what = f"{len(items)} items" if len(items) > 1 else "this item"
        self.app.push_screen(AskLine(f"Snooze {what} until…", "+1w", WHEN_HINT, check=a_later_day,
                                     name="the snooze day"), answered)

    def action_review_flag(self) -> None:
        store = self.programme.store
        items = self.targets()
        flagged = not all(item.flagged for item in items)

        def act(item: TriageItem) -> str | None:
            if item.flagged == flagged:
                return None
            service.toggle_review_flag(store, item)
            return None

        self._apply(
            "Flagged for the review meeting" if flagged else "Review flag cleared", items, act, same=lambda item: item.subject
        )

    def action_timeline(self) -> None:
        item = self.current()
        if item is not None:
            self.post_message(OpenPair(item.pair.id, item.session_id))

    @on(VirtualTable.Selected, "#queue")
    def open_timeline(self) -> None:
        self.action_timeline()

    def action_select(self) -> None:
        item = self.current()
        if item is None:
            return
        self.selected ^= {item.key}
        table = self.query_one("#queue", VirtualTable)
        table.refresh()
        self.query_one("#filters", Static).update(self._filters_text())
        table.action_cursor(1)

    def action_select_all(self) -> None:
        keys = {item.key for item in self.shown}
        self.selected = set() if keys <= self.selected else keys
        self.query_one("#queue", VirtualTable).set_source(QueueRows(self.shown, self.selected))
        self.query_one("#filters", Static).update(self._filters_text())

    def action_clear(self) -> None:
        """Escape: drop the selection, then the filters."""
        if self.selected:
            self.selected.clear()
        else:
            self.filter = TriageFilter()
        if self.queue is not None:
            self.show(self.queue)

    def action_cycle_filter(self, name: str) -> None:
        if self.queue is None:
            return
        if not self.queue.complete:  # (a moment after a refresh: the filters need everyone's people)
            self._after_people.append(partial(self.action_cycle_filter, name))
            return
        values: list[str | None] = [None, *service.filter_values(self.queue)[name]]
        current = getattr(self.filter, name)
        following = values[(values.index(current) + 1) % len(values)] if current in values else None
        self.filter = TriageFilter(**{**self.filter.__dict__, name: following})
        self.show(self.queue, cursor=0)
