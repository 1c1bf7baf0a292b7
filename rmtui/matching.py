"""Finding matches: candidates for one person, and the best assignment for a whole wave.

Everything is loaded in bulk (one query for people, one for pairs, one for waves) into a
:class:`Pool`. The rules of ``rules.py`` are then computed for many pairs at once as numpy
matrices (:func:`evaluate`): ranking 10,000 candidates or scoring a 1,000 × 1,000 cohort
costs a few array operations, not a million Python calls. The rule panel still asks
``rules.check_pair`` for the one pair under the cursor; a test keeps both in agreement.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from rmtui.db import Store
from rmtui.rule_settings import RuleConfig
from rmtui.rules import (
    AVAILABLE,
    ONGOING,
    RULES,
    Facts,
    Person,
    keywords,
    manager_chain,
    objective_value,
    utc_offset_hours,
)
from rmtui.text import fold


@dataclass(frozen=True, slots=True)
class PairFact:
    """One pair as the rules see it."""

    id: int
    wave_id: int
    mentor_id: int
    mentee_id: int
    status: str


def _json_list(value: str | None) -> list[str]:
    if not value:
        return []
    try:
        decoded = json.loads(value)
    except ValueError:
        return []
    return [str(item) for item in decoded] if isinstance(decoded, list) else []


def _json_dict(value: str | None) -> dict:
    if not value:
        return {}
    try:
        decoded = json.loads(value)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


class Pool:
    """Every participant and pair of the programme, loaded once, with the arrays the rules need."""

    def __init__(
        self,
        people: Sequence[Person],
        pairs: Sequence[PairFact] = (),
        wave_names: dict[int, str] | None = None,
        today: dt.date | None = None,
        managers: dict[int, int | None] | None = None,
    ) -> None:
        self.people: list[Person] = list(people)
        self.by_id: dict[int, Person] = {p.id: p for p in self.people}
        self.position: dict[int, int] = {p.id: i for i, p in enumerate(self.people)}
        self.pairs: list[PairFact] = list(pairs)
        self.wave_names = wave_names or {}
        self.today = today or dt.date.today()
        self.managers: dict[int, int | None] = (
            managers if managers is not None else {p.id: p.manager_id for p in self.people}
        )
        self._chains: dict[int, tuple[int, ...]] = {}

    @cached_property
    def folded_names(self) -> list[str]:
        """Every person's name folded for search (:func:`rmtui.text.fold`), in ``people`` order."""
        return [fold(p.name) for p in self.people]

    # -- facts ---------------------------------------------------------------------

    def facts(self, wave_id: int | None, *, excluding: Iterable[int] = ()) -> Facts:
        """Return the programme facts for pairing in ``wave_id``, ignoring pairs ``excluding``."""
        skip = set(excluding)
        load: Counter[int] = Counter()
        paired: dict[int, set[int]] = defaultdict(set)
        former: set[frozenset[int]] = set()
        for pair in self.pairs:
            if pair.id in skip:
                continue
            if pair.status in ONGOING:
                load[pair.mentor_id] += 1
                paired[pair.mentee_id].add(pair.wave_id)
            if pair.status != "proposed":
                former.add(frozenset((pair.mentor_id, pair.mentee_id)))
        return Facts(
            managers=self.managers,
            mentor_load=dict(load),
            paired_in_wave=dict(paired),
            former=former,
            wave_id=wave_id,
            today=self.today,
            wave_names=self.wave_names,
        )

    def chain(self, person_id: int) -> tuple[int, ...]:
        """Return ``person_id``'s managers up the line (memoised, cycle-safe)."""
        found = self._chains.get(person_id)
        if found is None:
            found = self._chains[person_id] = tuple(manager_chain(person_id, self.managers))
        return found

    @cached_property
    def reports(self) -> dict[int, list[int]]:
        """Return manager id → the ids of their direct reports."""
        reports: dict[int, list[int]] = defaultdict(list)
        for person in self.people:
            if person.manager_id is not None:
                reports[person.manager_id].append(person.id)
        return reports

    def line_of(self, person_id: int) -> set[int]:
        """Return everyone above or below ``person_id`` in the reporting line (cycle-safe)."""
        line = set(self.chain(person_id))
        todo = list(self.reports.get(person_id, ()))
        while todo:
            current = todo.pop()
            if current in line or current == person_id:
                continue
            line.add(current)
            todo.extend(self.reports.get(current, ()))
        return line

    # -- arrays over every person (built once) ---------------------------------------

    @cached_property
    def ids(self) -> np.ndarray:
        return np.array([p.id for p in self.people], dtype=np.int64)

    def _codes(self, values: Iterable[str]) -> np.ndarray:
        table: dict[str, int] = {"": 0}
        return np.array([table.setdefault(v, len(table)) for v in values], dtype=np.int64)

    @cached_property
    def is_mentor(self) -> np.ndarray:
        return np.array([p.role == "mentor" for p in self.people], dtype=bool)

    @cached_property
    def is_mentee(self) -> np.ndarray:
        return np.array([p.role == "mentee" for p in self.people], dtype=bool)

    @cached_property
    def available(self) -> np.ndarray:
        return np.array([p.status in AVAILABLE for p in self.people], dtype=bool)

    @cached_property
    def levels(self) -> np.ndarray:
        return np.array([np.nan if p.level is None else p.level for p in self.people], dtype=np.float64)

    @cached_property
    def business(self) -> np.ndarray:
        return self._codes(fold(p.line_of_business) for p in self.people)

    @cached_property
    def teams(self) -> np.ndarray:
        return self._codes(fold(p.team) for p in self.people)

    @cached_property
    def capacity(self) -> np.ndarray:
        return np.array([p.capacity for p in self.people], dtype=np.int64)

    @cached_property
    def offsets(self) -> np.ndarray:
        values = [utc_offset_hours(p.timezone, self.today) for p in self.people]
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    def _incidence(self, items: Sequence[Iterable[str]]) -> tuple[sparse.csr_matrix, list[str]]:
        vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for row, keys in enumerate(items):
            for key in keys:
                rows.append(row)
                cols.append(vocabulary.setdefault(key, len(vocabulary)))
        matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(len(items), max(1, len(vocabulary)))
        )
        return matrix, list(vocabulary)

    @cached_property
    def interest_matrix(self) -> sparse.csr_matrix:
        return self._incidence([p.interests.keys() for p in self.people])[0]

    @cached_property
    def goal_matrix(self) -> tuple[sparse.csr_matrix, list[str]]:
        return self._incidence([p.goals for p in self.people])

    @cached_property
    def competency_matrix(self) -> tuple[sparse.csr_matrix, list[str]]:
        return self._incidence([p.competencies for p in self.people])

    @cached_property
    def shared_keywords(self) -> np.ndarray:
        """Return how many keywords every goal shares with every competency (vocabularies)."""
        (goal_people, goals), (competency_people, competencies) = self.goal_matrix, self.competency_matrix
        shared = np.zeros((goal_people.shape[1], competency_people.shape[1]))
        if goals and competencies:
            goal_words, words = self._incidence([keywords(g) for g in goals])
            competency_words = self._incidence_with([keywords(c) for c in competencies], words)
            shared[: len(goals), : len(competencies)] = (goal_words @ competency_words.T).toarray()
        return shared

    def _incidence_with(self, items: Sequence[Iterable[str]], vocabulary: list[str]) -> sparse.csr_matrix:
        at = {key: i for i, key in enumerate(vocabulary)}
        rows, cols = [], []
        for row, keys in enumerate(items):
            for key in keys:
                if key in at:
                    rows.append(row)
                    cols.append(at[key])
        return sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(max(1, len(items)), max(1, len(vocabulary)))
        )

    @cached_property
    def goal_counts(self) -> np.ndarray:
        return np.array([len(p.goals) for p in self.people], dtype=np.float64)

    @cached_property
    def competency_counts(self) -> np.ndarray:
        return np.array([len(p.competencies) for p in self.people], dtype=np.int64)

    def objective_codes(self, attribute: str) -> np.ndarray:
        return self._codes(objective_value(p, attribute) for p in self.people)


_PEOPLE_SQL = (
    "SELECT id, name, role, level, line_of_business, team, manager_id, timezone, status, "
    "capacity, hobbies, interests, development_goals, competencies, attributes FROM participants"
)


def load_pool(store: Store, today: dt.date) -> Pool:
    """Return every participant, pair and wave name of the programme, read in three queries."""
    with store.snapshot():
        people_rows = store.query_tuples(_PEOPLE_SQL)
        pair_rows = store.query_tuples("SELECT id, wave_id, mentor_id, mentee_id, status FROM pairs")
        wave_rows = store.query_tuples("SELECT id, name FROM waves")
    return _pool(people_rows, pair_rows, wave_rows, today)


def load_pair_pool(store: Store, today: dt.date, person_ids: Sequence[int]) -> Pool:
    """Return a Pool of just ``person_ids`` and their pairs, with the whole manager chain.

    Cheap enough to run inside a write transaction, so a pair is checked against the
    programme as it is at the moment it is saved.
    """
    marks = ", ".join("?" for _ in person_ids)
    people_rows = store.query_tuples(f"{_PEOPLE_SQL} WHERE id IN ({marks})", tuple(person_ids))
    pair_rows = store.query_tuples(
        f"SELECT id, wave_id, mentor_id, mentee_id, status FROM pairs "
        f"WHERE mentor_id IN ({marks}) OR mentee_id IN ({marks})",
        (*person_ids, *person_ids),
    )
    wave_rows = store.query_tuples("SELECT id, name FROM waves")
    managers = dict(store.query_tuples("SELECT id, manager_id FROM participants"))
    return _pool(people_rows, pair_rows, wave_rows, today, managers)


def _pool(people_rows, pair_rows, wave_rows, today, managers=None) -> Pool:
    people = [
        Person.make(
            row[0],
            row[1],
            row[2],
            level=row[3],
            line_of_business=row[4],
            team=row[5],
            manager_id=row[6],
            timezone=row[7],
            status=row[8],
            capacity=row[9],
            hobbies=_json_list(row[10]),
            interests=_json_list(row[11]),
            development_goals=_json_list(row[12]),
            competencies=_json_list(row[13]),
            attributes=_json_dict(row[14]),
        )
        for row in people_rows
    ]
    pairs = [PairFact(*row) for row in pair_rows]
    return Pool(people, pairs, {row[0]: row[1] for row in wave_rows}, today, managers)


# -- the rules, for many pairs at once -------------------------------------------------


@dataclass
class Evaluation:
    """The rules computed for every mentee row × mentor column."""

    mentees: np.ndarray  # pool positions of the rows
    mentors: np.ndarray  # pool positions of the columns
    allowed: np.ndarray  # bool: no hard rule fails
    score: np.ndarray  # 0..100
    failures: dict[str, np.ndarray] = field(default_factory=dict)  # hard rule → bool "fails" matrix


def evaluate(pool: Pool, rows: np.ndarray, cols: np.ndarray, facts: Facts, config: RuleConfig) -> Evaluation:
    """Return the rules of ``config`` for mentee positions ``rows`` × mentor positions ``cols``."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    shape = (len(rows), len(cols))
    total = np.zeros(shape, dtype=np.float64)
    weights = 0.0
    allowed = np.ones(shape, dtype=bool)
    failures: dict[str, np.ndarray] = {}
    for rule_id, setting in config.rules.items():
        if not setting.enabled:
            continue
        met, fit = RULES[rule_id].matrix(setting.params, pool, rows, cols, facts)
        if setting.hard:
            fails = ~np.broadcast_to(met, shape)
            failures[rule_id] = fails
            allowed &= ~fails
        elif setting.weight > 0:
            weights += setting.weight
            total = total + setting.weight * np.broadcast_to(met.astype(np.float64) if fit is None else fit, shape)
    score = 100 * total / weights if weights else np.zeros(shape)
    return Evaluation(rows, cols, allowed, score, failures)


# -- candidates for one person ---------------------------------------------------------


@dataclass
class Ranking:
    """Candidates for one person, best first; those a hard rule blocks come last."""

    person: Person
    candidates: list[Person]
    scores: list[float]
    allowed: list[bool]
    first_failure: list[str | None]  # the first hard rule that blocks, by rule id

    def __len__(self) -> int:
        return len(self.candidates)


def rank_candidates(
    pool: Pool,
    person_id: int,
    config: RuleConfig,
    wave_id: int | None,
    *,
    excluding: Iterable[int] = (),
) -> Ranking:
    """Return the people ``person_id`` could be paired with, ranked by score.

    Former partners are never offered. Pairs ``excluding`` (the person's own proposals)
    are left out of the facts, so the ranking shows what a fresh choice would allow.
    """
    person = pool.by_id[person_id]
    facts = pool.facts(wave_id, excluding=excluding)
    me = np.array([pool.position[person_id]], dtype=np.int64)
    other = pool.is_mentor if person.role == "mentee" else pool.is_mentee
    others = np.flatnonzero(other & (pool.ids != person_id))
    former = {next(iter(p - {person_id})) for p in facts.former if person_id in p and len(p) == 2}
    if former:
        keep = np.fromiter((int(i) not in former for i in pool.ids[others]), dtype=bool, count=len(others))
        others = others[keep]
    if person.role == "mentee":
        result = evaluate(pool, me, others, facts, config)
        allowed, score = result.allowed[0], result.score[0]
        failures = {rule: fails[0] for rule, fails in result.failures.items()}
    else:
        result = evaluate(pool, others, me, facts, config)
        allowed, score = result.allowed[:, 0], result.score[:, 0]
        failures = {rule: fails[:, 0] for rule, fails in result.failures.items()}
    order = np.lexsort((pool.ids[others], -score, ~allowed))
    first = np.full(len(others), -1, dtype=np.int64)
    rule_names = list(failures)
    for k in range(len(rule_names) - 1, -1, -1):
        first[failures[rule_names[k]]] = k
    return Ranking(
        person=person,
        candidates=[pool.people[i] for i in others[order].tolist()],
        scores=score[order].tolist(),
        allowed=allowed[order].tolist(),
        first_failure=[rule_names[f] if f >= 0 else None for f in first[order].tolist()],
    )


# -- the whole cohort of a wave ---------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """One suggested pair of a cohort matching."""

    mentee: Person
    mentor: Person
    score: float
    pinned: bool = False


@dataclass(frozen=True)
class Unmatched:
    """Someone the matching could not place, and why."""

    person: Person
    why: str


@dataclass
class CohortMatch:
    """The best assignment for a wave, compared with a greedy pass."""

    proposals: list[Proposal]
    total: float
    greedy_total: float
    greedy_pairs: int
    unmatched: list[Unmatched]
    blocked: dict[str, int] = field(default_factory=dict)
    """Hard rule id → how many of the mentee × mentor candidate pairs it rules out."""
    candidates: int = 0
    """How many mentee × mentor candidate pairs the matching weighed (mentees free × mentors with room)."""

    @property
    def new_pairs(self) -> list[Proposal]:
        return [p for p in self.proposals if not p.pinned]


def _optimal(weight: np.ndarray, allowed: np.ndarray, slots: np.ndarray) -> list[tuple[int, int]]:
    """Return (row, mentor column) pairs: most pairs first, then the highest total score."""
    if weight.size == 0 or not allowed.any():
        return []
    columns = np.repeat(np.arange(weight.shape[1]), slots)
    if columns.size == 0:
        return []
    big = 100.0 * (min(weight.shape[0], columns.size) + 1)
    profit = np.where(allowed, weight + big, 0.0)[:, columns]
    rows, cols = linear_sum_assignment(profit, maximize=True)
    chosen = columns[cols]
    return [(int(r), int(c)) for r, c in zip(rows, chosen) if allowed[r, c]]


def _greedy(weight: np.ndarray, allowed: np.ndarray, slots: np.ndarray) -> list[tuple[int, int]]:
    """Return pairs taken best score first while people and places last (the comparison)."""
    left = slots.copy()
    taken_rows: set[int] = set()
    chosen = []
    flat = np.flatnonzero(allowed.ravel())
    if flat.size == 0:
        return []
    order = flat[np.argsort(-weight.ravel()[flat], kind="stable")]
    n_rows = weight.shape[0]
    for index in order.tolist():
        r, c = divmod(index, weight.shape[1])
        if r in taken_rows or left[c] <= 0:
            continue
        taken_rows.add(r)
        left[c] -= 1
        chosen.append((r, c))
        if len(taken_rows) == n_rows or not left.any():
            break
    return chosen


def match_cohort(
    pool: Pool,
    wave_id: int,
    config: RuleConfig,
    *,
    pinned: Iterable[tuple[int, int]] = (),
) -> CohortMatch:
    """Return the assignment of the wave's unpaired mentees to mentors with room.

    It places as many mentees as the hard rules and mentor capacities allow and, among
    those assignments, maximises the total score (scipy's linear_sum_assignment, a mentor
    of capacity k appearing as k columns). ``pinned`` (mentee id, mentor id) pairs are kept
    as they are. Everyone left over is listed with the rules that blocked them.
    """
    facts = pool.facts(wave_id)
    pinned = list(pinned)
    pinned_mentees = {mentee for mentee, _ in pinned}
    pinned_load = Counter(mentor for _, mentor in pinned)
    mentee_free = np.array(
        [wave_id not in facts.paired_in_wave.get(int(i), set()) and int(i) not in pinned_mentees for i in pool.ids],
        dtype=bool,
    )
    rows = np.flatnonzero(pool.is_mentee & pool.available & mentee_free)
    load = np.array([facts.mentor_load.get(int(i), 0) + pinned_load[int(i)] for i in pool.ids], dtype=np.int64)
    room = np.maximum(pool.capacity - load, 0)
    cols = np.flatnonzero(pool.is_mentor & pool.available & (room > 0))
    result = evaluate(pool, rows, cols, facts, config)
    slots = room[cols]
    chosen = _optimal(result.score, result.allowed, slots)
    greedy = _greedy(result.score, result.allowed, slots)

    proposals = [
        Proposal(pool.by_id[mentee], pool.by_id[mentor], _pinned_score(pool, facts, config, mentee, mentor), True)
        for mentee, mentor in pinned
    ]
    proposals += [
        Proposal(pool.people[int(rows[r])], pool.people[int(cols[c])], float(result.score[r, c]))
        for r, c in sorted(chosen, key=lambda rc: -result.score[rc])
    ]
    matched_rows = {r for r, _ in chosen}
    used = Counter(c for _, c in chosen)
    unmatched = [
        Unmatched(pool.people[int(rows[r])], _why(result, r, None, config))
        for r in range(len(rows))
        if r not in matched_rows
    ]
    unmatched += [
        Unmatched(pool.people[int(cols[c])], _why(result, None, c, config))
        for c in range(len(cols))
        if used[c] == 0
    ]
    return CohortMatch(
        proposals=proposals,
        total=float(sum(result.score[r, c] for r, c in chosen)),
        greedy_total=float(sum(result.score[r, c] for r, c in greedy)),
        greedy_pairs=len(greedy),
        unmatched=unmatched,
        blocked={rule: int(fails.sum()) for rule, fails in result.failures.items()},
        candidates=len(rows) * len(cols),
    )


def _pinned_score(pool: Pool, facts: Facts, config: RuleConfig, mentee: int, mentor: int) -> float:
    one = evaluate(pool, np.array([pool.position[mentee]]), np.array([pool.position[mentor]]), facts, config)
    return float(one.score[0, 0])


def _why(result: Evaluation, row: int | None, col: int | None, config: RuleConfig) -> str:
    """Return why one mentee (``row``) or mentor (``col``) was left without a pair."""
    line = result.allowed[row] if row is not None else result.allowed[:, col]
    others = "mentors" if row is not None else "mentees"
    if line.size == 0:
        return f"no {others} left to pair with"
    if line.any():
        return f"all {int(line.sum())} allowed {others} went to others"
    counts = []
    for rule, fails in result.failures.items():
        hit = int((fails[row] if row is not None else fails[:, col]).sum())
        if hit:
            counts.append((hit, config[rule].label))
    counts.sort(key=lambda hc: -hc[0])
    return "blocked by " + "; ".join(f"{label} ({hit} of {line.size})" for hit, label in counts[:3])
