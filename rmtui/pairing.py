"""Pairing services: propose, confirm, override, withdraw, close early, re-match.

Every write re-checks the rules inside its own transaction against the programme as it
is at that moment (another coordinator may have paired the same mentor a second ago), and
goes through the store's version check. Errors are :class:`PairingError` with one
sentence a coordinator can act on.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rmtui.db import Pair, Store, Wave, Writer
from rmtui.error_log import UserError
from rmtui.lifecycle import activate_people
from rmtui.matching import _PEOPLE_SQL, Names, Pool, Ranking, _folded, load_pair_pool, manager_chains
from rmtui.programme import Programme
from rmtui.rule_settings import RuleConfig, load_rule_config
from rmtui.rules import AVAILABLE, ONGOING, Person, Verdict, blocking, check_pair
from rmtui.schedule import wave_session_days, write_pair_plan
from rmtui.scoring import score
from rmtui.search import name_matches
from rmtui.text import clean, fold
from rmtui.waves import WaveError, check_open_for_pairs

# A failed hard rule may be overridden with a written reason, except the ones that would
# make the pair meaningless or re-pair two people (DOMAIN.md: never re-pair the same two).
OVERRIDABLE = frozenset(
    {"different_line_of_business", "different_team", "outside_reporting_line", "level_gap", "mentor_capacity"}
)
MIN_REASON = 10

CLOSE_REASONS: dict[str, str] = {
    "left_company": "One of the pair left the company",
    "changed_role": "A change of role ended the pairing",
    "schedule": "Their schedules could not be aligned",
    "mismatch": "The match did not suit both people; no fault on either side",
    "other": "Other",
}


class PairingError(UserError):
    """A pairing action that cannot be done; the message says why and what to do."""


def _open_wave(wave: Wave | None) -> None:
    """Raise PairingError when pairs cannot go into ``wave`` (removed or closed)."""
    try:
        check_open_for_pairs(wave)
    except WaveError as error:
        raise PairingError(str(error)) from error


@dataclass(frozen=True)
class PairCheck:
    """Every rule's verdict for one would-be pair, and its score."""

    mentor: Person
    mentee: Person
    verdicts: list[Verdict]
    total: float

    @property
    def blocking(self) -> list[Verdict]:
        return blocking(self.verdicts)


def waves(store: Store) -> list[Wave]:
    """Return every wave still open to new pairs, the newest start first."""
    return store.all(Wave, "closed_on IS NULL", order="starts_on DESC, id DESC")


def pairs_in_wave(store: Store, wave_id: int) -> set[tuple[int, int]]:
    """Return the (mentor id, mentee id) of the wave's pairs that stand (proposed, running or
    completed; not withdrawn or closed early): what a kept matching shows as accepted."""
    return {
        (int(mentor), int(mentee))
        for mentor, mentee in store.query_tuples(
            "SELECT mentor_id, mentee_id FROM pairs WHERE wave_id = ? AND status != 'closed_early'", (wave_id,)
        )
    }


def roles_of(first: Person, second: Person) -> tuple[Person, Person]:
    """Return (mentor, mentee) of two people in either order."""
    return (second, first) if first.role == "mentee" else (first, second)


def check(pool: Pool, mentor_id: int, mentee_id: int, config: RuleConfig, wave_id: int | None,
          *, excluding: Iterable[int] = ()) -> PairCheck:
    """Return the rule verdicts and score of ``mentor_id`` with ``mentee_id`` in ``wave_id``."""
    mentor, mentee = pool.by_id[mentor_id], pool.by_id[mentee_id]
    verdicts = check_pair(mentor, mentee, pool.facts(wave_id, excluding=excluding), config)
    return PairCheck(mentor, mentee, verdicts, score(verdicts).total)


def find_people(pool: Pool, query: str, wave_id: int | None, limit: int = 200) -> list[Person]:
    """Return the people whose name matches ``query`` (fuzzy), best first.

    With no query: mentees still in the programme with no pair in the wave first, then everyone else, by name.
    """
    text = fold(clean(query))
    if not text:
        facts = pool.facts(wave_id)
        waiting = pool.is_mentee & pool.available & ~pool.busy(facts)
        ids = pool.ids

        def by_name(i: int) -> tuple[str, int]:
            return pool.folded_name(i), int(ids[i])

        order = heapq.nsmallest(limit, np.flatnonzero(waiting).tolist(), key=by_name)
        if len(order) < limit:
            order += heapq.nsmallest(limit - len(order), np.flatnonzero(~waiting).tolist(), key=by_name)
        return [pool.people[i] for i in order]
    return [pool.people[i] for i in name_matches(text, pool.folded_names, limit)]


# -- the first paint: a narrow read, before the whole pool is built ---------------------------


def busy_mentees(pairs: Iterable[tuple[int, int, str]], wave_id: int | None) -> set[int]:
    """Return the mentees with an ongoing pair in ``wave_id`` (any wave when None) among
    ``pairs`` (wave id, mentee id, status): who is not waiting to be matched."""
    return {mentee for wave, mentee, status in pairs if status in ONGOING and (wave_id is None or wave == wave_id)}


def find_named(names: Names, query: str, wave_id: int | None, busy: set[int], limit: int = 200) -> list[int]:
    """Return the positions :func:`find_people` returns, from :class:`Names` (``busy``: see
    :func:`busy_mentees`): the same people in the same order, before the pool is built."""
    text = fold(clean(query))
    if text:
        return name_matches(text, names.folded, limit)
    ids, folded = names.ids, names.folded
    waiting = [
        i for i, (role, status, person) in enumerate(zip(names.roles, names.statuses, ids))
        if role == "mentee" and status in AVAILABLE and person not in busy
    ]

    def by_name(i: int) -> tuple[str, int]:
        return folded[i], ids[i]

    order = heapq.nsmallest(limit, waiting, key=by_name)
    if len(order) < limit:
        chosen = set(waiting)
        order += heapq.nsmallest(limit - len(order), (i for i in range(len(ids)) if i not in chosen), key=by_name)
    return order


def finder_people(store: Store, names: Names, positions: list[int]) -> list[Person]:
    """The people at ``positions`` of ``names``, in that order, as the finder lists them (read
    by id: the narrow read has no levels or lines of business); anyone gone since is left out."""
    ids = [names.ids[i] for i in positions]
    found: dict[int, Person] = {}
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        for row in store.query_tuples(f"{_PEOPLE_SQL} WHERE id IN ({', '.join('?' for _ in batch)})", tuple(batch)):
            found[row[0]] = Person.make(row[0], row[1], row[2], level=row[3], line_of_business=row[4], team=row[5],
                                        manager_id=row[6], timezone=row[7], status=row[8], capacity=row[9])
    return [found[i] for i in ids if i in found]


# A name whose first character is printable ASCII other than a space folds (rmtui.text.fold of
# the cleaned name) to a text starting with that character lower-cased: the order of the index on
# names (NOCASE) by first character. Every other name (blank, control or non-ASCII first) is read
# and folded whole.
_PLAIN_START = "name COLLATE NOCASE >= '!' AND name COLLATE NOCASE < char(127)"
_OTHER_STARTS = ("name COLLATE NOCASE < '!'", "name COLLATE NOCASE >= char(127)")


def first_by_name(store: Store, where: str, params: tuple, limit: int,
                  read: dict[str, list[tuple[int, str]]] | None = None) -> list[tuple[int, str]]:
    """Return (id, name) of the first ``limit`` participants matching ``where`` in the finder's
    order (folded name, then id; :func:`find_named`), reading a prefix of the names index,
    not everyone's names.

    The first ``limit`` plain names matching ``where`` in the index start with characters up
    to some ``c`` (lower-cased); every participant whose folded name comes before theirs
    starts with a character up to ``c``, or starts otherwise. Those names are read from the
    index alone (no row of the table), folded here, and ``where`` is checked in that order,
    a batch of rows at a time, until ``limit`` match. ``read`` keeps the names read and put
    in order, for the next call in the same snapshot.
    """
    if limit <= 0:
        return []
    index = "SELECT id, name FROM participants INDEXED BY participants_name WHERE "
    last = store.query_tuples(f"{index}({where}) AND {_PLAIN_START} ORDER BY name COLLATE NOCASE, id LIMIT 1 OFFSET ?",
                              (*params, limit - 1))
    if not last:  # fewer than ``limit`` plain names match: those that match are few enough to read
        rows = [row for starts in (_PLAIN_START, *_OTHER_STARTS)
                for row in store.query_tuples(f"{index}({where}) AND {starts}", params)]
        folded = _folded([name for _, name in rows])
        return [rows[k] for k in heapq.nsmallest(limit, range(len(rows)), key=lambda k: (folded[k], rows[k][0]))]
    after = chr(ord(str(last[0][1])[0].lower()) + 1)  # (NOCASE lower-cases the bound too: never fewer rows)
    read = {} if read is None else read
    ordered = read.get(after)
    if ordered is None:
        rows = [row for starts in _OTHER_STARTS for row in store.query_tuples(index + starts)]
        rows += store.query_tuples(f"{index}name COLLATE NOCASE >= '!' AND name COLLATE NOCASE < ?", (after,))
        ordered = read[after] = [rows[k] for _, _, k in sorted(zip(_folded([name for _, name in rows]),
                                                                      (i for i, _ in rows), range(len(rows))))]
    found: list[tuple[int, str]] = []
    start, size = 0, max(4 * limit, 64)
    while len(found) < limit and start < len(ordered):
        batch = ordered[start : start + size]
        marks = ", ".join("?" for _ in batch)
        matching = {i for (i,) in store.query_tuples(f"SELECT id FROM participants WHERE id IN ({marks}) AND ({where})",
                                                     (*(i for i, _ in batch), *params))}
        found += [row for row in batch if row[0] in matching]
        start, size = start + size, min(4 * size, 8_000)
    return found[:limit]


def first_waiting(store: Store, wave_id: int | None, read: dict[str, list[tuple[int, str]]] | None = None) -> int | None:
    """Return the person :func:`find_people` lists first with no query (the first mentee by name
    still in the programme with no pair in ``wave_id``, else the first of everyone else), read
    narrowly (:func:`first_by_name`); None in an empty programme."""
    # (Looked up per person read, by the pairs' index on mentees: a list of every paired
    # mentee was made again for each query, 10-35 ms at 100k.)
    paired = ("SELECT 1 FROM pairs WHERE pairs.mentee_id = participants.id "
              f"AND pairs.status IN ({', '.join('?' for _ in ONGOING)})")
    params: tuple = (*AVAILABLE, *ONGOING)
    if wave_id is not None:
        paired += " AND pairs.wave_id = ?"
        params += (wave_id,)
    waiting = f"role = 'mentee' AND status IN ({', '.join('?' for _ in AVAILABLE)}) AND NOT EXISTS ({paired})"
    for where in (waiting, f"NOT ({waiting})"):
        found = first_by_name(store, where, params, 1, read)
        if found:
            return int(found[0][0])
    return None


# How many candidates there are (the people of the other role but the person and their former
# partners), counted from the index on role: no wide row of the table is read.
_COUNT = "SELECT count(*) FROM participants INDEXED BY participants_role WHERE {where}"


@dataclass
class Glance:
    """What the pairing screen paints first, read narrowly: the person being matched and their
    first candidates by name, each scored and checked exactly on a pool of just those people
    (:func:`rmtui.matching.load_pair_pool`)."""

    pool: Pool  # the person and the candidates shown, their pairs, every manager
    ranking: Ranking | None  # of=how many candidates there are in all; None: nobody to match


def glance(store: Store, today: object, config: RuleConfig, wave_id: int | None, person_id: int | None,
           *, screenful: int = 40) -> Glance:
    """Return the :class:`Glance` of ``person_id`` (else the first person waiting in
    ``wave_id``, as :func:`find_people` picks them) in one read snapshot, reading neither
    everyone's names nor every pair (:func:`first_by_name`)."""
    with store.snapshot():
        read: dict[str, list[tuple[int, str]]] = {}  # the names read in order, for both lookups
        found = store.query_tuples("SELECT role FROM participants WHERE id = ?", (person_id,)) if person_id else []
        if not found:
            person_id = first_waiting(store, wave_id, read)
            found = store.query_tuples("SELECT role FROM participants WHERE id = ?", (person_id,)) if person_id else []
        if person_id is None or not found:
            return Glance(Pool(today=today), None)  # type: ignore[arg-type]
        own = store.query_tuples(
            "SELECT id, wave_id, mentor_id, mentee_id, status FROM pairs WHERE mentor_id = ? OR mentee_id = ?",
            (person_id, person_id))
        former = {m if e == person_id else e for _, _, m, e, status in own if status != "proposed" and m != e}
        excluding = [i for i, w, _, _, status in own if status == "proposed" and w == wave_id]
        other = "mentor" if found[0][0] == "mentee" else "mentee"
        skip = sorted({person_id, *former})
        where = f"role = ? AND id NOT IN ({', '.join('?' for _ in skip)})"
        shown = [int(i) for i, _ in first_by_name(store, where, (other, *skip), screenful, read)]
        count = int(store.query_tuples(_COUNT.format(where=where), (other, *skip))[0][0])
        chains = manager_chains(store, [person_id, *shown])
        pool = load_pair_pool(store, today, [person_id, *shown], chains)  # type: ignore[arg-type]
    # Each candidate checked as the rule panel checks them (no arrays over the pool: the
    # first paint needs neither them nor scipy, imported later, in the whole pool's worker).
    person = pool.by_id[person_id]
    checks = []
    for candidate in shown:
        mentor, mentee = roles_of(person, pool.by_id[candidate])
        checks.append(check(pool, mentor.id, mentee.id, config, wave_id, excluding=excluding))
    ranking = Ranking(
        person=person,
        candidates=[pool.by_id[i] for i in shown],
        scores=[result.total for result in checks],
        allowed=[not result.blocking for result in checks],
        first_failure=[result.blocking[0].rule if result.blocking else None for result in checks],
        ids=shown,
        of=count,
    )
    return Glance(pool, ranking)


def _check_in_transaction(programme: Programme, mentor_id: int, mentee_id: int, wave_id: int,
                          config: RuleConfig, excluding: Iterable[int] = ()) -> PairCheck:
    pool = load_pair_pool(programme.store, programme.today(), [mentor_id, mentee_id])
    missing = [i for i in (mentor_id, mentee_id) if i not in pool.by_id]
    if missing:
        raise PairingError("One of the two people is no longer in the programme; nothing was saved.")
    return check(pool, mentor_id, mentee_id, config, wave_id, excluding=excluding)


def _refusal(blocked: list[Verdict], overridden: set[str]) -> str | None:
    left = [v for v in blocked if v.rule not in overridden]
    if not left:
        return None
    hard = [v for v in left if v.rule not in OVERRIDABLE]
    if hard:
        return f"Not allowed: {hard[0].reason}; this rule cannot be overridden."
    return f"Blocked: {left[0].reason}; press o to override it with a written reason."


def _propose_in(writer: Writer, programme: Programme, mentor_id: int, mentee_id: int, wave_id: int,
                config: RuleConfig, reason: str = "") -> Pair:
    """Check and insert one proposal inside ``writer``'s transaction (see :func:`propose_pair`)."""
    _open_wave(programme.store.get(Wave, wave_id))
    result = _check_in_transaction(programme, mentor_id, mentee_id, wave_id, config)
    blocked = result.blocking
    overridden = {v.rule for v in blocked if v.rule in OVERRIDABLE} if reason else set()
    refusal = _refusal(blocked, overridden)
    if refusal:
        raise PairingError(refusal)
    overrides = [
        {"rule": v.rule, "failed": v.reason, "reason": reason, "who": programme.store.actor, "when": writer.now}
        for v in blocked
        if v.rule in overridden
    ]
    pair = writer.insert(
        Pair(wave_id=wave_id, mentor_id=mentor_id, mentee_id=mentee_id, status="proposed",
             score=round(result.total, 1), overrides=overrides)
    )
    if overrides:
        writer.audit("pairs", pair.id, "override", None, {"overrides": overrides})
    return pair


def propose_pair(
    programme: Programme,
    mentor_id: int,
    mentee_id: int,
    wave_id: int,
    *,
    override_reason: str | None = None,
    config: RuleConfig | None = None,
) -> Pair:
    """Create a proposed pair (not yet active) and return it.

    Refused if a hard rule fails, unless ``override_reason`` (a written reason) is given:
    then every failed hard rule that may be overridden is recorded on the pair's
    ``overrides`` and in the audit with that reason. Refused in a closed wave.
    """
    config = config or load_rule_config(programme.store)
    reason = clean(override_reason or "")
    if override_reason is not None and len(reason) < MIN_REASON:
        raise PairingError(f"An override needs a written reason of at least {MIN_REASON} characters.")
    with programme.store.write() as writer:
        return _propose_in(writer, programme, mentor_id, mentee_id, wave_id, config, reason)


def _confirm_in(writer: Writer, programme: Programme, pair_id: int, expected_version: int, config: RuleConfig) -> Pair:
    """Confirm one proposal inside ``writer``'s transaction (see :func:`confirm_pair`)."""
    store = programme.store
    pair = store.get(Pair, pair_id)
    if pair is None:
        raise PairingError("This pair was removed by another coordinator; nothing was saved.")
    if pair.version == expected_version and pair.status != "proposed":
        raise PairingError(f"This pair is already {pair.status.replace('_', ' ')}; only a proposal can be confirmed.")
    wave = store.get(Wave, pair.wave_id)
    _open_wave(wave)
    assert wave is not None
    days = wave_session_days(wave, programme.today())
    started = days[0].isoformat()
    # The update comes first so that a stale version is reported as the conflict it is
    # (who changed the pair); a rule that now fails rolls the whole transaction back.
    version = writer.update("pairs", pair_id, expected_version, {"status": "active", "started_on": started})
    result = _check_in_transaction(programme, pair.mentor_id, pair.mentee_id, pair.wave_id, config, [pair_id])
    refusal = _refusal(result.blocking, {o["rule"] for o in pair.overrides})
    if refusal:
        raise PairingError(refusal)
    if pair.score != round(result.total, 1):
        version = writer.update("pairs", pair_id, version, {"score": round(result.total, 1)})
    pair.status, pair.started_on, pair.version = "active", started, version
    pair.score = round(result.total, 1)
    # The master schedule is set the moment the pair goes ahead, in this same transaction.
    write_pair_plan(writer, pair_id, days=days)
    # Paired applicants become active participants (issue 11: status follows the pair).
    activate_people(writer, (pair.mentor_id, pair.mentee_id))
    return pair


def confirm_pair(programme: Programme, pair_id: int, expected_version: int, *, config: RuleConfig | None = None) -> Pair:
    """Make a proposed pair active and plan its sessions on the wave's master schedule.

    The pair starts with the wave (or today, if the wave has already started) and its
    sessions fall on the wave's days (:func:`rmtui.schedule.wave_session_days`). The rules
    are checked again (a rule overridden when the pair was proposed stays overridden); a
    pair another coordinator changed meanwhile raises ConflictError.
    """
    config = config or load_rule_config(programme.store)
    with programme.store.write() as writer:
        return _confirm_in(writer, programme, pair_id, expected_version, config)


def pair_now(programme: Programme, mentor_id: int, mentee_id: int, wave_id: int,
             *, config: RuleConfig | None = None) -> Pair:
    """Propose and confirm a pair in one step (the coordinator has decided) and return it."""
    config = config or load_rule_config(programme.store)
    proposed = propose_pair(programme, mentor_id, mentee_id, wave_id, config=config)
    assert proposed.id is not None
    return confirm_pair(programme, proposed.id, proposed.version, config=config)


def accept_wave(programme: Programme, wave_id: int, matches: Iterable[tuple[int, int]],
                *, config: RuleConfig | None = None) -> list[Pair]:
    """Accept a whole wave's matching at once: propose and confirm every (mentor id, mentee id).

    One transaction: every pair is re-checked against the rules as the programme is now
    (and against the pairs accepted before it in the same batch); if any fails, nothing is
    saved and PairingError names the pair and the rule. An existing proposal of the same
    two people in the wave is confirmed rather than duplicated. The batch is audited as one
    "accept wave" entry besides each pair's own rows. Returns the active pairs.
    """
    config = config or load_rule_config(programme.store)
    store = programme.store
    matches = list(matches)
    names = dict(store.query_tuples("SELECT id, name FROM participants"))
    accepted: list[Pair] = []
    with store.write() as writer:
        for mentor_id, mentee_id in matches:
            try:
                existing = store.all(Pair, "wave_id = ? AND mentor_id = ? AND mentee_id = ? AND status = 'proposed'",
                                     (wave_id, mentor_id, mentee_id))
                proposal = existing[0] if existing else _propose_in(writer, programme, mentor_id, mentee_id, wave_id, config)
                assert proposal.id is not None
                accepted.append(_confirm_in(writer, programme, proposal.id, proposal.version, config))
            except PairingError as error:
                who = f"{names.get(mentor_id, mentor_id)} with {names.get(mentee_id, mentee_id)}"
                raise PairingError(f"{who}: {error} Nothing was saved; match the wave again.") from error
        writer.audit("waves", wave_id, "accept wave", None, {"pairs": [p.id for p in accepted]})
    return accepted


def withdraw_proposal(programme: Programme, pair_id: int, expected_version: int) -> None:
    """Delete a proposed pair that will not go ahead (audited); active pairs are closed instead."""
    with programme.store.write() as writer:
        pair = programme.store.get(Pair, pair_id)
        if pair is None:
            return
        if pair.status != "proposed":
            raise PairingError("Only a proposal can be withdrawn; close an active pair early instead (x).")
        cursor = writer.execute("DELETE FROM pairs WHERE id = ? AND version = ?", (pair_id, expected_version))
        if cursor.rowcount == 0:
            raise writer.conflict("pairs", pair_id, expected_version)
        # The whole row (not only its two people), so undo can put the proposal back as it was.
        writer.audit("pairs", pair_id, "withdraw", pair.to_row(), None)


def close_wording(code: str, note: str = "") -> str:
    """Return the no-blame sentence for a close reason code (and the coordinator's note)."""
    label = CLOSE_REASONS[code]
    note = clean(note)
    return f"{label}: {note}" if note else label


def close_pair(programme: Programme, pair_id: int, expected_version: int, code: str, note: str = "") -> Pair:
    """Close a pair early with a no-blame reason; its remaining sessions are cancelled.

    ``code`` is one of CLOSE_REASONS; "other" needs a note. Both people are then free to be
    offered someone new (never each other again).
    """
    if code not in CLOSE_REASONS:
        raise PairingError(f"Unknown close reason {code!r}; choose one of: {', '.join(CLOSE_REASONS)}.")
    if code == "other" and not clean(note):
        raise PairingError("Say in a few words why the pair is closing when the reason is Other.")
    with programme.store.write() as writer:
        pair = programme.store.get(Pair, pair_id)
        if pair is None:
            raise PairingError("This pair was removed by another coordinator; nothing was saved.")
        if pair.version == expected_version and pair.status not in ("active", "paused"):
            raise PairingError(f"Only an active or paused pair can be closed early; this one is {pair.status.replace('_', ' ')}.")
        ended = programme.today().isoformat()
        reason = f"{code}: {clean(note)}" if clean(note) else code
        version = writer.update(
            "pairs", pair_id, expected_version, {"status": "closed_early", "ended_on": ended, "close_reason": reason}
        )
        was = dict(writer.execute(
            "SELECT id, status FROM sessions WHERE pair_id = ? AND status IN ('planned', 'scheduled')", (pair_id,)
        ).fetchall())
        cancelled = writer.execute(
            "UPDATE sessions SET status = 'cancelled', version = version + 1, updated_at = ? "
            "WHERE pair_id = ? AND status IN ('planned', 'scheduled')",
            (writer.now, pair_id),
        ).rowcount
        if cancelled:
            # "was": each session's status before, so undo can reopen exactly these.
            writer.audit("sessions", None, "cancel", None, {"pair_id": pair_id, "sessions": cancelled, "was": was})
    pair.status, pair.ended_on, pair.close_reason, pair.version = "closed_early", ended, reason, version
    return pair
