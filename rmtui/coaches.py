"""HR coaches: the list the programme keeps, who coaches which pair, and each coach's workload.

A coach has a name (unique, case ignored), an optional email and, when a coordinator
coaches too, their OS user. ``pairs.coach_id`` names a pair's coach; ``pairs.coach`` holds
the coach's name as well (the column every reader already shows and filters on), written
by these services and kept in step by a trigger when a coach is renamed.

A coach's **workload** is the number of their pairs still going or about to: proposed,
active or paused (a proposal a coach is given becomes their pair when it starts). The
balanced wave assignment gives each pair of a wave without a coach to the coach with the
smallest workload at that moment (ties: the coach added first), so after it the
workloads differ by at most one wherever the wave has enough pairs to even them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from rmtui.db import Coach, Pair, Store, Writer
from rmtui.intake import FieldError, parse_email
from rmtui.text import clean, fold

GOING = ("proposed", "active", "paused")


class CoachError(ValueError):
    """A coach action that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Workload:
    """A coach and their pairs: going (proposed, active, paused) and finished."""

    coach: Coach
    proposed: int
    active: int
    paused: int
    finished: int

    @property
    def going(self) -> int:
        return self.proposed + self.active + self.paused

    def shown(self) -> str:
        """Return the workload in words: "3 active, 1 paused, 2 proposed · 5 finished"."""
        parts = [f"{self.active} active"]
        if self.paused:
            parts.append(f"{self.paused} paused")
        if self.proposed:
            parts.append(f"{self.proposed} proposed")
        return ", ".join(parts) + f" · {self.finished} finished"


def add_coach(store: Store, name: str, email: str | None = None, os_user: str | None = None) -> Coach:
    """Add a coach to the programme's list and return it (audited)."""
    with store.write() as writer:
        return add_coach_in(writer, name, email, os_user)


def add_coach_in(writer: Writer, name: str, email: str | None = None, os_user: str | None = None,
                 *, audit: bool = True) -> Coach:
    """Add a coach inside the caller's write transaction (the demo builds through this;
    ``audit`` False leaves the record of it to the caller, as the demo's one build row does)."""
    text = clean(name or "").strip()
    if not text:
        raise CoachError("A coach needs a name.")
    try:
        address = parse_email(email) if email else None
    except FieldError as error:
        raise CoachError(str(error)) from error
    same = writer.execute("SELECT name FROM coaches WHERE name = ? COLLATE NOCASE", (text,)).fetchone()
    if same:
        raise CoachError(f"There is already a coach called {same[0]}; give the new one another name.")
    if address and writer.execute("SELECT 1 FROM coaches WHERE email = ? COLLATE NOCASE", (address,)).fetchone():
        raise CoachError(f"Another coach already has the email {address}.")
    return writer.insert(Coach(name=text, email=address, os_user=clean(os_user or "") or None), audit=audit)


def coaches(store: Store) -> list[Coach]:
    """Return every coach, in the order they were added."""
    return store.all(Coach, order="id")


def workloads(store: Store) -> list[Workload]:
    """Return each coach's workload, in the order the coaches were added."""
    counts = {
        row[0]: row[1:]
        for row in store.query_tuples(
            "SELECT coach_id, sum(status = 'proposed'), sum(status = 'active'), sum(status = 'paused'), "
            "sum(status IN ('completed', 'closed_early')) FROM pairs WHERE coach_id IS NOT NULL GROUP BY coach_id"
        )
    }
    return [Workload(c, *(int(n or 0) for n in counts.get(c.id, (0, 0, 0, 0)))) for c in coaches(store)]


def resolve_coach(store: Store, text: str) -> Coach:
    """Return the coach ``text`` names: id, email or name (case and accents ignored)."""
    wanted = clean(str(text)).strip()
    found = coaches(store)
    for coach in found:
        if (wanted.isdigit() and coach.id == int(wanted)) or (coach.email or "").lower() == wanted.lower():
            return coach
    for coach in found:
        if fold(clean(coach.name)) == fold(wanted):
            return coach
    if not found:
        raise CoachError(f"There is no coach {wanted!r}: add one first with  rmtui coach add NAME.")
    raise CoachError(f"There is no coach {wanted!r}; the coaches are: {', '.join(clean(c.name) for c in found)}.")


def assign_coach(store: Store, pair_id: int, coach_id: int | None, expected_version: int | None = None) -> Pair:
    """Give pair ``pair_id`` the coach ``coach_id`` (None: no coach); return the pair (audited).

    ``expected_version`` (the version the coordinator saw) makes a change by someone else
    meanwhile a ConflictError; None takes the pair as it is now (the command line).
    """
    with store.write() as writer:
        return assign_coach_in(writer, pair_id, coach_id, expected_version)


def assign_coach_in(writer: Writer, pair_id: int, coach_id: int | None, expected_version: int | None = None,
                    *, audit: bool = True) -> Pair:
    """Assign a coach inside the caller's write transaction (``audit`` False: the caller audits)."""
    cursor = writer.execute("SELECT * FROM pairs WHERE id = ?", (pair_id,))
    row = cursor.fetchone()
    if row is None:
        raise CoachError(f"There is no pair {pair_id}.")
    pair = Pair.from_row(dict(zip([d[0] for d in cursor.description], row)))
    name = ""
    if coach_id is not None:
        found = writer.execute("SELECT name FROM coaches WHERE id = ?", (coach_id,)).fetchone()
        if found is None:
            raise CoachError("That coach was removed meanwhile; choose another.")
        name = found[0]
    expected = pair.version if expected_version is None else expected_version
    if audit:
        version = writer.update("pairs", pair_id, expected, {"coach_id": coach_id, "coach": name})
    else:
        if writer.execute(
            "UPDATE pairs SET coach_id = ?, coach = ?, version = version + 1 WHERE id = ? AND version = ?",
            (coach_id, name, pair_id, expected),
        ).rowcount == 0:
            raise writer.conflict("pairs", pair_id, expected)
        version = expected + 1
    pair.coach_id, pair.coach, pair.version = coach_id, name, version
    return pair


def assign_wave(store: Store, wave_id: int) -> dict[str, int]:
    """Give every pair of the wave still going and without a coach a coach, balanced by workload.

    Returns how many pairs each coach was given (by name). One transaction, each pair audited.
    """
    with store.write() as writer:
        return assign_wave_in(writer, wave_id)


def nothing_assigned(store: Store, wave_id: int, wave_name: str) -> str:
    """Say why a whole-wave assignment gave no pair a coach: no pairs going yet, or all coached."""
    going = store.scalar(
        "SELECT count(*) FROM pairs WHERE wave_id = ? AND status IN ('proposed', 'active', 'paused')", (wave_id,)
    )
    if not going:
        return f"{wave_name} has no pairs going yet; match the wave first (rmtui match --wave, or m on the pairing screen)."
    return f"Every pair of {wave_name} still going has a coach already."


def assign_wave_in(writer: Writer, wave_id: int) -> dict[str, int]:
    """The balanced assignment inside the caller's write transaction (see the module's rule)."""
    listed = writer.execute("SELECT id, name FROM coaches ORDER BY id").fetchall()
    if not listed:
        raise CoachError("The programme has no coaches yet; add them first (rmtui coach add NAME).")
    load = {coach_id: 0 for coach_id, _ in listed}
    for coach_id, count in writer.execute(
        "SELECT coach_id, count(*) FROM pairs WHERE coach_id IS NOT NULL AND status IN ('proposed', 'active', 'paused') "
        "GROUP BY coach_id"
    ):
        load[coach_id] = count
    order = {coach_id: n for n, (coach_id, _) in enumerate(listed)}
    names = dict(listed)
    given: dict[str, int] = {}
    pairs = writer.execute(
        "SELECT id FROM pairs WHERE wave_id = ? AND coach_id IS NULL AND status IN ('proposed', 'active', 'paused') ORDER BY id",
        (wave_id,),
    ).fetchall()
    for (pair_id,) in pairs:
        coach_id = min(load, key=lambda c: (load[c], order[c]))
        assign_coach_in(writer, pair_id, coach_id)
        load[coach_id] += 1
        given[names[coach_id]] = given.get(names[coach_id], 0) + 1
    return given
