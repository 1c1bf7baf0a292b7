"""Presence: who else has the programme open, on which screen and which record.

Each running app owns one row of the ``presence`` table (its host and pid). It announces
itself when it starts, when its screen, record or editing state changes (debounced by the
app) and on a heartbeat every HEARTBEAT_SECONDS; it deletes its row when it closes. Rows
of dead apps are pruned: same host and the pid is gone (a SIGKILLed app), or not seen for
STALE_SECONDS (another host's app, or a frozen one).

Presence must never delay a save: its writes go through :meth:`Store.quick_write`, which
waits at most a few milliseconds for the write lock and otherwise skips this beat. They are
not audited, and never written per keystroke.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rmtui.db import Store, StoreBusyError

HEARTBEAT_SECONDS = 5.0
"""How often an open app says it is still there."""
STALE_SECONDS = 3 * HEARTBEAT_SECONDS
"""An entry not seen for this long belongs to an app that is gone (three missed heartbeats)."""

_STAMP = "UPDATE change_stamps SET stamp = random() WHERE kind = 'presence'"
_COLUMNS = "host, pid, actor, area, entity, entity_id, label, editing, joined_at, started_at, seen_at"


@dataclass(frozen=True)
class Spot:
    """Where an app is: its screen (area), the record it shows, and whether it edits it."""

    area: str = ""
    entity: str | None = None
    """"participant" or "pair" (the audit's entity names), or None on a screen of many records."""
    entity_id: int | None = None
    label: str = ""
    """The record as a person reads it: "pair 14", "Cécile Martin"."""
    editing: bool = False

    def describe(self) -> str:
        """"pair 14 · timeline", "editing Cécile Martin · intake", or just "roster"."""
        if not self.label:
            return self.area
        record = f"editing {self.label}" if self.editing else self.label
        return f"{record} · {self.area}" if self.area else record

    def same_record(self, other: Spot) -> bool:
        return self.entity == other.entity and self.entity_id == other.entity_id


@dataclass(frozen=True)
class Entry:
    """One open app as its presence row says."""

    actor: str
    host: str
    pid: int
    spot: Spot
    joined_at: float
    """When the app started (Unix seconds)."""
    started_at: float
    """When it arrived at this spot (screen, record, editing state)."""
    seen_at: float = field(compare=False)
    """Its last heartbeat (not compared: a heartbeat alone changes nothing on screen)."""


def this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """Return True if a process ``pid`` runs on this host (another user's counts too)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    except OSError:
        return False
    return True


class Presence:
    """This app's presence row, and the others'.

    Every method touches the database: call them from a worker, never the UI thread.
    """

    def __init__(
        self,
        store: Store,
        *,
        host: str | None = None,
        pid: int | None = None,
        clock: Callable[[], float] = time.time,
        alive: Callable[[int], bool] = pid_alive,
    ) -> None:
        self.store = store
        self.host = host or this_host()
        self.pid = os.getpid() if pid is None else pid
        self.clock = clock
        self.alive = alive
        self.spot = Spot()
        self.joined_at = clock()
        self.started_at = self.joined_at
        self.writes = 0
        """Presence writes committed by this app (benchmarks read it)."""
        self.skipped = 0
        """Beats skipped because another process held the write lock."""
        self._lock = threading.Lock()  # a heartbeat in a worker never lands after leave()
        self._left = False

    # -- writing -----------------------------------------------------------------------

    def announce(self, spot: Spot | None = None) -> bool:
        """Upsert this app's row (at ``spot``, else where it was) and prune dead entries.

        Returns False when the write lock was busy: the beat is skipped, the next one
        writes. A new spot restarts ``started_at``; a heartbeat at the same spot keeps it.
        """
        with self._lock:
            if self._left:
                return False
            return self._announce(spot)

    def _announce(self, spot: Spot | None) -> bool:
        now = self.clock()
        if spot is not None and spot != self.spot:
            if not (spot.same_record(self.spot) and spot.editing == self.spot.editing):
                self.started_at = now
            self.spot = spot
        s = self.spot
        try:
            with self.store.quick_write() as conn:
                conn.execute(
                    f"INSERT INTO presence ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (host, pid) DO UPDATE SET actor = excluded.actor, area = excluded.area, "
                    "entity = excluded.entity, entity_id = excluded.entity_id, label = excluded.label, "
                    "editing = excluded.editing, started_at = excluded.started_at, seen_at = excluded.seen_at",
                    (self.host, self.pid, self.store.actor, s.area, s.entity, s.entity_id, s.label, int(s.editing),
                     self.joined_at, self.started_at, now),
                )
                self._prune(conn, now)
                conn.execute(_STAMP)
        except StoreBusyError:
            self.skipped += 1
            return False
        self.writes += 1
        return True

    def heartbeat(self) -> bool:
        """Say this app is still here, where it was (see :meth:`announce`)."""
        return self.announce()

    def _prune(self, conn, now: float) -> None:  # conn: the quick write's connection
        conn.execute("DELETE FROM presence WHERE seen_at < ?", (now - STALE_SECONDS,))
        rows = conn.execute("SELECT pid FROM presence WHERE host = ? AND pid != ?", (self.host, self.pid)).fetchall()
        dead = [(self.host, pid) for (pid,) in rows if not self.alive(pid)]
        if dead:
            conn.executemany("DELETE FROM presence WHERE host = ? AND pid = ?", dead)

    def leave(self) -> bool:
        """Delete this app's row (on a clean exit). False if the lock stayed busy: age prunes it."""
        with self._lock:
            self._left = True
            try:
                with self.store.quick_write(wait=0.1) as conn:
                    conn.execute("DELETE FROM presence WHERE host = ? AND pid = ?", (self.host, self.pid))
                    conn.execute(_STAMP)
            except StoreBusyError:
                return False
            return True

    # -- reading -----------------------------------------------------------------------

    def others(self, now: float | None = None) -> list[Entry]:
        """The other live apps on this programme, longest here first (dead ones left out)."""
        now = self.clock() if now is None else now
        rows = self.store.query_tuples(
            f"SELECT {_COLUMNS} FROM presence WHERE seen_at >= ? AND NOT (host = ? AND pid = ?) ORDER BY joined_at, actor",
            (now - STALE_SECONDS, self.host, self.pid),
        )
        found = []
        for host, pid, actor, area, entity, entity_id, label, editing, joined, started, seen in rows:
            if host == self.host and not self.alive(int(pid)):
                continue
            spot = Spot(str(area), entity, entity_id, str(label), bool(editing))
            found.append(Entry(str(actor), str(host), int(pid), spot, float(joined), float(started), float(seen)))
        return found


def editing(entries: Iterable[Entry], entity: str | None, entity_id: int | None) -> list[Entry]:
    """The entries whose app is editing the record ``entity`` ``entity_id``."""
    if entity is None or entity_id is None:
        return []
    return [e for e in entries if e.spot.editing and e.spot.entity == entity and e.spot.entity_id == entity_id]


def on_record(entries: Iterable[Entry], entity: str | None, entity_id: int | None) -> list[Entry]:
    """The entries whose app shows (or edits) the record ``entity`` ``entity_id``."""
    if entity is None or entity_id is None:
        return []
    return [e for e in entries if e.spot.entity == entity and e.spot.entity_id == entity_id]


def _people(entries: Iterable[Entry]) -> list[Entry]:
    """One entry per person (their most recently arrived app), in order of arrival."""
    latest: dict[str, Entry] = {}
    for entry in entries:
        kept = latest.get(entry.actor)
        if kept is None or entry.started_at > kept.started_at:
            latest[entry.actor] = entry
    order = {actor: i for i, actor in enumerate(dict.fromkeys(e.actor for e in entries))}
    return sorted(latest.values(), key=lambda e: order[e.actor])


HERE_FORMS = ("full", "names", "some names", "count")
"""The header's forms for the others, longest first (see :func:`who_is_here`)."""


def who_is_here(
    entries: Iterable[Entry], width: int, *, forms: Iterable[str] = HERE_FORMS, me: str | None = None
) -> str:
    """The header's words for the others in the first of ``forms`` that fits ``width``
    characters ("" when alone or when none fits).

    "full": "2 others here: alice (pair 14 · timeline), bob (intake)"; "names": "+2 here:
    alice, bob"; "some names": "+3 here: alice, …"; "count": "+3 here".
    Another app of ``me`` (this OS user, in a second window) is called "you".
    """
    people = _people(entries)
    if not people:
        return ""
    n = len(people)
    names = ["you" if e.actor == me else e.actor for e in people]
    for form in forms:
        if form == "full":
            texts = [f"{n} {'other' if n == 1 else 'others'} here: " + ", ".join(
                f"{name} ({e.spot.describe()})" if e.spot.describe() else name for name, e in zip(names, people)
            )]
        elif form == "names":
            texts = [f"+{n} here: " + ", ".join(names)]
        elif form == "some names":
            texts = [f"+{n} here: " + ", ".join(names[:k]) + ", …" for k in range(n - 1, 0, -1)]
        else:
            texts = [f"+{n} here"]
        for text in texts:
            if len(text) <= width:
                return text
    return ""


def fit_header(
    db: str, actor: str, viewer: bool, changed_at: str | None, others: Iterable[Entry], width: int
) -> str:
    """The header's subtitle: database, who you are, live state, who else is here, in
    ``width`` characters.

    What gives way first: the database's name, the seconds of "changed 14:02:03", your own
    name, then the others' screens and records ("+2 here: alice, bob"), the live state,
    then the others' names ("+3 here"). The full list is under ``U`` (and the header's tooltip).
    """
    people = _people(others)
    who = f"{actor} (viewer)" if viewer else actor
    live = f"live, changed {changed_at}" if changed_at else "live"
    short_live = f"changed {changed_at[:5]}" if changed_at else "live"
    mine = "viewer" if viewer else ""  # a viewer keeps the word: their keys do less
    if not people:
        for parts in ([db, who, live], [who, live], [who, short_live], [mine, short_live]):
            base = " · ".join(p for p in parts if p)
            if len(base) <= width:
                return base
        return short_live[: max(0, width)]
    # (what of the rest is kept, the others' form), most informative first; the live state
    # ("changed 14:02") stays unless not even "+2 here" fits beside it.
    candidates = [(parts, "full") for parts in ([db, who, live], [who, live], [who, short_live], [mine, short_live])]
    candidates += [(parts, "names") for parts in ([who, short_live], [mine, short_live], [mine])]
    candidates += [(parts, "some names") for parts in ([mine, short_live], [mine])]
    candidates += [([mine, short_live], "count"), ([mine], "count")]
    for parts, form in candidates:
        base = " · ".join(p for p in parts if p)
        room = width - len(base) - (3 if base else 0)
        here = who_is_here(people, room, forms=(form,), me=actor)
        if here:
            return f"{base} · {here}" if base else here
    return f"+{len(people)}"[: max(0, width)]


def describe_entry(entry: Entry, since: str, me: str | None = None) -> str:
    """One line of the "Who is here" list: "alice: editing Cécile Martin · intake (since 14:02)"."""
    where = entry.spot.describe() or "starting"
    who = "you, in another window" if entry.actor == me else entry.actor
    host = "" if entry.host == this_host() else f" on {entry.host}"
    return f"{who}{host}: {where} (since {since})"


def editing_notice(entries: Iterable[Entry], since: Callable[[float], str]) -> str:
    """The notice a screen shows over a record others edit ("" when nobody does).

    ``since`` turns an instant into the programme's local time ("14:02").
    """
    found = list(entries)
    if not found:
        return ""
    first = found[0]
    who = first.actor if len(found) == 1 else f"{first.actor} and {len(found) - 1} more"
    verb = "is" if len(found) == 1 else "are"
    return (f"{who} {verb} editing {first.spot.label} since {since(first.started_at)} — "
            "your save will be checked against theirs.")
