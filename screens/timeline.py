"""The timeline: one pair and its sessions in order, edited from the keyboard.

A coordinator's per-pair view (names are fine here; the sensitive attributes never are).
Every edit runs in a worker through :mod:`rmtui.timeline`, which checks the session's
version; on a conflict the notice says what the other coordinator changed and the editor
reopens with the user's text.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import Header, Static

from rmtui import coaches, lifecycle, surveys
from rmtui import timeline as service
from rmtui.calendar_export import export_calendar
from rmtui.db import Pair, Session
from rmtui.presence import Spot
from rmtui.programme import Programme
from rmtui.schedule import as_date, session_start
from rmtui.screens.base import ProgrammeScreen, bindings
from rmtui.session_status import KIND_LABEL, relative_day, short_day
from rmtui.text import clean, clean_path
from rmtui.timeline import WHEN_HINT, PairTimeline, attempt, parse_when
from rmtui.widgets.ask import AskLine, EditText
from rmtui.widgets.footer import Footer
from rmtui.widgets.pick import PickOne
from rmtui.widgets.virtual_table import Column, EmptySource, VirtualTable

MOVE_HINT = "+1w, +3d, fri (from the session's day, same time), tomorrow, 2026-12-04 or 2026-12-04 14:00"

Loaded = tuple[int | None, PairTimeline | None, dt.date, str]
"""(the pair asked for, its timeline or None, today, the programme's time zone)"""


def _load(programme: Programme, pair_id: int | None, step: int) -> Loaded:
    """Read a pair's timeline off the UI thread: ``pair_id`` (or ``step`` from it), else the first pair."""
    today, timezone = programme.today(), programme.timezone
    store = programme.store
    wanted = pair_id
    if wanted is not None and step:
        wanted = service.neighbour_pair(store, wanted, step)
        if wanted is None:
            return pair_id, None, today, timezone  # no neighbour that way: stay
    if wanted is None:
        wanted = service.first_pair(store)
    if wanted is None:
        return None, None, today, timezone
    return wanted, service.load_timeline(store, wanted, today), today, timezone


COLUMNS = [
    Column("seq", "#", 2, justify="right"),
    Column("status", "Status", 13),  # "✗ cancelled ◆" whole at 80 columns
    Column("due", "Due", 6),
    Column("held", "Held", 6),
    Column("when", "When", 15, grow=1),
    Column("agenda", "Agenda", 8, grow=3),
    Column("notes", "Notes", 8),
    Column("follow_up", "Follow-up", 9),
]

STATUS_MARK = {
    "held": ("✓ held", "green"),
    "planned": ("○ planned", ""),
    "scheduled": ("◷ booked", "cyan"),
    "cancelled": ("✗ cancelled", "dim"),
    "missed": ("· missed", "yellow"),
}


class SessionRows:
    """Cells of a pair's sessions, worded against today."""

    def __init__(self, view: PairTimeline, today: dt.date, timezone: str) -> None:
        self.view = view
        self.today = today
        self.timezone = timezone
        self.finished = view.pair.status in ("completed", "closed_early")

    def __len__(self) -> int:
        return len(self.view.sessions)

    def cells(self, index: int) -> dict[str, Text]:
        session = self.view.sessions[index]
        flags = {f.kind: f for f in self.view.session_flags(session.id)}
        label, style = STATUS_MARK.get(session.status, (session.status, ""))
        if "overdue" in flags:
            label, style = "! overdue", "bold red"
        status = Text(label, style=style)
        if session.checkpoint:
            status.append(" ◆", style="magenta")
        due = as_date(session.due_on)
        held = as_date(session.held_on) if session.held_on else None
        return {
            "seq": Text(str(session.seq)),
            "status": status,
            "due": Text(short_day(due)),
            "held": Text(short_day(held) if held else "—"),
            "when": self._when(session, flags),
            "agenda": Text(clean(session.agenda).split("\n")[0] if session.agenda else "—"),
            "notes": self._notes(session, flags),
            "follow_up": self._follow_up(session, flags),
        }

    def _when(self, session: Session, flags: dict) -> Text:
        today = self.today
        if session.status == "held" and session.held_on:
            return Text(relative_day(as_date(session.held_on), today), style="dim")
        if session.status == "cancelled":
            return Text("")
        if "overdue" in flags:
            return Text(f"{flags['overdue'].days} days overdue", style="bold red")
        if session.scheduled_at:
            start = session_start(session, self.timezone)
            return Text(f"{start.format('ddd D MMM HH:mm')}")
        days = (as_date(session.due_on) - today).days
        if days < 0:
            return Text(f"due {-days} days ago", style="yellow")
        return Text(relative_day(as_date(session.due_on), today))

    def _notes(self, session: Session, flags: dict) -> Text:
        if "notes_late" in flags:
            return Text(f"{flags['notes_late'].days}d late", style="bold red")
        if session.notes.strip():
            return Text("✓ posted", style="green")
        if session.status == "held":
            if self.finished:
                return Text("none", style="dim")  # the pair has ended: nothing is due any more
            return Text("due soon", style="yellow")
        return Text("—", style="dim")

    def _follow_up(self, session: Session, flags: dict) -> Text:
        if session.follow_up_sent:
            return Text("✓ sent", style="green")
        if "follow_up" in flags:
            return Text("missing", style="bold red")
        if session.status == "held":
            return Text("not sent" if self.finished else "not yet", style="dim" if self.finished else "yellow")
        return Text("—", style="dim")


class TimelineScreen(ProgrammeScreen):
    """One pair: who, which wave, its sessions; keys edit the highlighted session."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("TimelineScreen")  # type: ignore[assignment]


    EDIT_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"held", "held_on", "reschedule", "cancel_session", "agenda", "notes", "follow_up", "add_session", "replan",
         "complete", "pause", "answer", "coach"}
    )

    DEFAULT_CSS = """
    TimelineScreen #pair { height: auto; padding: 0 1; background: $panel; }
    TimelineScreen #flags { height: auto; max-height: 2; padding: 0 1; }
    TimelineScreen #presence-notice { height: auto; max-height: 2; padding: 0 1; color: $warning; display: none; }
    TimelineScreen #detail { height: auto; max-height: 5; padding: 0 1; border-top: solid $border-blurred; }
    """

    def __init__(self, pair_id: int | None = None, session_id: int | None = None) -> None:
        super().__init__()
        self.pair_id = pair_id
        self.focus_session = session_id
        self.view: PairTimeline | None = None
        self.today: dt.date = dt.date.min  # the programme's today, set by every load
        self.timezone = "UTC"

    def compose(self):
        yield Header()
        yield Static("Loading the timeline…", id="pair")
        yield Static("", id="flags")
        yield Static("", id="presence-notice")
        yield VirtualTable(COLUMNS, id="sessions")
        yield Static("", id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sessions", VirtualTable).focus()
        self.load()

    def refresh_data(self) -> None:
        self.load()

    def presence_spot(self) -> Spot:
        if self.pair_id is None or self.view is None:
            return Spot(self.presence_area())
        return Spot(self.presence_area(), "pair", self.pair_id, f"pair {self.pair_id}")

    # -- loading -----------------------------------------------------------------------

    def load(self, pair_id: int | None = None, step: int = 0) -> None:
        """Load pair ``pair_id`` (else the one shown, else the first), or the one ``step`` away from it."""
        self.run_work(_load, self.programme, pair_id or self.pair_id, step, what="load the timeline",
                      done=self._loaded, group="load")

    def _loaded(self, loaded: Loaded) -> None:
        wanted, view, self.today, self.timezone = loaded
        if view is None and wanted is not None and self.view is not None:
            if wanted != self.pair_id:  # a neighbour that is not there is no news
                self.notify(f"There is no pair {wanted}.", severity="warning")
            return
        self.show(view)

    def show(self, view: PairTimeline | None) -> None:
        """Put the pair and its sessions on screen, keeping the cursor on the same session."""
        table = self.query_one("#sessions", VirtualTable)
        if view is None:
            self.view = None
            self.pair_id = None
            self.query_one("#pair", Static).update(
                Text("No pairs yet. Confirm pairs on the pairing screen (3), or run  rmtui demo  to explore.")
            )
            table.set_source(EmptySource(), cursor=0)
            return
        previous = self.view
        self.view = view
        self.pair_id = view.pair.id
        cursor: int | None = None
        wanted = self.focus_session
        if wanted is None and previous is not None and previous.pair.id == view.pair.id and previous.sessions:
            index = min(table.cursor, len(previous.sessions) - 1)
            wanted = previous.sessions[index].id
        if wanted is not None:
            cursor = next((i for i, s in enumerate(view.sessions) if s.id == wanted), 0)
        elif previous is None or previous.pair.id != view.pair.id:
            cursor = self._first_open(view)
        self.focus_session = None
        self.query_one("#pair", Static).update(self._pair_text(view))
        self.query_one("#flags", Static).update(self._flags_text(view))
        self.show_presence(self.host.others)
        table.set_source(SessionRows(view, self.today, self.timezone), cursor=cursor)  # CursorMoved: the detail

    @staticmethod
    def _first_open(view: PairTimeline) -> int:
        for index, session in enumerate(view.sessions):
            if session.status not in ("held", "cancelled"):
                return index
        return max(0, len(view.sessions) - 1)

    def _pair_text(self, view: PairTimeline) -> Text:
        pair = view.pair
        text = Text()
        text.append(f"Pair {pair.id}  ", style="bold")
        text.append(clean(view.mentor.name), style="bold")
        text.append(f" ({clean(view.mentor.department) or 'no department'}, mentor) → ")
        text.append(clean(view.mentee.name), style="bold")
        text.append(f" ({clean(view.mentee.department) or 'no department'}, mentee)\n")
        held = sum(1 for s in view.sessions if s.status == "held")
        started = short_day(as_date(pair.started_on)) if pair.started_on else "not started"
        text.append(f"Coach {clean(pair.coach) or '—'} · {clean(view.wave.name)} · {pair.status.replace('_', ' ')}")
        text.append(f" · started {started} · {held} of {len(view.sessions)} held · every {view.wave.cadence_days} days")
        return text

    def _flags_text(self, view: PairTimeline) -> Text:
        text = self._state_text(view)
        if view.answers:
            got = Counter(a.kind for a in view.answers)
            text.append(" · Answers: " + ", ".join(f"{k} {got[k]}/2" for k in ("pre", "mid", "post", "close") if got[k]),
                        style="dim")
        return text

    def _state_text(self, view: PairTimeline) -> Text:
        pair_flags = [f for f in view.flags if f.kind in ("at_risk", "behind")]
        pair = view.pair
        if pair.status == "paused":
            since = f" since {short_day(as_date(pair.paused_on))}" if pair.paused_on else ""
            text = Text(f"Paused{since}", style="bold yellow")
            text.append(f": {clean(pair.pause_reason or '')}. Press u to resume (planned sessions move by the pause).")
            return text
        if pair.status == "completed":
            return Text(f"Completed on {short_day(as_date(pair.ended_on))}." if pair.ended_on else "Completed.", style="green")
        if pair.status != "active":
            return Text(f"This pair is {pair.status.replace('_', ' ')}.", style="dim")
        session_flags = [f for f in view.flags if f.kind not in ("at_risk", "behind")]
        text = Text()
        if not pair_flags:
            text.append("On track.", style="green")
        for n, flag in enumerate(pair_flags):
            if n:
                text.append(" · ")
            text.append("At risk: " if flag.kind == "at_risk" else "Behind: ", style="bold red" if flag.kind == "at_risk" else "bold yellow")
            text.append(flag.reason)
        if session_flags:
            counts = Counter(f.kind for f in session_flags)
            listed = ", ".join(f"{n} {KIND_LABEL[kind].lower()}" for kind, n in counts.items())
            text.append(f" · Act on: {listed}", style="yellow")
        return text

    @on(VirtualTable.Selected, "#sessions")
    def open_session(self) -> None:
        """Enter edits the notes of a held session, else its agenda (viewers read them below)."""
        session = self.current()
        if session is not None and self.may_edit:
            if session.status == "held":
                self.action_notes()
            else:
                self.action_agenda()

    def current(self) -> Session | None:
        """Return the highlighted session, or None."""
        if self.view is None or not self.view.sessions:
            return None
        index = self.query_one("#sessions", VirtualTable).cursor
        return self.view.sessions[min(index, len(self.view.sessions) - 1)]

    @on(VirtualTable.CursorMoved, "#sessions")
    def _show_detail(self) -> None:
        session = self.current()
        detail = self.query_one("#detail", Static)
        if session is None or self.view is None:
            detail.update("")
            return
        text = Text()
        flags = self.view.session_flags(session.id)
        text.append(flags[0].reason if flags else f"Session {session.seq}", style="bold")
        for flag in flags[1:]:
            text.append(f" · {flag.reason.split(', ', 1)[-1]}", style="red")
        if session.checkpoint:
            text.append(" · ◆ mid-point checkpoint: the mid-point survey is due once it is held", style="magenta")
        text.append("\nAgenda: ", style="bold")
        text.append(clean(session.agenda).replace("\n", " / ") if session.agenda else "—")
        text.append("\nNotes: ", style="bold")
        text.append(clean(session.notes).replace("\n", " / ") if session.notes else "—")
        detail.update(text)

    # -- edits (each through ProgrammeScreen.run_edit, which waits out another's lock) --------

    def _a_day(self, text: str) -> None:
        """Check an answer to a "which day" question (the dialog shows what is wrong)."""
        parse_when(text, self.today)

    def _need_session(self) -> Session | None:
        session = self.current()
        if session is None:
            self.notify("This pair has no sessions yet; press a to add one.", severity="warning")
        return session

    def action_held(self) -> None:
        session = self._need_session()
        if session is not None:
            self._held(session, self.today)

    def _held(self, session: Session, day: dt.date) -> None:
        store, today = self.programme.store, self.today
        was = self.view.pair.status if self.view is not None else None

        def edit() -> str:
            service.mark_held(store, session, day, today)
            if was == "active" and lifecycle.status_of(store, session.pair_id) == "completed":
                return f"Session {session.seq} held on {short_day(as_date(day))}: the last one, so the pair is completed."
            return f"Session {session.seq} marked held on {short_day(as_date(day))}."

        self.focus_session = session.id
        self.run_edit(edit)

    def action_held_on(self) -> None:
        session = self._need_session()
        if session is None:
            return

        def answered(text: str | None) -> None:
            if text:
                self._held(session, parse_when(text, self.today).day)

        self.app.push_screen(
            AskLine(f"Session {session.seq} was held on which day?", "today", "today, 2026-11-18, -2d (two days ago), mon…",
                    check=self._a_day, name="the day it was held"),
            answered,
        )

    def action_reschedule(self) -> None:
        """Move the session: ``+1w`` and ``fri`` count from the session's own day and keep its
        time; a day in the past or before the previous session asks first."""
        session = self._need_session()
        if session is None:
            return
        store, timezone, today = self.programme.store, self.timezone, self.today

        def check(text: str) -> None:
            service.move_when(session, text, today, timezone)

        def ask(value: str) -> None:
            self.app.push_screen(AskLine(f"Move session {session.seq} to…", value, MOVE_HINT, check=check,
                                                 name="the new day"), answered)

        def answered(text: str | None) -> None:
            if not text:
                return
            when = service.move_when(session, text, today, timezone)

            def move(confirmed: bool) -> None:
                def edit() -> str:
                    service.reschedule(store, session, when, timezone, today=today, confirmed=confirmed)
                    at = f" at {when.time}" if when.time else ""
                    return f"Session {session.seq} moved to {short_day(when.day)}{at}."

                self.focus_session = session.id
                self.run_edit(edit, lambda: ask(text), lambda: move(True))

            move(False)

        ask("+1w")

    def action_cancel_session(self) -> None:
        session = self._need_session()
        if session is None:
            return
        store = self.programme.store

        def edit() -> str:
            service.cancel(store, session)
            return f"Session {session.seq} cancelled."

        self.focus_session = session.id
        self.run_edit(edit)

    def _edit_text(self, session: Session, what: str, text: str) -> None:
        store, today = self.programme.store, self.today

        def saved(value: str | None) -> None:
            if value is None:
                return

            def edit() -> str:
                if what == "agenda":
                    service.set_agenda(store, session, value)
                else:
                    service.set_notes(store, session, value, today)
                return f"Session {session.seq}: {what} saved."

            def again() -> None:  # after a conflict: the session as it is now, with what was typed
                if session.id is not None:
                    self.run_work(service.get_session, store, session.id, what="read the session", group="again",
                                  done=lambda fresh: self._edit_text(fresh, what, value) if fresh else None)

            self.focus_session = session.id
            self.run_edit(edit, again)

        title = f"Session {session.seq} {what} — pair {session.pair_id}"
        self.app.push_screen(EditText(title, text, name=f"the {what} of session {session.seq}"), saved)

    def action_agenda(self) -> None:
        session = self._need_session()
        if session is not None:
            self._edit_text(session, "agenda", session.agenda)

    def action_notes(self) -> None:
        session = self._need_session()
        if session is not None:
            self._edit_text(session, "notes", session.notes)

    def action_follow_up(self) -> None:
        session = self._need_session()
        if session is None:
            return
        store = self.programme.store
        sent = not session.follow_up_sent

        def edit() -> str:
            service.set_follow_up(store, session, sent)
            return f"Session {session.seq}: follow-up {'sent' if sent else 'marked not sent'}."

        self.focus_session = session.id
        self.run_edit(edit)

    def action_add_session(self) -> None:
        pair_id = self._pair_id()
        if pair_id is None:
            return
        store = self.programme.store

        def answered(text: str | None) -> None:
            if text is None:
                return
            day = parse_when(text, self.today).day if text.strip() else None

            def edit() -> str:
                added = service.add_session(store, pair_id, day)
                self.app.call_from_thread(self._focus, added.id)  # before the outcome arrives
                return f"Session {added.seq} added, due {short_day(as_date(added.due_on))}."

            self.run_edit(edit)

        self.app.push_screen(
            AskLine("Add a session due on… (empty: one cadence after the last)", "", WHEN_HINT, check=self._a_day,
                    name="the new session's day"), answered
        )

    def action_replan(self) -> None:
        pair_id = self._pair_id()
        if pair_id is None:
            return
        store = self.programme.store

        def answered(text: str | None) -> None:
            if not text:
                return
            start = parse_when(text, self.today).day

            def edit() -> str:
                change = service.replan_pair(store, pair_id, start)
                moved, added = len(change.moved), len(change.added)
                if not moved and not added:
                    return "Nothing to move: the sessions to come already follow that rhythm."
                return f"Re-planned from {short_day(start)}: {moved} moved, {added} added; held sessions kept."

            self.run_edit(edit)

        self.app.push_screen(
            AskLine("Re-plan the sessions still to happen, starting on…", "+1w", "Held and cancelled sessions stay as they are. " + WHEN_HINT,
                    check=self._a_day, name="the re-plan day"),
            answered,
        )

    def action_pair(self, step: int) -> None:
        if self.pair_id is not None:
            self.load(self.pair_id, step)  # the worker finds the neighbour

    def action_go_to_pair(self) -> None:
        def found(pair_id: int | None, text: str) -> None:
            if pair_id is None:
                self.notify(f"No pair is numbered or named {clean(text)!r}.", severity="warning", markup=False)
                return
            self.load(pair_id)

        def answered(text: str | None) -> None:
            if not text or not text.strip():
                return
            self.run_work(service.find_pair, self.programme.store, text, what="find the pair",
                          done=lambda pair_id: found(pair_id, text), group="find-pair")

        self.app.push_screen(
            AskLine("Go to pair: its number or a name…", "", "e.g. 12, or part of the mentor's or mentee's name (typos are fine).",
                    name="the pair to go to"),
            answered,
        )

    def action_export(self) -> None:
        pair_id = self._pair_id()
        if pair_id is None:
            return

        def answered(text: str | None) -> None:
            if not text:
                return
            self.export(pair_id, Path(clean_path(text)).expanduser().absolute())  # the message names the full path

        self.app.push_screen(
            AskLine("Write this pair's sessions to the calendar file…", f"pair-{pair_id}.ics", "Import it in any calendar; importing again updates the events.",
                    name="the file name"),
            answered,
        )

    def export(self, pair_id: int, path: Path) -> None:
        programme = self.programme

        def edit() -> str:
            data, count = export_calendar(programme, pair_id=pair_id)
            try:
                path.write_bytes(data)
            except OSError as error:
                raise ValueError(f"{path} could not be written: {error.strerror}.") from error
            if count == 0:
                return f"Pair {pair_id} has no sessions still to happen; {path} holds no events."
            return f"Wrote {count} session{'s' if count != 1 else ''} to {path}."

        self.run_work(attempt, edit, what="export the calendar", done=self.report_outcome, group="export",
                      exclusive=False)

    # -- the pair's life ------------------------------------------------------------------

    def _focus(self, session_id: int | None) -> None:
        """Put the cursor on ``session_id`` at the next load (on the UI thread)."""
        self.focus_session = session_id

    def _pair_id(self) -> int | None:
        """The id of the pair on screen, if any."""
        return self.view.pair.id if self.view is not None else None

    def _pair_or_warn(self, *statuses: str) -> tuple[Pair, int] | None:
        """The pair on screen and its id, if it is in one of ``statuses``; else say why not."""
        if self.view is None or self.view.pair.id is None:
            self.notify("There is no pair on screen.", severity="warning")
            return None
        pair = self.view.pair
        if statuses and pair.status not in statuses:
            self.notify(f"Pair {pair.id} is {pair.status.replace('_', ' ')}; that applies to an "
                        f"{' or '.join(statuses)} pair.", severity="warning")
            return None
        return pair, self.view.pair.id

    def action_complete(self) -> None:
        found = self._pair_or_warn("active", "paused")
        if found is None:
            return
        pair, pair_id = found
        store, today = self.programme.store, self.today

        def answered(text: str | None) -> None:
            if not text:
                return
            day = parse_when(text, today).day

            def edit() -> str:
                lifecycle.complete_pair(store, pair_id, pair.version, day, today)
                return f"Pair {pair.id} completed on {short_day(day)}; sessions still planned were cancelled."

            self.run_edit(edit)

        self.app.push_screen(
            AskLine(f"Pair {pair.id} completed on which day?", "today",
                    "today, yesterday, 2026-11-18, -3d. Sessions still planned are cancelled; both people become alumni "
                    "unless in another pair.", check=self._a_past_day, name="the completion day"),
            answered,
        )

    def _a_past_day(self, text: str) -> None:
        """Check an answer naming a day that has come (today or before)."""
        day = parse_when(text, self.today).day
        if day > self.today:
            raise ValueError(f"{short_day(day)} is after today; a pair is completed on a day that has come.")

    def _a_reason(self, text: str) -> None:
        if len(clean(text).strip()) < lifecycle.MIN_REASON:
            raise ValueError(f"Say in a few words why (at least {lifecycle.MIN_REASON} characters).")

    def action_pause(self) -> None:
        found = self._pair_or_warn("active", "paused")
        if found is None:
            return
        pair, pair_id = found
        store, today = self.programme.store, self.today
        resuming = pair.status == "paused"

        def answered(text: str | None) -> None:
            if not text:
                return

            def edit() -> str:
                if resuming:
                    _, days = lifecycle.resume_pair(store, pair_id, pair.version, text, today)
                    moved = f"planned sessions moved {days} day{'s' if days != 1 else ''} later" if days else "no session moved"
                    return f"Pair {pair.id} resumed; {moved}."
                lifecycle.pause_pair(store, pair_id, pair.version, text, today)
                return f"Pair {pair.id} paused; it leaves triage until it resumes (u)."

            self.run_edit(edit)

        if resuming:
            title, hint = f"Resume pair {pair.id}: what changed?", "Planned and booked sessions move later by the days the pair was paused."
        else:
            title, hint = f"Pause pair {pair.id}: why?", "E.g. mentee on leave until January. Resume with u; planned sessions then move by the pause."
        self.app.push_screen(AskLine(title, "", hint, check=self._a_reason, name="the reason"), answered)

    def action_answer(self) -> None:
        found = self._pair_or_warn("active", "paused", "completed", "closed_early")
        if found is None:
            return
        pair, pair_id = found
        store, today = self.programme.store, self.today

        def answered(text: str | None) -> None:
            if not text:
                return
            answer = surveys.parse_answer_line(text)

            def edit() -> str:
                surveys.record_answer(store, pair_id, answer, today)
                rating = f"{answer.rating}/5" if answer.rating else "no rating"
                goal = {True: ", goal achieved", False: ", goal not achieved", None: ""}[answer.goal_achieved]
                return f"Recorded the {answer.respondent}'s {answer.kind} answer on pair {pair.id}: {rating}{goal}."

            self.run_edit(edit)

        self.app.push_screen(
            AskLine(f"Survey answer for pair {pair.id}", "", surveys.ANSWER_HINT, check=surveys.parse_answer_line,
                    name="the survey answer"), answered
        )

    def action_coach(self) -> None:
        found = self._pair_or_warn()
        if found is not None:
            self.run_work(coaches.workloads, self.programme.store, what="read the coaches",
                          done=partial(self._pick_coach, *found), group="coaches")

    def _pick_coach(self, pair: Pair, pair_id: int, loads: list[coaches.Workload]) -> None:
        if not loads:
            self.notify("The programme has no coaches yet; add them from the palette (Coaches and their workload) "
                        "or with  rmtui coach add NAME.", severity="warning", timeout=8)
            return
        choices = [(f"{clean(w.coach.name)} — {w.shown()}", w.coach.id) for w in loads] + [("No coach", 0)]
        current = next((n for n, w in enumerate(loads) if w.coach.id == pair.coach_id), None)
        store = self.programme.store

        def picked(coach_id: int | None) -> None:
            if coach_id is None:
                return

            def edit() -> str:
                done = coaches.assign_coach(store, pair_id, coach_id or None, pair.version)
                return f"Pair {pair.id}: coach {clean(done.coach)}." if done.coach else f"Pair {pair.id} has no coach now."

            self.run_edit(edit)

        self.app.push_screen(
            PickOne(f"Coach of pair {pair.id}", choices, "Workload: each coach's pairs going (active, paused, proposed).", current),
            picked,
        )

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
