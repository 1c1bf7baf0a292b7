"""Finding matches: candidates for one person, and the best assignment for a whole wave.

Everything is loaded in bulk into a :class:`Pool`: the people as columns (two aggregate
queries, one table scan each; a :class:`Person` is made only when someone reads it), the
pairs, the waves. The rules of ``rules.py`` are then computed for many pairs at once as
numpy matrices (:func:`evaluate`): ranking 100,000 candidates or scoring a 1,000 × 1,000
cohort costs a few array operations, not a million Python calls. The rule panel still asks
``rules.check_pair`` for the one pair under the cursor; a test keeps both in agreement.

The programme facts the rules need (each mentor's load, who is paired in which wave, who
was paired before) are worked out once per pool and wave and reused by every check and
ranking (:meth:`Pool.facts`); a change that moved no participant gives a pool of the same
people with the new pairs (:func:`refresh_pool`), so the facts are never stale.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
import unicodedata
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from typing import TYPE_CHECKING, overload

import numpy as np

from rmtui.db import Store
from rmtui.db.records import json_list
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
from rmtui.text import clean, fold

if TYPE_CHECKING:
    from scipy import sparse


def import_sparse() -> None:
    """Import scipy's sparse matrices now (in a worker, once the pairing screen's first paint
    is out), so that ranking does not wait for them. (Not the assignment solver a wave's
    matching uses: scipy.optimize is 28 MB more for the rest of the session, 0.16 s of CPU
    when the first matching run imports it.)"""
    import scipy.sparse  # noqa: F401


def _sparse():  # noqa: ANN202 - scipy.sparse
    """scipy.sparse, imported when a pool first builds its matrices (in a worker): importing it
    with this module cost the pairing screen a quarter of a second of its first paint."""
    from scipy import sparse

    return sparse


@dataclass(frozen=True, slots=True)
class PairFact:
    """One pair as the rules see it."""

    id: int
    wave_id: int
    mentor_id: int
    mentee_id: int
    status: str


def _json_dict(value: str | None) -> dict:
    if not value:
        return {}
    try:
        decoded = json.loads(value)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


class _People(Sequence[Person]):
    """The pool's people in order, each made into a :class:`Person` the first time it is read.

    A programme of 100,000 people is read as columns; the ranking, the rule panel and the
    finder read only the few people they show, so only those are ever made.
    """

    def __init__(self, make: Callable[[int], Person], count: int) -> None:
        self._make = make
        self._made: list[Person | None] = [None] * count

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, index: int) -> Person: ...
    @overload
    def __getitem__(self, index: slice) -> list[Person]: ...

    def __getitem__(self, index: int | slice) -> Person | list[Person]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._made)))]
        person = self._made[index]
        if person is None:
            person = self._made[index] = self._make(index % len(self._made) if index < 0 else index)
        return person

    def __iter__(self) -> Iterator[Person]:
        for index in range(len(self._made)):
            yield self[index]


class _ById(Mapping[int, Person]):
    """Person id → Person, over the pool's positions (made on first read)."""

    def __init__(self, position: dict[int, int], people: Sequence[Person]) -> None:
        self._position = position
        self._people = people

    def __getitem__(self, person_id: int) -> Person:
        return self._people[self._position[person_id]]

    def __contains__(self, person_id: object) -> bool:
        return person_id in self._position

    def __iter__(self) -> Iterator[int]:
        return iter(self._position)

    def __len__(self) -> int:
        return len(self._position)


_LISTS = ("hobbies", "interests", "development_goals", "competencies")


@dataclass
class _Columns:
    """The participants as read by :func:`load_pool`: one array or list per column, in the
    pool's order; a :class:`Person` is made from them only when someone reads it."""

    ids: np.ndarray
    names: list[str]  # as stored (Person.make cleans)
    roles: list[str]
    levels: np.ndarray  # float, nan when not recorded
    business: list[str]
    teams: list[str]
    managers: np.ndarray  # float, nan when none
    timezones: list[str]
    statuses: list[str]
    capacity: np.ndarray
    items: dict[str, tuple[np.ndarray, np.ndarray, list[str]]]  # list column → (indptr, codes, vocabulary)
    attributes: dict[int, str]  # position → the attributes JSON, where not empty

    def listed(self, column: str, position: int) -> list[str]:
        indptr, codes, vocabulary = self.items[column]
        return [vocabulary[c] for c in codes[indptr[position] : indptr[position + 1]].tolist()]

    def person(self, position: int) -> Person:
        level, manager = self.levels[position], self.managers[position]
        return Person.make(
            int(self.ids[position]),
            self.names[position],
            self.roles[position],
            level=None if np.isnan(level) else int(level),
            line_of_business=self.business[position],
            team=self.teams[position],
            manager_id=None if np.isnan(manager) else int(manager),
            timezone=self.timezones[position],
            status=self.statuses[position],
            capacity=int(self.capacity[position]),
            hobbies=self.listed("hobbies", position),
            interests=self.listed("interests", position),
            development_goals=self.listed("development_goals", position),
            competencies=self.listed("competencies", position),
            attributes=_json_dict(self.attributes.get(position)),
        )


def _cleaned_folded(values: Iterable[str]) -> list[str]:
    """Return ``fold(clean(v))`` of each value, working out each distinct value once."""
    memo: dict[str, str] = {}
    out = []
    for value in values:
        found = memo.get(value)
        if found is None:
            found = memo[value] = fold(clean(value))
        out.append(found)
    return out


class _KeepUnlessCombining(dict):
    """str.translate table: drop combining marks (what :func:`rmtui.text.fold` drops), keep
    every other character; each character is looked up once, then the table answers in C."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_FOLD_TABLE = _KeepUnlessCombining()


def _fold_name(name: str) -> str:
    """:func:`rmtui.text.fold` of a cleaned name, the same text, faster: plain ASCII is only
    lower-cased, the rest decomposed and stripped of combining marks by one translate."""
    if name.isascii():
        return name.lower()
    return unicodedata.normalize("NFKD", name.casefold()).translate(_FOLD_TABLE)


class Pool:
    """Every participant and pair of the programme, loaded once, with the arrays the rules need.

    Built from :class:`Person` objects (tests, a pair's own check) or from the columns
    :func:`load_pool` reads, when people are made only as they are read. The programme
    facts (who is paired, each mentor's load, former pairs) are worked out once from the
    pairs and reused by every check; :meth:`set_pairs` replaces the pairs and forgets them.
    """

    def __init__(
        self,
        people: Sequence[Person] = (),
        pairs: Sequence[PairFact] = (),
        wave_names: dict[int, str] | None = None,
        today: dt.date | None = None,
        managers: dict[int, int | None] | None = None,
        *,
        columns: _Columns | None = None,
    ) -> None:
        self._columns = columns
        if columns is not None:
            self.people: Sequence[Person] = _People(columns.person, len(columns.ids))
            id_list = columns.ids.tolist()
            self.position: dict[int, int] = dict(zip(id_list, range(len(id_list))))
            if managers is None:
                boss = [None if m != m else int(m) for m in columns.managers.tolist()]
                managers = dict(zip(id_list, boss))
        else:
            self.people = list(people)
            self.position = {p.id: i for i, p in enumerate(self.people)}
        self.by_id: Mapping[int, Person] = _ById(self.position, self.people)
        self._pairs: list[PairFact] = list(pairs)
        self.wave_names = wave_names or {}
        self.today = today or dt.date.today()
        self.managers: dict[int, int | None] = (
            managers if managers is not None else {p.id: p.manager_id for p in self.people}
        )
        self._chains: dict[int, tuple[int, ...]] = {}
        self._facts: dict[tuple, Facts] = {}
        self._lock = threading.Lock()
        self.stamp: tuple | None = None  # what the people were read at (see refresh_pool)

    @property
    def pairs(self) -> list[PairFact]:
        """Every pair of the programme (replace them with :meth:`set_pairs`)."""
        return self._pairs

    def set_pairs(self, pairs: Iterable[PairFact]) -> None:
        """Replace the programme's pairs; the facts worked out from them are worked out again."""
        with self._lock:
            self._pairs = list(pairs)
            self._facts.clear()
            self.__dict__.pop("_pair_totals", None)
            self.__dict__.pop("_went_ahead", None)

    def with_pairs(self, pairs: Iterable[PairFact], wave_names: dict[int, str]) -> Pool:
        """Return a pool of the same people with these pairs and waves: the people and every
        array built over them are shared, the facts are worked out afresh from ``pairs``."""
        twin = copy.copy(self)
        twin._pairs = list(pairs)
        twin.wave_names = wave_names
        twin._facts = {}
        twin._lock = threading.Lock()
        twin.__dict__.pop("_pair_totals", None)
        twin.__dict__.pop("_went_ahead", None)
        return twin

    def add_pair(self, pair: PairFact) -> None:
        """Add one pair (see :meth:`set_pairs`)."""
        self.set_pairs([*self._pairs, pair])

    # -- some people read again (rmtui.pool_refresh) -----------------------------------

    @property
    def columns(self) -> _Columns | None:
        """The people as :func:`load_pool` read them (None: read row by row, or given as Persons)."""
        return self._columns

    def with_people(self, columns: _Columns, managers: dict[int, int | None], pairs: Sequence[PairFact],
                    wave_names: dict[int, str], kept: dict[str, object]) -> Pool:
        """Return a pool of ``columns`` (these people with some read again), ``pairs`` and waves;
        of what was worked out over everyone, ``kept`` (attribute → value) gives what is still
        true of the new people, the rest is worked out afresh when read."""
        pool = Pool(pairs=pairs, wave_names=wave_names, today=self.today, managers=managers, columns=columns)
        pool.__dict__.update(kept)
        return pool

    @cached_property
    def folded_names(self) -> list[str]:
        """Every person's name folded for search (:func:`rmtui.text.fold`), in ``people`` order."""
        if self._columns is not None:
            return _folded(self._columns.names)
        return [_fold_name(p.name) for p in self.people]

    def adopt_names(self, names: Names) -> bool:
        """Take the folded names of ``names`` (read a moment before) when they are of these
        very people, in this order, with these very names: the second fold of 100,000
        names is saved. Return whether they were taken."""
        if self._columns is None or "folded_names" in self.__dict__:
            return False
        if len(names.ids) != len(self._columns.ids) or names.names != self._columns.names:
            return False
        if names.ids != self._columns.ids.tolist():
            return False
        self.__dict__["folded_names"] = names.folded
        return True

    def name_of(self, person_id: int) -> str | None:
        """One person's name as their Person has it (cleaned), without making the Person: the
        pairing finder's notes name every paired person (tens of thousands at 100k: making each
        one took seconds). None when they are not in the pool."""
        position = self.position.get(person_id)
        if position is None:
            return None
        if self._columns is not None:
            return clean(self._columns.names[position])
        return self.people[position].name

    def folded_name(self, position: int) -> str:
        """One person's folded name (without folding all 100,000 when only a few are asked)."""
        names = self.__dict__.get("folded_names")
        if names is not None:
            return names[position]
        if self._columns is not None:
            return _fold_name(clean(self._columns.names[position]))
        return _fold_name(self.people[position].name)

    # -- facts ---------------------------------------------------------------------

    @cached_property
    def _went_ahead(self) -> tuple[np.ndarray, np.ndarray]:
        """The mentor and mentee ids of every pair that went ahead (not a mere proposal), of
        two different people: who was paired with whom before."""
        ahead = [(p.mentor_id, p.mentee_id) for p in self._pairs if p.status != "proposed" and p.mentor_id != p.mentee_id]
        both = np.array(ahead, dtype=np.int64).reshape(-1, 2)
        return both[:, 0], both[:, 1]

    @cached_property
    def _pair_totals(self) -> tuple[Counter[int], Counter[tuple[int, int]], Counter[frozenset[int]], int]:
        """Every pair counted once: each mentor's ongoing pairs, each (mentee, wave) with
        ongoing pairs, each two people's pairs that went ahead, and how many pairs were
        counted (a pair appended to ``pairs`` in place since is noticed)."""
        load: Counter[int] = Counter()
        waves: Counter[tuple[int, int]] = Counter()
        former: Counter[frozenset[int]] = Counter()
        for pair in self._pairs:
            if pair.status in ONGOING:
                load[pair.mentor_id] += 1
                waves[pair.mentee_id, pair.wave_id] += 1
            if pair.status != "proposed":
                former[frozenset((pair.mentor_id, pair.mentee_id))] += 1
        return load, waves, former, len(self._pairs)

    def facts(self, wave_id: int | None, *, excluding: Iterable[int] = ()) -> Facts:
        """Return the programme facts for pairing in ``wave_id``, ignoring pairs ``excluding``.

        Worked out once per wave and set of excluded pairs (the pairs are counted once; the
        excluded few are taken off those counts) and reused: the rule panel asks for them on
        every cursor move. Read-only: callers must not change what they return.
        """
        wanted = frozenset(excluding)
        with self._lock:
            totals = self._pair_totals
            if totals[3] != len(self._pairs):  # pairs appended in place
                self.__dict__.pop("_pair_totals", None)
                self.__dict__.pop("_went_ahead", None)
                self._facts.clear()
                totals = self._pair_totals
            left = [p for p in self._pairs if p.id in wanted] if wanted else []
            key = (wave_id, frozenset(p.id for p in left))
            found = self._facts.get(key)
            if found is None:
                base = None if not left else self._facts.get((wave_id, frozenset()))
                if left and base is None:
                    base = self._facts[wave_id, frozenset()] = self._facts_without(wave_id, [], totals, None)
                found = self._facts[key] = self._facts_without(wave_id, left, totals, base)
                if len(self._facts) > 64:
                    self._facts.pop(next(iter(self._facts)))
            return found

    def _facts_without(self, wave_id: int | None, left: list[PairFact], totals, base: Facts | None) -> Facts:
        load, waves, former, _ = totals
        if base is None:
            paired: dict[int, set[int]] = defaultdict(set)
            for mentee, wave in waves:
                paired[mentee].add(wave)
            facts = Facts(managers=self.managers, mentor_load=dict(load), paired_in_wave=dict(paired),
                          former=set(former), wave_id=wave_id, today=self.today, wave_names=self.wave_names)
            # (Weakly: the pool keeps its facts; a reference back would make a cycle, and the
            # pool, 100,000 people, would wait for the cyclic collector to go.)
            facts.__dict__["_every_pair_of"] = weakref.ref(self)
            return facts
        mentor_load = dict(base.mentor_load)
        paired = dict(base.paired_in_wave)
        former_pairs = set(base.former)
        taken_load: Counter[int] = Counter()
        taken_waves: Counter[tuple[int, int]] = Counter()
        taken_former: Counter[frozenset[int]] = Counter()
        for pair in left:
            if pair.status in ONGOING:
                taken_load[pair.mentor_id] += 1
                taken_waves[pair.mentee_id, pair.wave_id] += 1
            if pair.status != "proposed":
                taken_former[frozenset((pair.mentor_id, pair.mentee_id))] += 1
        for mentor, taken in taken_load.items():
            mentor_load[mentor] -= taken
            if not mentor_load[mentor]:
                del mentor_load[mentor]
        for (mentee, wave), taken in taken_waves.items():
            if waves[mentee, wave] <= taken:
                still = paired[mentee] - {wave}
                if still:
                    paired[mentee] = still
                else:
                    del paired[mentee]
        removed = {two for two, taken in taken_former.items() if former[two] <= taken}
        former_pairs -= removed
        facts = Facts(managers=self.managers, mentor_load=mentor_load, paired_in_wave=paired, former=former_pairs,
                      wave_id=wave_id, today=self.today, wave_names=self.wave_names)
        # What differs from the facts of every pair: the arrays below copy those and change these.
        facts.__dict__["_changed"] = (base, set(taken_load), {m for m, _ in taken_waves}, removed)
        return facts

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
        # Everyone in ``managers``, in the pool or not: a pool of a few people (load_pair_pool)
        # is given the whole programme's managers, and a report two levels down is found
        # through the manager between, who is not in that pool.
        for person_id, manager_id in self.managers.items():
            if manager_id is not None:
                reports[manager_id].append(person_id)
        return reports

    def line_of(self, person_id: int) -> set[int]:
        """Return everyone above or below ``person_id`` in the reporting line (cycle-safe):
        whoever is in their chain of managers, or has them in theirs (as the rule check,
        :func:`rmtui.rules.outside_reporting_line`, asks it of one pair)."""
        line = set(self.chain(person_id))
        seen = {person_id}
        todo = list(self.reports.get(person_id, ()))
        while todo:  # below: each report is walked down once, even when it is above too (a cycle)
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            line.add(current)
            todo.extend(self.reports.get(current, ()))
        return line

    @cached_property
    def _parents(self) -> np.ndarray | None:
        """Return each pool position's manager's position (``n`` for none, ``parents[n] == n``),
        or None when the management graph has a cycle, a manager outside the pool or is
        deeper than 500: then the reporting line is worked out person by person."""
        n = len(self.position)
        parents = np.full(n + 1, n, dtype=np.int64)
        for person_id, manager_id in self.managers.items():
            at = self.position.get(person_id)
            if at is None or manager_id is None:
                continue
            boss = self.position.get(manager_id)
            if boss is None:
                return None
            parents[at] = boss
        current = parents[:n].copy()
        for _ in range(500):
            if (current == n).all():
                return parents
            current = parents[current]
        return None

    def in_line(self, person_id: int, positions: np.ndarray) -> np.ndarray:
        """Return, for each pool position, whether that person is above or below ``person_id``
        in the reporting line (:meth:`line_of`, worked out for many people at once)."""
        parents = self._parents
        others = self.ids[positions]
        if parents is None and len(positions) <= 2_000:
            # A few people (a pool of a few, load_pair_pool): each one's chain up, not the tree down.
            above = set(self.chain(person_id))
            return np.fromiter(
                (i != person_id and (i in above or person_id in self.chain(i)) for i in others.tolist()),
                dtype=bool, count=len(positions))
        if parents is None:
            line = self.line_of(person_id)
            if not line:
                return np.zeros(len(positions), dtype=bool)
            return np.fromiter((int(i) in line for i in others), dtype=bool, count=len(positions))
        at, n = self.position[person_id], len(self.position)
        chain = self.chain(person_id)
        hit = np.isin(others, np.array(chain, dtype=np.int64)) if chain else np.zeros(len(positions), dtype=bool)
        current = parents[positions]
        while True:  # walk everyone up at once: below the person when the walk meets them
            hit |= current == at
            live = current != n
            if not live.any():
                break
            current = np.where(live, parents[current], n)
        return hit & (others != person_id)

    # -- arrays over every person (built once) ---------------------------------------

    @cached_property
    def ids(self) -> np.ndarray:
        if self._columns is not None:
            return self._columns.ids
        return np.array([p.id for p in self.people], dtype=np.int64)

    def _codes(self, values: Iterable[str]) -> np.ndarray:
        table: dict[str, int] = {"": 0}
        return np.array([table.setdefault(v, len(table)) for v in values], dtype=np.int64)

    def _column(self, name: str) -> list:
        """Return one column of the people as their Person fields say it."""
        return [getattr(p, name) for p in self.people]

    @cached_property
    def is_mentor(self) -> np.ndarray:
        roles = self._columns.roles if self._columns is not None else self._column("role")
        return np.array([r == "mentor" for r in roles], dtype=bool)

    @cached_property
    def is_mentee(self) -> np.ndarray:
        roles = self._columns.roles if self._columns is not None else self._column("role")
        return np.array([r == "mentee" for r in roles], dtype=bool)

    @cached_property
    def available(self) -> np.ndarray:
        statuses = self._columns.statuses if self._columns is not None else self._column("status")
        return np.array([s in AVAILABLE for s in statuses], dtype=bool)

    @cached_property
    def levels(self) -> np.ndarray:
        if self._columns is not None:
            return self._columns.levels
        return np.array([np.nan if p.level is None else p.level for p in self.people], dtype=np.float64)

    @cached_property
    def business(self) -> np.ndarray:
        if self._columns is not None:
            return self._codes(_cleaned_folded(self._columns.business))
        return self._codes(fold(p.line_of_business) for p in self.people)

    @cached_property
    def teams(self) -> np.ndarray:
        if self._columns is not None:
            return self._codes(_cleaned_folded(self._columns.teams))
        return self._codes(fold(p.team) for p in self.people)

    @cached_property
    def capacity(self) -> np.ndarray:
        if self._columns is not None:
            return self._columns.capacity
        return np.array([p.capacity for p in self.people], dtype=np.int64)

    @cached_property
    def offsets(self) -> np.ndarray:
        zones = [clean(z or "") for z in self._columns.timezones] if self._columns is not None else self._column("timezone")
        memo: dict[str, float] = {}
        for zone in set(zones):
            value = utc_offset_hours(zone, self.today)
            memo[zone] = np.nan if value is None else value
        return np.array([memo[z] for z in zones], dtype=np.float64)

    def _incidence(self, items: Sequence[Iterable[str]]) -> tuple[sparse.csr_matrix, list[str]]:
        vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for row, keys in enumerate(items):
            for key in keys:
                rows.append(row)
                cols.append(vocabulary.setdefault(key, len(vocabulary)))
        matrix = _sparse().csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(len(items), max(1, len(vocabulary)))
        )
        return matrix, list(vocabulary)

    def _column_incidence(self, columns: Sequence[str]) -> tuple[sparse.csr_matrix, list[str]]:
        """Return the person × distinct folded item matrix of the stored list ``columns`` (as
        Person.make folds them: each item cleaned and folded, empty ones dropped, once each)."""
        assert self._columns is not None
        n = len(self._columns.ids)
        keys: dict[str, int] = {}
        rows_parts, cols_parts = [], []
        for column in columns:
            indptr, codes, vocabulary = self._columns.items[column]
            key_of = np.array([keys.setdefault(k, len(keys)) if k else -1
                               for k in (fold(clean(v)) for v in vocabulary)] or [-1], dtype=np.int64)
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
            cols = key_of[codes] if len(codes) else np.zeros(0, dtype=np.int64)
            rows_parts.append(rows[cols >= 0])
            cols_parts.append(cols[cols >= 0])
        rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(cols_parts) if cols_parts else np.zeros(0, dtype=np.int64)
        matrix = _sparse().csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, max(1, len(keys))))
        matrix.sum_duplicates()
        matrix.data[:] = 1.0  # an item listed twice (or in both lists) counts once, as Person.make keeps it
        return matrix, list(keys)

    @cached_property
    def interest_matrix(self) -> sparse.csr_matrix:
        if self._columns is not None:
            matrix, self.__dict__["_interest_keys"] = self._column_incidence(("hobbies", "interests"))
            return matrix
        return self._incidence([p.interests.keys() for p in self.people])[0]

    @cached_property
    def goal_matrix(self) -> tuple[sparse.csr_matrix, list[str]]:
        if self._columns is not None:
            return self._column_incidence(("development_goals",))
        return self._incidence([p.goals for p in self.people])

    @cached_property
    def competency_matrix(self) -> tuple[sparse.csr_matrix, list[str]]:
        if self._columns is not None:
            return self._column_incidence(("competencies",))
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
        return _sparse().csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(max(1, len(items)), max(1, len(vocabulary)))
        )

    @cached_property
    def goal_counts(self) -> np.ndarray:
        if self._columns is not None:
            return np.diff(self.goal_matrix[0].indptr).astype(np.float64)
        return np.array([len(p.goals) for p in self.people], dtype=np.float64)

    @cached_property
    def competency_counts(self) -> np.ndarray:
        if self._columns is not None:
            return np.diff(self.competency_matrix[0].indptr).astype(np.int64)
        return np.array([len(p.competencies) for p in self.people], dtype=np.int64)

    def objective_codes(self, attribute: str) -> np.ndarray:
        if self._columns is not None:
            found = self.__dict__.setdefault("_objective", {})
            if attribute not in found:
                values = [""] * len(self._columns.ids)
                for position, text in self._columns.attributes.items():
                    value = _json_dict(text).get(attribute)
                    values[position] = "" if value is None else fold(clean(str(value)))
                found[attribute] = self._codes(values)
            return found[attribute]
        return self._codes(objective_value(p, attribute) for p in self.people)

    # -- facts as arrays ---------------------------------------------------------------

    def _on(self, facts: Facts, name: str, build: Callable[[], object]) -> object:
        """Return what ``build`` makes of ``facts`` for this pool, kept on the facts (which
        are read-only and reused: worked out once per facts, not per check)."""
        kept = facts.__dict__.setdefault("_pool_arrays", {})
        found = kept.get(name)
        if found is None or found[0]() is not self:
            found = kept[name] = (weakref.ref(self), build())  # (weakly: see _facts_without)
        return found[1]

    def _put(self, array: np.ndarray, ids: Collection[int], values: Iterable[object]) -> None:
        """Set ``array`` at the positions of the people ``ids`` (those in the pool) to ``values``.

        Found in the ids (ascending, as read) by bisection: 27,000 lookups in the position
        dict of 100,000 people took 6-12 ms each time (memory misses), once per refresh."""
        wanted = np.fromiter(ids, dtype=np.int64, count=len(ids))
        known = self.ids
        if len(known) and bool((known[1:] > known[:-1]).all()):
            at = np.minimum(np.searchsorted(known, wanted), len(known) - 1)
            found = known[at] == wanted
        else:
            at = np.fromiter(map(self.position.get, wanted.tolist(), repeat(-1)), dtype=np.int64, count=len(ids))
            found = at >= 0
        array[at[found]] = np.fromiter(values, dtype=array.dtype, count=len(ids))[found]

    def mentor_loads(self, facts: Facts) -> np.ndarray:
        """Return each person's ongoing pairs as a mentor under ``facts``, by pool position."""

        def build() -> np.ndarray:
            changed = facts.__dict__.get("_changed")
            if changed is not None:
                loads = self.mentor_loads(changed[0]).copy()
                mentors = changed[1]
            else:  # every mentor at once (:meth:`_put`)
                loads = np.zeros(len(self.position), dtype=np.int64)
                self._put(loads, facts.mentor_load.keys(), facts.mentor_load.values())
                return loads
            for mentor in mentors:
                at = self.position.get(mentor)
                if at is not None:
                    loads[at] = facts.mentor_load.get(mentor, 0)
            return loads

        return self._on(facts, "loads", build)  # type: ignore[return-value]

    def busy(self, facts: Facts) -> np.ndarray:
        """Return whether each person, as a mentee, already has a pair in the facts' wave."""

        def build() -> np.ndarray:
            changed = facts.__dict__.get("_changed")
            if changed is not None:
                busy = self.busy(changed[0]).copy()
                mentees = changed[2]
            else:  # every mentee at once (:meth:`_put`), as Facts.busy_waves says of each
                busy = np.zeros(len(self.position), dtype=bool)
                wave = facts.wave_id
                paired = [m for m, waves in facts.paired_in_wave.items() if waves and (wave is None or wave in waves)]
                self._put(busy, paired, repeat(True, len(paired)))
                return busy
            for mentee in mentees:
                at = self.position.get(mentee)
                if at is not None:
                    busy[at] = bool(facts.busy_waves(mentee))
            return busy

        return self._on(facts, "busy", build)  # type: ignore[return-value]

    def former_of(self, facts: Facts, person_id: int) -> set[int]:
        """Return everyone ``person_id`` was paired with before, under ``facts``."""
        changed = facts.__dict__.get("_changed")
        if changed is not None:
            partners = self.former_of(changed[0], person_id)
            gone = {other for two in changed[3] if person_id in two for other in two if other != person_id}
            return partners - gone if gone else partners

        every = facts.__dict__.get("_every_pair_of")
        if every is not None and every() is self:  # the facts of every pair: read the pairs' arrays
            mentors, mentees = self._went_ahead
            return set(mentees[mentors == person_id].tolist()) | set(mentors[mentees == person_id].tolist())

        def build() -> dict[int, set[int]]:
            partners: dict[int, set[int]] = defaultdict(set)
            for two in facts.former:
                if len(two) == 2:
                    a, b = tuple(two)
                    partners[a].add(b)
                    partners[b].add(a)
            return dict(partners)

        return self._on(facts, "former", build).get(person_id, set())  # type: ignore[attr-defined]


_PEOPLE_SQL = (
    "SELECT id, name, role, level, line_of_business, team, manager_id, timezone, status, "
    "capacity, hobbies, interests, development_goals, competencies, attributes FROM participants"
)

# The whole participants table in one row: each column one text joined by a separator
# (unit separator for text, comma for numbers), so 100,000 people cost one table scan in
# SQLite and a few splits in Python, not 100,000 row tuples. All aggregates of one query
# read the rows in the same order, so the columns line up. ``odd`` counts what the fast
# path cannot read exactly as the row path does (a number stored as text, a real level).
_COLUMNS_SQL = """
SELECT count(*),
       group_concat(id, ','),
       group_concat(ifnull(level, 'nan'), ','),
       group_concat(ifnull(manager_id, 'nan'), ','),
       group_concat(capacity, ','),
       group_concat(name, char(31)),
       group_concat(role, char(31)),
       group_concat(line_of_business, char(31)),
       group_concat(team, char(31)),
       group_concat(timezone, char(31)),
       group_concat(status, char(31)),
       total(typeof(id) != 'integer' OR typeof(level) NOT IN ('integer', 'null')
             OR typeof(manager_id) NOT IN ('integer', 'null') OR typeof(capacity) != 'integer'
             OR typeof(name) != 'text' OR typeof(role) != 'text' OR typeof(line_of_business) != 'text'
             OR typeof(team) != 'text' OR typeof(timezone) != 'text' OR typeof(status) != 'text'
             OR typeof(attributes) != 'text'),
       group_concat(CASE WHEN attributes NOT IN ('', '{{}}') THEN id END, ','),
       group_concat(CASE WHEN attributes NOT IN ('', '{{}}') THEN attributes END, char(31))
FROM participants
"""

# Every list column's items in one scan: (person, column, item), in the people's order and
# each list's order. Only text items of JSON arrays are carried; a number, a null, a nested
# list, a JSON value that is not a list, or text that is not JSON (each read as one null
# item) marks the person to be read the row way (rmtui.db.records.json_list), so the result
# is exactly the row read's.
_ITEMS_SQL = """
SELECT group_concat(p.id, ','), group_concat(k.col, ''),
       group_concat(CASE WHEN j.type = 'text' THEN j.value ELSE '' END, char(31)),
       group_concat(j.type = 'text', '')
FROM participants AS p
CROSS JOIN (SELECT 0 AS col UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) AS k
CROSS JOIN json_each(CASE k.col WHEN 0 THEN {0} WHEN 1 THEN {1} WHEN 2 THEN {2} ELSE {3} END) AS j
"""
_ITEMS_SQL = _ITEMS_SQL.format(*(
    f"(CASE WHEN p.{c} IS NULL THEN '[]' WHEN NOT json_valid(p.{c}) THEN '[null]' WHEN json_type(p.{c}) = 'array' THEN p.{c}"
    f" WHEN json_type(p.{c}) = 'null' THEN '[]' ELSE '[null]' END)"
    for c in ("hobbies", "interests", "development_goals", "competencies")
))
_COLUMNS_SQL = _COLUMNS_SQL.format()


class _NotPlain(Exception):
    """The table holds something the column read cannot take exactly; read it row by row."""


def _numbers(text: str | None, count: int, dtype: type) -> np.ndarray:
    if not count:
        return np.zeros(0, dtype=dtype)
    values = np.fromstring(text or "", dtype=np.float64, sep=",")  # text mode: parsed in C
    if len(values) != count:
        raise _NotPlain
    return values if dtype is np.float64 else values.astype(dtype)


def _texts(text: str | None, count: int) -> list[str]:
    if not count:
        return []
    values = (text or "").split("\x1f")
    if len(values) != count:
        raise _NotPlain
    return values


def _shared(values: list[str]) -> list[str]:
    """``values`` with equal texts one object: a column of a few distinct values (roles,
    teams, time zones) then costs a pointer a person, not a string each (6 MB a column at
    100,000 people, against 0.8)."""
    one: dict[str, str] = {}
    return list(map(one.setdefault, values, values))


def _read_columns(store: Store) -> _Columns:
    """Read every participant as columns (:data:`_COLUMNS_SQL`, :data:`_ITEMS_SQL`); raise
    _NotPlain when the table holds a value the columns cannot carry exactly."""
    row = store.query_tuples(_COLUMNS_SQL)[0]
    count = int(row[0])
    if row[11]:
        raise _NotPlain
    ids = _numbers(row[1], count, np.int64)
    order = np.argsort(ids, kind="stable")

    def positions_of(owners: np.ndarray) -> np.ndarray:
        return order[np.searchsorted(ids[order], owners)] if len(owners) else owners

    found = store.query_tuples(_ITEMS_SQL)[0]
    owners = np.fromstring(found[0], dtype=np.int64, sep=",") if found[0] else np.zeros(0, dtype=np.int64)
    columns = np.frombuffer((found[1] or "").encode(), dtype=np.uint8) - ord("0")
    values = _texts(found[2], len(owners))
    plain = np.frombuffer((found[3] or "").encode(), dtype=np.uint8) == ord("1")
    if len(columns) != len(owners) or len(plain) != len(owners):
        raise _NotPlain
    vocabulary = sorted(set(values))
    at = dict(zip(vocabulary, range(len(vocabulary))))
    codes = np.fromiter(map(at.__getitem__, values), dtype=np.int32, count=len(values))
    positions = positions_of(owners)
    read: dict[str, list] = {}  # column → [positions, codes, vocabulary], in read order
    for k, column in enumerate(_LISTS):
        mine = columns == k
        read[column] = [positions[mine], codes[mine], vocabulary]
    odd = sorted(set(owners[~plain].tolist()))
    if odd:
        _read_odd_lists(store, ids, order, odd, read)
    items: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
    for column in _LISTS:
        where, what, words = read[column]
        sort = np.argsort(where, kind="stable")
        indptr = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(np.bincount(where, minlength=count), out=indptr[1:])
        items[column] = (indptr, what[sort], words)
    attributes: dict[int, str] = {}
    if row[12]:
        holders = positions_of(np.fromstring(row[12], dtype=np.int64, sep=",")).tolist()
        attributes = dict(zip(holders, _texts(row[13], len(holders))))
    return _Columns(
        ids=ids,
        names=_texts(row[5], count),
        roles=_shared(_texts(row[6], count)),
        levels=_numbers(row[2], count, np.float64),
        business=_shared(_texts(row[7], count)),
        teams=_shared(_texts(row[8], count)),
        managers=_numbers(row[3], count, np.float64),
        timezones=_shared(_texts(row[9], count)),
        statuses=_shared(_texts(row[10], count)),
        capacity=_numbers(row[4], count, np.int64),
        items=items,
        attributes=attributes,
    )


def _read_odd_lists(store: Store, ids: np.ndarray, order: np.ndarray, odd: list[int], items: dict) -> None:
    """Replace the list items of the ``odd`` people by what the row path reads (json_list)."""
    found = []
    for start in range(0, len(odd), 500):
        batch = odd[start : start + 500]
        found += store.query_tuples(
            f"SELECT id, {', '.join(_LISTS)} FROM participants WHERE id IN ({','.join('?' * len(batch))})", batch)
    odd_ids = np.array(odd, dtype=np.int64)
    for k, column in enumerate(_LISTS):
        positions, codes, vocabulary = items[column]
        owner_ids = ids[positions] if len(positions) else positions
        keep = ~np.isin(owner_ids, odd_ids)
        at = {v: i for i, v in enumerate(vocabulary)}
        extra_positions, extra_codes = [], []
        for row in found:
            position = int(order[np.searchsorted(ids[order], row[0])])
            for value in json_list(row[k + 1]):
                extra_positions.append(position)
                extra_codes.append(at.setdefault(value, len(at)))
        items[column] = [
            np.concatenate([positions[keep], np.array(extra_positions, dtype=np.int64)]),
            np.concatenate([codes[keep], np.array(extra_codes, dtype=np.int32)]),
            list(at),
        ]


# What tells whether anyone's facts changed since a pool was read. Every store write to a
# participant (an edit, an import, a status change, undo) goes through the version check and
# adds one to the row's ``version``, so the total of the versions moves; an insert or a
# delete moves the count and the participant change log's revision (a delete that clears a
# report's manager, ON DELETE SET NULL, is such a delete). One pass over one column: tens of
# milliseconds at 100,000 people, against a second or two to read them all again.
_PEOPLE_STAMP_SQL = (
    "SELECT count(*), total(version), max(id), max(updated_at), "
    "(SELECT max(rev) FROM participant_changes), "
    # (and whom the last log entry is of, and the pair log's: rmtui.pool_refresh reads what
    # was logged since, after checking the log is still the one read)
    "(SELECT participant_id FROM participant_changes ORDER BY rev DESC LIMIT 1), "
    "(SELECT max(rev) FROM pair_changes), (SELECT pair_id FROM pair_changes ORDER BY rev DESC LIMIT 1) "
    "FROM participants"
)
_PAIRS_SQL = "SELECT id, wave_id, mentor_id, mentee_id, status FROM pairs"


def load_pool(store: Store, today: dt.date) -> Pool:
    """Return every participant, pair and wave name of the programme, read in one snapshot.

    The people are read as columns (two aggregate queries, one scan each) and made into
    :class:`Person` objects only when read; a table holding values the columns cannot carry
    exactly (a number stored as text, a name with a control character) is read row by row.
    """
    with store.snapshot():
        stamp = store.query_tuples(_PEOPLE_STAMP_SQL)[0]
        try:
            columns: _Columns | None = _read_columns(store)
        except (_NotPlain, ValueError, UnicodeDecodeError):
            columns = None
        people_rows = store.query_tuples(_PEOPLE_SQL) if columns is None else []
        pair_rows = store.query_tuples(_PAIRS_SQL)
        wave_rows = store.query_tuples("SELECT id, name FROM waves")
    if columns is None:
        pool = _pool(people_rows, pair_rows, wave_rows, today)
    else:
        pairs = [PairFact(*row) for row in pair_rows]
        pool = Pool(pairs=pairs, wave_names={row[0]: row[1] for row in wave_rows}, today=today, columns=columns)
    pool.stamp = tuple(stamp)
    return pool


def refresh_pool(store: Store, today: dt.date, previous: Pool | None) -> Pool:
    """Return the programme's pool as it is now, reusing ``previous`` when no participant
    changed since it was read (a pair proposed, confirmed or closed: only the pairs and
    waves are read again, the facts worked out afresh from them); when a few did, only those
    are read again (:func:`rmtui.pool_refresh.refreshed`); else :func:`load_pool`."""
    if previous is not None and previous.stamp is not None and previous.today == today:
        with store.snapshot():
            stamp = tuple(store.query_tuples(_PEOPLE_STAMP_SQL)[0])
            if stamp == previous.stamp:
                pair_rows = store.query_tuples(_PAIRS_SQL)
                wave_rows = store.query_tuples("SELECT id, name FROM waves")
                return previous.with_pairs([PairFact(*row) for row in pair_rows], {r[0]: r[1] for r in wave_rows})
            from rmtui.pool_refresh import refreshed  # (it builds on this module)

            pool = refreshed(store, previous, stamp)  # the few people who changed read again
            if pool is not None:
                return pool
    return load_pool(store, today)


def load_pool_by_rows(store: Store, today: dt.date) -> Pool:
    """Return the pool as :func:`load_pool` does, read row by row (the reference the tests
    compare the column read with)."""
    with store.snapshot():
        people_rows = store.query_tuples(_PEOPLE_SQL)
        pair_rows = store.query_tuples("SELECT id, wave_id, mentor_id, mentee_id, status FROM pairs")
        wave_rows = store.query_tuples("SELECT id, name FROM waves")
    return _pool(people_rows, pair_rows, wave_rows, today)


@dataclass
class Names:
    """Every participant's id, name, role and status: what the pairing screen's finder
    searches and its first paint picks from, in one narrow read (a fraction of
    :func:`load_pool`'s). Positions are the pool's (table order)."""

    ids: list[int]
    names: list[str]  # as stored
    roles: list[str]
    statuses: list[str]
    folded: list[str]  # each name cleaned and folded, as Pool.folded_names

    def name(self, person_id: int) -> str | None:
        """``person_id``'s name as shown (cleaned), None when not a participant."""
        position = self.position.get(person_id)
        return None if position is None else clean(self.names[position])

    @cached_property
    def position(self) -> dict[int, int]:
        return dict(zip(self.ids, range(len(self.ids))))


_NAMES_SQL = "SELECT id, name, role, status FROM participants"
_NAMES_COLUMNS_SQL = """
SELECT count(*), group_concat(id, ','), group_concat(name, char(31)), group_concat(role, char(31)),
       group_concat(status, char(31)),
       total(typeof(id) != 'integer' OR typeof(name) != 'text' OR typeof(role) != 'text' OR typeof(status) != 'text')
FROM participants
"""


def _folded(names: Sequence[str]) -> list[str]:
    """Return ``_fold_name(clean(name))`` of each name, all folded as one text.

    Folding goes character by character (case folding, compatibility decomposition, combining
    marks dropped) and a line break stops no mark, so the folded text of the names joined by
    line breaks, split at them, is each name folded: three passes in C instead of 100,000
    calls. A name that is not plain printable text (``clean`` would change more than its
    ends) is cleaned and folded on its own.
    """
    try:
        plain = "".join(names).isprintable()  # (every name printable: one pass in C)
    except TypeError:  # a name that is not text
        plain = False
    if not plain:
        return [_fold_name(clean(name)) for name in names]
    text = "\n".join([name.strip() for name in names])
    if text.isascii():
        return text.lower().split("\n") if names else []
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    marks = sorted(c for c in set(decomposed) if unicodedata.combining(c))
    if marks:  # (a regular expression drops them in C; str.translate looks each character up)
        decomposed = re.sub(f"[{''.join(re.escape(c) for c in marks)}]", "", decomposed)
    return decomposed.split("\n")


def read_names(store: Store) -> Names:
    """Read :class:`Names`: one aggregate query (as :func:`load_pool` reads columns), or row by
    row when a value would not come through it exactly (a number stored as text, a separator
    in a name)."""
    row = store.query_tuples(_NAMES_COLUMNS_SQL)[0]
    count = int(row[0])
    try:
        if row[5]:
            raise _NotPlain
        ids = _numbers(row[1], count, np.int64).tolist()
        names, roles, statuses = (_texts(row[k], count) for k in (2, 3, 4))
    except (_NotPlain, ValueError):
        rows = store.query_tuples(_NAMES_SQL)
        ids, names, roles, statuses = ((list(column) for column in zip(*rows)) if rows else ([] for _ in range(4)))
    return Names(ids, names, roles, statuses, _folded(names))


def manager_chains(store: Store, person_ids: Sequence[int]) -> dict[int, int | None]:
    """Return the manager of ``person_ids`` and of everyone up their chains (a cycle ends
    them): all that :func:`rmtui.rules.manager_chain` reads of these people."""
    marks = ", ".join("?" for _ in person_ids)
    return dict(store.query_tuples(
        f"WITH RECURSIVE up(id, boss) AS (SELECT id, manager_id FROM participants WHERE id IN ({marks}) "
        "UNION SELECT p.id, p.manager_id FROM participants AS p JOIN up ON p.id = up.boss) SELECT id, boss FROM up",
        tuple(person_ids)))


def load_pair_pool(store: Store, today: dt.date, person_ids: Sequence[int],
                   managers: dict[int, int | None] | None = None) -> Pool:
    """Return a Pool of just ``person_ids`` and their pairs, with the whole manager chain
    (every participant's manager: read here unless ``managers`` gives them, read in the
    same snapshot).

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
    if managers is None:
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
            hobbies=json_list(row[10]),
            interests=json_list(row[11]),
            development_goals=json_list(row[12]),
            competencies=json_list(row[13]),
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


class _Picked(Sequence[Person]):
    """Some of a pool's people, by position, each made only when read (the candidate table
    reads the rows it paints, not all 50,000 candidates)."""

    def __init__(self, people: Sequence[Person], positions: np.ndarray) -> None:
        self._people = people
        self._positions = positions.tolist()

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, index: int) -> Person: ...
    @overload
    def __getitem__(self, index: slice) -> list[Person]: ...

    def __getitem__(self, index: int | slice) -> Person | list[Person]:
        if isinstance(index, slice):
            return [self._people[i] for i in self._positions[index]]
        return self._people[self._positions[index]]

    def __iter__(self) -> Iterator[Person]:
        for position in self._positions:
            yield self._people[position]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


@dataclass
class Ranking:
    """Candidates for one person, best first; those a hard rule blocks come last."""

    person: Person
    candidates: Sequence[Person]
    scores: list[float]
    allowed: list[bool]
    first_failure: list[str | None]  # the first hard rule that blocks, by rule id
    ids: list[int] | None = None
    """The candidates' ids in order (read without making each candidate a Person), if known."""
    of: int | None = None
    """None for the whole ranking; else how many candidates there are, of which these are
    only the first few by name (scored exactly, not ranked: the pairing screen's first paint)."""

    def __len__(self) -> int:
        return len(self.candidates)

    def index(self, person_id: int) -> int | None:
        """Return where ``person_id`` is among the candidates, None if not there."""
        ids = self.ids if self.ids is not None else [c.id for c in self.candidates]
        try:
            return ids.index(person_id)
        except ValueError:
            return None

    @property
    def complete(self) -> bool:
        """Whether these are all the candidates, best first (not the first few by name)."""
        return self.of is None


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
    former = pool.former_of(facts, person_id)
    if former:
        others = others[~np.isin(pool.ids[others], np.fromiter(former, dtype=np.int64, count=len(former)))]
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
        candidates=_Picked(pool.people, others[order]),
        ids=pool.ids[others[order]].tolist(),
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
    from scipy.optimize import linear_sum_assignment  # here: a quarter of a second to import

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
