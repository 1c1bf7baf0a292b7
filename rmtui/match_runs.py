"""Match runs you can compare: every whole-cohort matching of a wave is kept, named, and can
be compared with another or accepted as a whole later (issue 15, item 3).

A run keeps what it ran under (the rules and weights, the pins) and what it found (each
proposal with its score and the soft rules it missed, everyone left over and why, how many
candidate pairs each hard rule ruled out), so a comparison reads only the two stored runs.
Accepting a run later re-checks each of its pairs against the programme as it is then.

Definitions the screens and the command line repeat:

- **total score**: the sum of the scores of every pair in the run (pinned ones included).
- **binding rule**: the hard rule that rules out the most mentee × mentor candidate pairs
  of the run (mentees still free × mentors with room); when no hard rule rules any out,
  the soft rule that costs the run's pairs the most score points.
- **department share**: for each mentee department, the mentees the run matched over the
  mentees it tried to place (the wave's free mentees, and the pinned ones).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rmtui.db import ConflictError, Pair, Store, StoreError, Wave
from rmtui.error_log import UserError
from rmtui.matching import CohortMatch, Pool, load_pool, match_cohort
from rmtui.pairing import PairingError, _check_in_transaction, _confirm_in, _open_wave, _propose_in
from rmtui.programme import Programme
from rmtui.rule_settings import SPECS, RuleConfig, load_rule_config
from rmtui.rules import check_pair
from rmtui.text import clean
from rmtui.undo import KEEP_RUN


class MatchRunError(UserError):
    """A run that cannot be named, found or accepted; the message says why and what to do."""


@dataclass(frozen=True)
class RunPair:
    """One pair a run proposed: ids and names as they were, its score, the soft rules it missed."""

    mentee_id: int
    mentor_id: int
    mentee: str
    mentor: str
    score: float
    pinned: bool = False
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[int, int]:
        """(mentee id, mentor id): the same pair in two runs."""
        return (self.mentee_id, self.mentor_id)


@dataclass(frozen=True)
class RunLeft:
    """Someone a run could not place, and why."""

    person_id: int
    name: str
    role: str
    why: str


@dataclass(frozen=True)
class Binding:
    """The rule that binds a run most: what it blocks (hard) or costs (soft)."""

    rule: str
    label: str
    hard: bool
    amount: float  # candidate pairs blocked, or score points lost
    out_of: int  # candidate pairs weighed, or pairs in the run

    def describe(self) -> str:
        """Return e.g. "Different line of business: blocks 42 of 90 candidate pairs"."""
        if self.hard:
            return f"{self.label}: blocks {self.amount:.0f} of {self.out_of} candidate pairs"
        return f"{self.label}: costs {self.amount:.0f} points over {self.out_of} pairs"


@dataclass(frozen=True)
class RunSummary:
    """One kept run as a list shows it."""

    id: int
    wave_id: int
    name: str
    created_at: str
    actor: str
    total: float
    matched: int
    unmatched: int


@dataclass(frozen=True)
class MatchRun:
    """A kept matching run of one wave."""

    id: int
    wave_id: int
    name: str
    created_at: str
    actor: str
    rules: dict[str, Any]
    pins: list[tuple[int, int]]
    pairs: list[RunPair]
    unmatched: list[RunLeft]
    blocked: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    costs: dict[str, float] = field(default_factory=dict)
    mentees: dict[int, str] = field(default_factory=dict)  # mentee id → department, every mentee tried

    @property
    def total(self) -> float:
        return sum(p.score for p in self.pairs)

    @property
    def matched(self) -> int:
        return len(self.pairs)

    @property
    def unmatched_mentees(self) -> int:
        return sum(1 for left in self.unmatched if left.role == "mentee")

    @property
    def binding(self) -> Binding | None:
        """Return the rule that binds this run most (see the module's definition), or None."""
        blocked = [(count, rule) for rule, count in self.blocked.items() if count > 0]
        if blocked:
            count, rule = max(blocked, key=lambda cr: cr[0])  # max keeps the first of equals: rule order
            return Binding(rule, _label(rule), True, count, self.candidates)
        costs = [(points, rule) for rule, points in self.costs.items() if points > 0.05]
        if costs:
            points, rule = max(costs, key=lambda pr: pr[0])
            return Binding(rule, _label(rule), False, points, len(self.pairs))
        return None

    def department_shares(self) -> dict[str, tuple[int, int]]:
        """Return mentee department → (mentees matched, mentees tried)."""
        matched = {p.mentee_id for p in self.pairs}
        shares: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for mentee_id, department in self.mentees.items():
            share = shares[department or "—"]
            share[1] += 1
            share[0] += mentee_id in matched
        return {department: (m, n) for department, (m, n) in shares.items()}


def _label(rule_id: str) -> str:
    spec = SPECS.get(rule_id)
    return spec.label if spec is not None else rule_id


# -- keeping a run ------------------------------------------------------------------------


def _result_value(pool: Pool, wave_id: int, config: RuleConfig, result: CohortMatch,
                  departments: dict[int, str]) -> dict[str, Any]:
    """Return the JSON a run keeps of ``result``: pairs with their rule notes, who was left,
    what each hard rule blocked and what each soft rule cost the pairs."""
    facts = pool.facts(wave_id)
    costs: dict[str, float] = defaultdict(float)
    pairs = []
    for proposal in result.proposals:
        verdicts = check_pair(proposal.mentor, proposal.mentee, facts, config)
        soft = [v for v in verdicts if not v.hard and v.weight > 0]
        weights = sum(v.weight for v in soft)
        for verdict in soft:
            costs[verdict.rule] += 100 * verdict.weight * (1 - verdict.fit) / weights
        pairs.append({
            "mentee_id": proposal.mentee.id, "mentor_id": proposal.mentor.id,
            "mentee": proposal.mentee.name, "mentor": proposal.mentor.name,
            "score": round(proposal.score, 2), "pinned": proposal.pinned,
            "notes": [v.label for v in soft if v.outcome != "pass"],
        })
    unmatched = [{"id": left.person.id, "name": left.person.name, "role": left.person.role, "why": left.why}
                 for left in result.unmatched]
    mentee_ids = [p.mentee.id for p in result.proposals] + [u.person.id for u in result.unmatched
                                                              if u.person.role == "mentee"]
    return {
        "pairs": pairs,
        "unmatched": unmatched,
        "blocked": dict(result.blocked),
        "candidates": result.candidates,
        "costs": {rule: round(points, 2) for rule, points in costs.items()},
        "mentees": [[i, departments.get(i, "")] for i in mentee_ids],
    }


def _departments(store: Store, ids: list[int]) -> dict[int, str]:
    rows = store.query_tuples(
        "SELECT id, department FROM participants WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))
    return {row[0]: row[1] or "" for row in rows}


def default_name(store: Store, wave_id: int, clock_time: str) -> str:
    """Return the next free "run N · HH:MM" name of the wave (N one more than its runs)."""
    taken = {row[0].casefold() for row in store.query_tuples("SELECT name FROM match_runs WHERE wave_id = ?", (wave_id,))}
    number = len(taken) + 1
    while f"run {number} · {clock_time}".casefold() in taken:
        number += 1
    return f"run {number} · {clock_time}"


RUN_NAME_MAX = 60
"""A run's name is read in lists and side by side: a short label, not a note."""


def save_run(programme: Programme, wave_id: int, pool: Pool, config: RuleConfig, result: CohortMatch,
             *, pins: list[tuple[int, int]] | tuple = (), name: str | None = None) -> MatchRun:
    """Keep ``result`` (a matching of ``wave_id`` over ``pool`` under ``config`` with ``pins``)
    as a named run and return it; audited. ``name`` None takes the next "run N · HH:MM"."""
    store = programme.store
    chosen = clean(name or "").strip()
    if name is not None and not chosen:
        raise MatchRunError("A run's name cannot be empty; leave it out for the next “run N · HH:MM”.")
    if len(chosen) > RUN_NAME_MAX:
        raise MatchRunError(f"A run's name is too long: {len(chosen):,} characters, at most {RUN_NAME_MAX}.")
    mentee_ids = [p.mentee.id for p in result.proposals] + [u.person.id for u in result.unmatched if u.person.role == "mentee"]
    value = _result_value(pool, wave_id, config, result, _departments(store, mentee_ids))
    total = sum(p["score"] for p in value["pairs"])
    clock_time = programme.clock.now().in_timezone(programme.timezone).strftime("%H:%M")
    with store.write() as writer:
        run_name = chosen or default_name(store, wave_id, clock_time)
        if store.scalar("SELECT 1 FROM match_runs WHERE wave_id = ? AND name = ?", (wave_id, run_name)):
            raise MatchRunError(f"The wave already has a run named “{run_name}”; choose another name.")
        cursor = writer.execute(
            "INSERT INTO match_runs (wave_id, name, created_at, actor, rules, pins, result, total, matched, unmatched) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (wave_id, run_name, writer.now, store.actor, json.dumps(config.to_value(), ensure_ascii=False),
             json.dumps([list(p) for p in pins]), json.dumps(value, ensure_ascii=False), round(total, 2),
             len(value["pairs"]), len(value["unmatched"])),
        )
        run_id = int(cursor.lastrowid or 0)
        writer.audit("match_runs", run_id, KEEP_RUN, None,
                     {"wave_id": wave_id, "name": run_name, "pairs": len(value["pairs"]),
                      "unmatched": len(value["unmatched"]), "total": round(total, 1)})
    found = load_run(store, wave_id, str(run_id))
    return found


# -- reading runs -------------------------------------------------------------------------


def list_runs(store: Store, wave_id: int) -> list[RunSummary]:
    """Return the wave's kept runs, newest first (by id: the order they were saved in, whatever
    each coordinator's clock said)."""
    rows = store.query_tuples(
        "SELECT id, wave_id, name, created_at, actor, total, matched, unmatched FROM match_runs "
        "WHERE wave_id = ? ORDER BY id DESC", (wave_id,))
    return [RunSummary(*row) for row in rows]


def _from_row(row: tuple) -> MatchRun:
    run_id, wave_id, name, created_at, actor, rules, pins, result = row
    value = json.loads(result)
    return MatchRun(
        id=run_id, wave_id=wave_id, name=name, created_at=created_at, actor=actor,
        rules=json.loads(rules), pins=[(int(a), int(b)) for a, b in json.loads(pins)],
        pairs=[RunPair(p["mentee_id"], p["mentor_id"], p["mentee"], p["mentor"], float(p["score"]),
                       bool(p.get("pinned")), tuple(p.get("notes", ()))) for p in value.get("pairs", [])],
        unmatched=[RunLeft(u["id"], u["name"], u["role"], u["why"]) for u in value.get("unmatched", [])],
        blocked={k: int(v) for k, v in value.get("blocked", {}).items()},
        candidates=int(value.get("candidates", 0)),
        costs={k: float(v) for k, v in value.get("costs", {}).items()},
        mentees={int(i): str(d) for i, d in value.get("mentees", [])},
    )


_RUN_SQL = "SELECT id, wave_id, name, created_at, actor, rules, pins, result FROM match_runs"


def load_run(store: Store, wave_id: int, which: str) -> MatchRun:
    """Return the wave's run named ``which`` (any case) or numbered ``which``; MatchRunError if none."""
    text = clean(which).strip()
    rows = store.query_tuples(f"{_RUN_SQL} WHERE wave_id = ? AND name = ?", (wave_id, text))
    if not rows and text.lstrip("#").isdigit():
        rows = store.query_tuples(f"{_RUN_SQL} WHERE wave_id = ? AND id = ?", (wave_id, int(text.lstrip("#"))))
    if not rows:
        names = [r.name for r in list_runs(store, wave_id)[:5]]
        known = f"; its runs: {', '.join(names)}" if names else "; it has no runs yet (rmtui match --wave NAME keeps one)"
        raise MatchRunError(f"The wave has no run “{text}”{known}.")
    return _from_row(rows[0])


def newest_other(store: Store, wave_id: int, run: MatchRun) -> MatchRun:
    """Return the wave's newest run other than ``run``; MatchRunError when it has no other."""
    for summary in list_runs(store, wave_id):
        if summary.id != run.id:
            return load_run(store, wave_id, str(summary.id))
    raise MatchRunError(f"“{run.name}” is the wave's only run; match the wave again to have two to compare.")


# -- comparing two runs -------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentShare:
    """One mentee department in two runs: (matched, tried) in each."""

    department: str
    a: tuple[int, int]
    b: tuple[int, int]


@dataclass(frozen=True)
class Comparison:
    """Two runs side by side: their figures, the pairs that differ, department shares."""

    a: MatchRun
    b: MatchRun
    only_a: list[RunPair]
    only_b: list[RunPair]
    both: list[tuple[RunPair, RunPair]]
    departments: list[DepartmentShare]

    def lines(self) -> list[str]:
        """Return the comparison as plain lines (what ``rmtui match --compare`` prints)."""
        a, b = self.a, self.b
        name_a, name_b = clean(a.name), clean(b.name)
        width = max(len(name_a), 12)

        def row(label: str, left: object, right: object) -> str:
            return f"{label:<22}{left!s:<{width}}  {right!s}".rstrip()

        out = [row("", name_a, name_b), row("total score", f"{a.total:.0f}", f"{b.total:.0f}"),
               row("matched", a.matched, b.matched), row("unmatched", len(a.unmatched), len(b.unmatched)),
               row("pairs in both", len(self.both), len(self.both))]
        out.append("Binding rule (the hard rule blocking most candidate pairs, else the soft rule costing most points):")
        for run in (a, b):
            binding = run.binding
            out.append(f"  {clean(run.name)}: {binding.describe() if binding else 'none'}")
        for name, only in ((name_a, self.only_a), (name_b, self.only_b)):
            out.append(f"Only in {name}: {len(only)}")
            out += [f"  {p.score:5.1f}  {clean(p.mentor)} (mentor) → {clean(p.mentee)} (mentee)" for p in only]
        out.append("Mentees matched per department (matched/tried):")
        out += [row(f"  {clean(share.department)[:19]}", _share(share.a), _share(share.b)) for share in self.departments]
        return out


def _share(figures: tuple[int, int]) -> str:
    matched, tried = figures
    return f"{matched}/{tried} ({100 * matched / tried:.0f}%)" if tried else "—"


def share_text(figures: tuple[int, int]) -> str:
    """Return "3/4 (75%)" for (matched, tried), "—" when none were tried."""
    return _share(figures)


def compare(a: MatchRun, b: MatchRun) -> Comparison:
    """Return runs ``a`` and ``b`` side by side (see the module for what each figure means)."""
    in_a = {p.key: p for p in a.pairs}
    in_b = {p.key: p for p in b.pairs}
    shares_a, shares_b = a.department_shares(), b.department_shares()
    departments = [
        DepartmentShare(name, shares_a.get(name, (0, 0)), shares_b.get(name, (0, 0)))
        for name in sorted(shares_a.keys() | shares_b.keys(), key=str.casefold)
    ]
    return Comparison(
        a, b,
        only_a=[p for key, p in in_a.items() if key not in in_b],
        only_b=[p for key, p in in_b.items() if key not in in_a],
        both=[(p, in_b[key]) for key, p in in_a.items() if key in in_b],
        departments=departments,
    )


# -- accepting a kept run -----------------------------------------------------------------


@dataclass(frozen=True)
class RunAccepted:
    """What accepting a run did: the pairs confirmed, and those dropped with the reason."""

    run: MatchRun
    accepted: list[Pair]
    dropped: list[tuple[RunPair, str]]


def accept_run(programme: Programme, run: MatchRun, *, config: RuleConfig | None = None) -> RunAccepted:
    """Accept a kept run as a whole, re-checked: each pair is checked against the programme as
    it is now (people withdrawn or already paired, mentors' places, the hard rules of the
    current configuration, and the pairs accepted before it in this batch); the pairs still
    valid are proposed and confirmed with their sessions planned, the others are dropped
    with the reason. One transaction, audited as one "accept run" besides each pair's rows.
    """
    config = config or load_rule_config(programme.store)
    store = programme.store
    accepted: list[Pair] = []
    dropped: list[tuple[RunPair, str]] = []
    with store.write() as writer:
        try:
            _open_wave(store.get(Wave, run.wave_id))
        except PairingError as error:
            raise MatchRunError(str(error)) from error
        for pair in run.pairs:
            try:
                reason = _still_invalid(programme, pair, run.wave_id, config)
            except PairingError as error:
                reason = str(error)
            if reason:
                dropped.append((pair, reason))
                continue
            writer.execute("SAVEPOINT run_pair")
            try:
                existing = store.all(Pair, "wave_id = ? AND mentor_id = ? AND mentee_id = ? AND status = 'proposed'",
                                     (run.wave_id, pair.mentor_id, pair.mentee_id))
                proposal = existing[0] if existing else _propose_in(writer, programme, pair.mentor_id, pair.mentee_id,
                                                                   run.wave_id, config)
                assert proposal.id is not None
                accepted.append(_confirm_in(writer, programme, proposal.id, proposal.version, config))
            except (PairingError, ConflictError, StoreError) as error:
                writer.execute("ROLLBACK TO run_pair")
                dropped.append((pair, str(error)))
            writer.execute("RELEASE run_pair")
        writer.audit("match_runs", run.id, "accept run", None,
                     {"name": run.name, "pairs": [p.id for p in accepted],
                      "dropped": [[p.mentee_id, p.mentor_id, why] for p, why in dropped]})
    return RunAccepted(run, accepted, dropped)


def _still_invalid(programme: Programme, pair: RunPair, wave_id: int, config: RuleConfig) -> str | None:
    """Return why ``pair`` can no longer be made (the first hard rule it now fails), or None."""
    existing = programme.store.scalar(
        "SELECT status FROM pairs WHERE wave_id = ? AND mentor_id = ? AND mentee_id = ? AND status != 'proposed'",
        (wave_id, pair.mentor_id, pair.mentee_id))
    if existing is not None:
        return f"already paired in this wave ({existing.replace('_', ' ')})"
    own = [i for i, in programme.store.query_tuples(
        "SELECT id FROM pairs WHERE wave_id = ? AND mentor_id = ? AND mentee_id = ? AND status = 'proposed'",
        (wave_id, pair.mentor_id, pair.mentee_id))]
    result = _check_in_transaction(programme, pair.mentor_id, pair.mentee_id, wave_id, config, own)
    blocked = result.blocking
    return blocked[0].reason if blocked else None


def match_and_keep(programme: Programme, wave_id: int, *, pins: list[tuple[int, int]] | tuple = (),
                   name: str | None = None) -> tuple[CohortMatch, MatchRun | None]:
    """Match the wave's free mentees (keeping ``pins``) under the programme's rules, keep the
    run (named ``name``, else the next "run N · HH:MM") and return (the matching, the run).
    A viewer, who may not write, gets the matching and no run (None)."""
    config = load_rule_config(programme.store)
    pool = load_pool(programme.store, programme.today())
    result = match_cohort(pool, wave_id, config, pinned=pins)
    if not programme.store.may_edit():
        return result, None
    return result, save_run(programme, wave_id, pool, config, result, pins=list(pins), name=name)
